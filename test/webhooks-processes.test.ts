/**
 * Webhooks across real server processes (`opsline serve`) on one database: kill -9 during delivery
 * loses no event (at-least-once), two servers on one PostgreSQL deliver each event once, and https
 * endpoints are verified against the CAs the server trusts.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../src/db/connection.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import { verifySignature } from '../src/modules/webhooks/index.js';
import { dialect } from './helpers.js';
import { sleep } from './support.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const adminKey = `sk_webhooks_${randomBytes(16).toString('hex')}`;

function startServer(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_API_KEY: adminKey,
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '1000000',
      // A short timeout keeps the lease of a killed server's claims short (about 6 timeouts).
      WEBHOOK_TIMEOUT_MS: '500',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/i.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, base: match[1] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${output}`));
    });
  });
}

async function stopServer(server: { child: ChildProcess }): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** The ids of every event written since the endpoint was made (what it must receive). */
async function eventIdsSince(databaseUrl: string, since: string): Promise<string[]> {
  const database = openDatabase(databaseUrl);
  try {
    const rows = await database.db.selectFrom('events').select('id').where('created_at', '>=', since).execute();
    return rows.map((r) => r.id);
  } finally {
    await database.close();
  }
}

/** A self-signed certificate for 127.0.0.1 (openssl), or why there is none. */
function selfSignedCertificate(): { key: string; cert: string; certFile: string; dir: string } | string {
  const dir = mkdtempSync(join(tmpdir(), 'opsline-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return `openssl could not make a certificate (${(err as Error).message})`;
  }
  const certFile = join(dir, 'cert.pem');
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, dir };
}

const receivers: Receiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

describe('webhooks across server processes', () => {
  it('kill -9 during delivery loses no event: after a restart every committed event arrives', async () => {
    const { url: databaseUrl, drop } = await createThrowawayDatabase(process.env.DATABASE_URL ?? '', 'whcrash');
    const receiver = await startReceiver();
    receivers.push(receiver);
    // A slow receiver keeps deliveries in flight when the server dies.
    const slow = receiver.respond;
    receiver.respond = (r) => {
      const end = Date.now() + 5;
      while (Date.now() < end);
      return slow(r);
    };
    const first = await startServer(databaseUrl);
    let second: { child: ChildProcess; base: string } | undefined;
    try {
      const ep = await call(first.base, 'POST', '/v1/webhook_endpoints', { url: receiver.url, enabled_events: ['*'] });
      assert.equal(ep.status, 201, JSON.stringify(ep.body));
      const item = await call(first.base, 'POST', '/v1/inventory_items', { sku: 'WH-CRASH', on_hand: 1_000_000 });
      assert.equal(item.status, 201);
      let dead = false;
      const acked: string[] = [];
      const workers = Array.from({ length: 8 }, async () => {
        while (!dead) {
          const r = await call(first.base, 'POST', '/v1/orders', {
            customer: { email: 'wh-crash@example.com' },
            line_items: [{ sku: 'WH-CRASH', quantity: 1, price: 100 }],
          }).catch(() => undefined);
          if (r?.status === 201) acked.push(r.body.id);
        }
      });
      await receiver.waitFor((rs) => rs.length >= 20, 15_000, 'deliveries under way');
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      dead = true;
      await Promise.all(workers);
      assert.ok(acked.length > 0);

      second = await startServer(databaseUrl);
      const expected = await eventIdsSince(databaseUrl, ep.body.created_at);
      assert.ok(expected.length > acked.length, 'events to deliver');
      await receiver.waitFor(
        (rs) => {
          const got = new Set(rs.map((r) => r.event.id));
          return expected.every((id) => got.has(id));
        },
        30_000,
        `all ${expected.length} events`,
      );
      const created = new Set(
        receiver.received.filter((r) => r.event.type === 'order.created').map((r) => r.event.data.object.id),
      );
      for (const id of acked) assert.ok(created.has(id), `order.created of acknowledged order ${id} arrived`);
    } finally {
      first.child.kill('SIGKILL');
      if (second) await stopServer(second);
      await drop();
    }
  });

  const certificate = selfSignedCertificate();
  it(
    'https: a certificate the server does not trust fails the attempt; trusted through NODE_EXTRA_CA_CERTS, the delivery goes and verifies',
    { skip: typeof certificate === 'string' && certificate },
    async () => {
      const tls = certificate as Exclude<typeof certificate, string>;
      const { url: databaseUrl, drop } = await createThrowawayDatabase(process.env.DATABASE_URL ?? '', 'whtls');
      const receiver = await startReceiver(0, tls);
      receivers.push(receiver);
      let server = await startServer(databaseUrl);
      try {
        const ep = await call(server.base, 'POST', '/v1/webhook_endpoints', {
          url: receiver.url,
          enabled_events: ['customer.created'],
        });
        assert.equal(ep.status, 201, JSON.stringify(ep.body));
        const customer = await call(server.base, 'POST', '/v1/customers', { email: 'wh-tls@example.com' });
        assert.equal(customer.status, 201);
        let delivery: any;
        for (let i = 0; i < 100 && !delivery?.attempts.length; i++, await sleep(50))
          delivery = (await call(server.base, 'GET', `/v1/webhook_deliveries?endpoint_id=${ep.body.id}`)).body.data[0];
        assert.equal(delivery?.attempts[0]?.status_code, null, JSON.stringify(delivery));
        assert.match(delivery.attempts[0].error, /SELF_SIGNED|CERT/);
        assert.equal(delivery.status, 'pending', 'retried, as for any failure to connect');
        assert.equal(receiver.received.length, 0, 'nothing went over a connection that did not verify');

        await stopServer(server);
        server = await startServer(databaseUrl, { NODE_EXTRA_CA_CERTS: tls.certFile });
        assert.equal((await call(server.base, 'POST', `/v1/webhook_deliveries/${delivery.id}/retry`)).status, 200);
        await receiver.waitFor((rs) => rs.length === 1, 10_000, 'the delivery over https');
        const [got] = receiver.received;
        assert.equal(got.webhookId, delivery.id);
        assert.equal(got.event.data.object.id, customer.body.id);
        assert.equal(verifySignature(got.body, got.signature, ep.body.secret, 300), true);
      } finally {
        await stopServer(server);
        await drop();
        rmSync(tls.dir, { recursive: true, force: true });
      }
    },
  );

  it(
    'two server processes on one PostgreSQL deliver each event once',
    { skip: dialect !== 'postgres' && 'PostgreSQL only: SQLite runs one server process' },
    async () => {
      const { url: databaseUrl, drop } = await createThrowawayDatabase(process.env.DATABASE_URL ?? '', 'whtwo');
      const receiver = await startReceiver();
      receivers.push(receiver);
      const a = await startServer(databaseUrl);
      let b: { child: ChildProcess; base: string } | undefined;
      try {
        b = await startServer(databaseUrl);
        const ep = await call(a.base, 'POST', '/v1/webhook_endpoints', { url: receiver.url, enabled_events: ['*'] });
        assert.equal(ep.status, 201);
        assert.equal(
          (await call(b.base, 'POST', '/v1/inventory_items', { sku: 'WH-TWO', on_hand: 1_000_000 })).status,
          201,
        );
        const bases = [a.base, b.base];
        await Promise.all(
          Array.from({ length: 8 }, async (_, w) => {
            for (let i = 0; i < 25; i++) {
              const r = await call(bases[(w + i) % 2], 'POST', '/v1/orders', {
                customer: { email: `wh-two-${w}@example.com` },
                line_items: [{ sku: 'WH-TWO', quantity: 1, price: 100 }],
              });
              assert.equal(r.status, 201, JSON.stringify(r.body));
            }
          }),
        );
        const expected = await eventIdsSince(databaseUrl, ep.body.created_at);
        assert.ok(expected.length >= 200);
        await receiver.waitFor(
          (rs) => {
            const got = new Set(rs.map((r) => r.event.id));
            return expected.every((id) => got.has(id));
          },
          30_000,
          `all ${expected.length} events`,
        );
        await sleep(500);
        const counts = new Map<string, number>();
        for (const r of receiver.received) counts.set(r.event.id, (counts.get(r.event.id) ?? 0) + 1);
        const twice = [...counts].filter(([, n]) => n > 1);
        assert.deepEqual(twice, [], 'no event delivered twice');
        assert.equal(receiver.received.length, expected.length);
        assert.equal(new Set(receiver.received.map((r) => r.webhookId)).size, expected.length);
      } finally {
        if (b) await stopServer(b);
        await stopServer(a);
        await drop();
      }
    },
  );
});
