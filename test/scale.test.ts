/**
 * Scale-out on PostgreSQL: several server processes on one database.
 * - Two apps, each with its own pool and caches (what two processes have), on one database: no
 *   stale list, count or document; one command per Idempotency-Key; unique order numbers.
 * - `opsline serve --workers 3` on one port under mixed traffic from several clients: no oversell,
 *   `opsline verify` clean, money adds up, every list count right; a crashed worker comes back;
 *   SIGTERM drains every worker and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../src/app.js';
import { prepareDatabase } from '../src/bootstrap.js';
import { openDatabase, type DatabaseHandle } from '../src/db/connection.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { migrations } from '../src/db/migrations/index.js';
import { defaultAppOptions, dialect, getTestContext, makeApi, unique, type TestContext } from './helpers.js';
import { newCustomer, stockedSkus } from './orders-helpers.js';
import { sleep } from './support.js';

const skip =
  dialect === 'postgres'
    ? false
    : 'PostgreSQL only: on SQLite the server is one process (serve --workers refuses more than 1)';
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

describe('readiness (/ready)', () => {
  it('is ready on a migrated database and answers 503 migrations_pending naming what is missing', async () => {
    const t = await getTestContext();
    const ready = await t.api('GET', '/ready', undefined, { authorization: '' });
    assert.deepEqual([ready.status, ready.body.status], [200, 'ready']);

    const { url, drop } = await createThrowawayDatabase(process.env.DATABASE_URL ?? '', 'ready');
    const database = openDatabase(url);
    try {
      await migrateToLatest(database.db);
      const last = Object.keys(migrations).sort().at(-1)!;
      await database.db
        .deleteFrom('kysely_migration' as any)
        .where('name', '=', last)
        .execute();
      const app = await buildApp(database, defaultAppOptions);
      try {
        const res = await app.inject({ method: 'GET', url: '/ready' });
        assert.equal(res.statusCode, 503);
        assert.deepEqual(res.json(), { status: 'migrations_pending', pending_migrations: [last] });
      } finally {
        await app.close();
      }
    } finally {
      await database.close();
      await drop();
    }
  });
});

describe('two processes on one PostgreSQL database', { skip }, () => {
  let t: TestContext;
  let other: DatabaseHandle;
  /** The shared test app (process A) and a second app with its own pool and caches (process B). */
  let a: TestContext['api'];
  let b: TestContext['api'];
  let closeB: (() => Promise<void>) | undefined;
  before(async () => {
    t = await getTestContext();
    other = openDatabase(t.databaseUrl);
    const app = await buildApp(other, defaultAppOptions);
    a = t.api;
    b = makeApi(app, t.adminKey);
    closeB = async () => {
      await app.close();
      await other.close();
    };
  });
  after(() => closeB?.());

  it('a list, its count and a document read in one process show what the other just wrote', async () => {
    const [sku] = await stockedSkus(t, 100);
    const customer = await newCustomer(t);
    const listed = (api: typeof a) => api('GET', `/v1/orders?customer_id=${customer.id}&limit=100`);
    const ids: string[] = [];
    for (let round = 0; round < 6; round++) {
      const [writer, reader] = round % 2 ? [a, b] : [b, a];
      // The reader counts first, so a count it kept would be stale after the other's write.
      assert.equal((await listed(reader)).body.total_count, ids.length);
      const created = await writer('POST', '/v1/orders', {
        customer_id: customer.id,
        line_items: [{ sku, quantity: 1, price: 1000 }],
        payment: { method: 'card', status: 'paid' },
      });
      assert.equal(created.status, 201);
      ids.push(created.body.id);
      const page = (await listed(reader)).body;
      assert.equal(page.total_count, ids.length, `round ${round}: count seen by the other process`);
      assert.deepEqual(page.data.map((o: { id: string }) => o.id).sort(), [...ids].sort());
    }

    // Documents: the reader has the order, the writer changes it, the reader sees the change.
    const [first, second] = ids;
    const before = (await a('GET', `/v1/orders/${first}`)).body;
    const shipped = await b('POST', `/v1/orders/${first}/ship`, { carrier: 'UPS' });
    assert.equal(shipped.status, 200);
    const seen = (await a('GET', `/v1/orders/${before.order_number}`)).body;
    assert.equal(seen.status, 'shipped');
    assert.equal(seen.version, shipped.body.version);
    assert.equal((await b('GET', `/v1/orders/${second}`)).body.status, 'processing');
    assert.equal((await a('POST', `/v1/orders/${second}/cancel`, {})).status, 200);
    assert.equal((await b('GET', `/v1/orders/${second}`)).body.status, 'cancelled');
    assert.equal((await b('GET', `/v1/orders?customer_id=${customer.id}&status=cancelled`)).body.total_count, 1);

    // An inventory item and its count, adjusted in one, read in the other.
    const item = (await a('GET', `/v1/inventory_items?sku=${sku}`)).body.data[0];
    const adjusted = await b('POST', `/v1/inventory_items/${item.id}/adjust`, { quantity_change: 7, reason: 'scale' });
    assert.equal(adjusted.status, 200);
    const after = (await a('GET', `/v1/inventory_items/${item.id}`)).body;
    assert.deepEqual([after.on_hand, after.reserved], [adjusted.body.on_hand, adjusted.body.reserved]);
    assert.equal(after.on_hand, item.on_hand + 7);
  });

  it('the same Idempotency-Key sent to both at once runs one command', async () => {
    const [sku] = await stockedSkus(t, 100);
    for (let round = 0; round < 8; round++) {
      const customer = await newCustomer(t);
      const key = unique('scale-idem-');
      const body = { customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 500 }] };
      const answers = await Promise.all(
        [a, b, a, b].map((api) => api('POST', '/v1/orders', body, { 'idempotency-key': key })),
      );
      for (const r of answers)
        assert.ok(
          r.status === 201 || (r.status === 409 && r.body.error.code === 'idempotency_key_in_use'),
          `${r.status} ${r.raw}`,
        );
      const created = new Set(answers.filter((r) => r.status === 201).map((r) => r.body.id));
      assert.equal(created.size, 1, 'every 201 is the one order (the first, or its replay)');
      assert.equal((await b('GET', `/v1/orders?customer_id=${customer.id}`)).body.total_count, 1);
    }
  });

  it('orders created at once in both get unique, gapless-enough numbers', async () => {
    const [sku] = await stockedSkus(t, 1000);
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b)('POST', '/v1/orders', {
          customer: { email: `scale-${i}@example.com` },
          line_items: [{ sku, quantity: 1, price: 100 }],
        }),
      ),
    );
    assert.deepEqual(
      created.map((r) => r.status),
      created.map(() => 201),
    );
    const numbers = created.map((r) => r.body.order_number as string);
    assert.equal(new Set(numbers).size, numbers.length, 'no number given twice');
    const { rows } = await sql<{
      n: number;
      distinct: number;
    }>`select count(*) as n, count(distinct order_number) as distinct from orders`.execute(t.db);
    assert.equal(rows[0].n, rows[0].distinct);
  });
});

describe('processes starting at once on one fresh PostgreSQL database', { skip }, () => {
  it('migrate once and adopt ADMIN_API_KEY once (or make one first key)', async () => {
    for (const adminApiKey of [`sk_replica_${randomBytes(12).toString('hex')}`, undefined]) {
      const { url, drop } = await createThrowawayDatabase(process.env.DATABASE_URL!, 'replicas');
      try {
        const started = await Promise.all(
          [1, 2, 3].map(() => prepareDatabase({ databaseUrl: url, adminApiKey, databasePoolSize: 2 })),
        );
        try {
          const reports = started.map((s) => s.report);
          assert.equal(reports.filter((r) => r.migrationsApplied.length > 0).length, 1, 'one migrates');
          const made = reports.filter((r) => r.adoptedAdminKey || r.generatedAdminKey).length;
          assert.equal(made, 1, 'one makes the admin key');
          const keys = await started[0].database.db.selectFrom('api_keys').select('id').execute();
          assert.equal(keys.length, 1);
        } finally {
          for (const s of started) await s.database.close();
        }
      } finally {
        await drop();
      }
    }
  });
});

// --- serve --workers 3 ---------------------------------------------------------------------------

const adminKey = `sk_scale_${randomBytes(16).toString('hex')}`;
const TRAFFIC_MS = 10_000;
const CLIENTS = 6;

interface Cluster {
  child: ChildProcess;
  base: string;
  /** Log lines so far (the workers' listening lines name their pids). */
  output: () => string;
}

function startCluster(databaseUrl: string, workers: number): Promise<Cluster> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--workers', String(workers)], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0', // the workers share the one port the primary picks
      HOST: '127.0.0.1',
      ADMIN_API_KEY: adminKey,
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DATABASE_POOL_SIZE: '8',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cluster did not start: ${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /workers serving on port (\d+)/.exec(output);
      if (port) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${port[1]}`, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cluster exited (${code}): ${output}`));
    });
  });
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

/** Pids of the workers that said they listen. */
function workerPids(output: string): number[] {
  return [...output.matchAll(/"pid":(\d+),[^\n]*Opsline listening on/g)].map((m) => Number(m[1]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('opsline serve --workers 3 under mixed traffic', { skip }, () => {
  it('keeps the ledger, the money and every list count right, restarts a crashed worker and drains on SIGTERM', async () => {
    const { url: databaseUrl, drop } = await createThrowawayDatabase(process.env.DATABASE_URL!, 'scale');
    let cluster: Cluster | undefined;
    try {
      cluster = await startCluster(databaseUrl, 3);
      const { base } = cluster;
      // The primary reports all listening before each worker's own log line may have arrived.
      for (let i = 0; i < 100 && workerPids(cluster.output()).length < 3; i++) await sleep(100);
      assert.equal(workerPids(cluster.output()).length, 3);
      assert.equal((await call(base, 'GET', '/ready')).status, 200);

      // Scarce stock, so clients race for the last units: an oversell would show.
      const skus = ['SCALE-A', 'SCALE-B', 'SCALE-C', 'SCALE-D'];
      const itemIds: string[] = [];
      for (const sku of skus) {
        const r = await call(base, 'POST', '/v1/inventory_items', { sku, on_hand: 60 });
        assert.equal(r.status, 201);
        itemIds.push(r.body.id);
      }

      const outcomes: Record<string, number> = {};
      const unexpected: string[] = [];
      const note = (op: string, status: number, body: any, ok: number[]) => {
        const key = `${op} ${status}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
        // 409: out of stock, a state that no longer allows it (another client got there first).
        if (!ok.includes(status) && status !== 409) unexpected.push(`${key} ${JSON.stringify(body)}`);
      };
      const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];
      const deadline = Date.now() + TRAFFIC_MS;

      const client = async (n: number) => {
        const open: string[] = []; // orders this client created and may ship or cancel
        const shipped: string[] = [];
        while (Date.now() < deadline) {
          const dice = Math.random();
          if (dice < 0.4 || open.length === 0) {
            const lines = [...new Set([pick(skus), pick(skus)])].map((sku, i) => ({
              sku,
              quantity: 1 + ((n + i) % 3),
              price: 1250 + i * 100,
            }));
            const r = await call(base, 'POST', '/v1/orders', {
              customer: { email: `scale-client-${n}@example.com` },
              line_items: lines,
              ...(Math.random() < 0.7 ? { payment: { method: 'card', status: 'paid' } } : {}),
            });
            note('create', r.status, r.body, [201]);
            if (r.status === 201) open.push(r.body.id);
          } else if (dice < 0.6) {
            const id = open.shift()!;
            const r = await call(base, 'POST', `/v1/orders/${id}/ship`, { carrier: 'UPS', tracking_number: `1Z${n}` });
            note('ship', r.status, r.body, [200]);
            if (r.status === 200) shipped.push(id);
          } else if (dice < 0.7) {
            const id = open.shift()!;
            const r = await call(base, 'POST', `/v1/orders/${id}/cancel`, { reason: 'customer_request' });
            note('cancel', r.status, r.body, [200]);
          } else if (dice < 0.8 && shipped.length) {
            const id = shipped.shift()!;
            const order = (await call(base, 'GET', `/v1/orders/${id}`)).body;
            const line = order.line_items[0];
            const ret = await call(base, 'POST', `/v1/orders/${id}/return`, {
              line_items: [{ sku: line.sku, quantity: 1 }],
            });
            note('return', ret.status, ret.body, [200, 201]);
            if (ret.status < 300 && order.totals.paid > 0) {
              const refund = await call(base, 'POST', `/v1/returns/${ret.body.return.id}/refund`, {});
              note('refund return', refund.status, refund.body, [200]);
            }
          } else if (dice < 0.95) {
            const change = Math.random() < 0.5 ? 5 : -4;
            const r = await call(base, 'POST', `/v1/inventory_items/${pick(itemIds)}/adjust`, {
              quantity_change: change,
              reason: 'scale test',
            });
            note(change > 0 ? 'adjust up' : 'adjust down', r.status, r.body, [200]);
          } else {
            const r = await call(base, 'GET', '/v1/orders?limit=5');
            note('list', r.status, r.body, [200]);
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
      assert.deepEqual(unexpected, [], JSON.stringify(outcomes));
      for (const op of ['create 201', 'ship 200', 'cancel 200', 'adjust up 200'])
        assert.ok((outcomes[op] ?? 0) > 0, `some ${op}: ${JSON.stringify(outcomes)}`);

      // The same Idempotency-Key at once on several connections (spread over the workers): one order.
      for (let round = 0; round < 5; round++) {
        const key = `scale-${randomBytes(6).toString('hex')}`;
        const body = {
          customer: { email: `${key}@example.com` },
          line_items: [{ sku: 'SCALE-A', quantity: 1, price: 1 }],
          allow_backorder: true,
        };
        const answers = await Promise.all(
          [1, 2, 3].map(() => call(base, 'POST', '/v1/orders', body, { 'idempotency-key': key })),
        );
        const ids = new Set(answers.filter((r) => r.status === 201).map((r) => r.body.id));
        assert.equal(ids.size, 1, JSON.stringify(answers.map((r) => r.status)));
        const listed = await call(base, 'GET', `/v1/orders?customer_email=${encodeURIComponent(`${key}@example.com`)}`);
        assert.equal(listed.body.total_count, 1);
      }

      const database = openDatabase(databaseUrl);
      try {
        const db = database.db;
        // No oversell: nothing below zero, nothing reserved beyond what is on hand.
        for (const row of await db.selectFrom('inventory_items').select(['sku', 'on_hand', 'reserved']).execute()) {
          assert.ok(
            row.on_hand >= 0 && row.reserved >= 0,
            `${row.sku}: ${row.on_hand} on hand, ${row.reserved} reserved`,
          );
          assert.ok(row.reserved <= row.on_hand, `${row.sku}: oversold`);
        }
        // Money: payments add up to each order's paid total, refunds to its refunded total.
        const { rows: money } = await sql<{
          order_number: string;
          paid: number;
          payments: number;
          refunded: number;
          refunds: number;
        }>`
          select o.order_number, o.paid_total as paid, o.refunded_total as refunded,
            coalesce((select sum(amount) from payments p where p.order_id = o.id), 0) as payments,
            coalesce((select sum(amount) from refunds r where r.order_id = o.id), 0) as refunds
          from orders o`.execute(db);
        assert.ok(money.length >= 10, `${money.length} orders`);
        for (const m of money) {
          assert.equal(Number(m.payments), Number(m.paid), `${m.order_number}: payments`);
          assert.equal(Number(m.refunds), Number(m.refunded), `${m.order_number}: refunds`);
        }
        const { rows: numbers } = await sql<{ n: number; distinct: number }>`
          select count(*) as n, count(distinct order_number) as distinct from orders`.execute(db);
        assert.equal(numbers[0].n, numbers[0].distinct, 'order numbers are unique');

        // Every list's total_count is the rows there are, asked several times (so of every worker).
        const count = async (table: string, where = sql`true`) =>
          Number(
            (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db)).rows[0]
              .n,
          );
        const lists: Array<[string, number]> = [
          ['/v1/orders', await count('orders')],
          ['/v1/orders?status=shipped', await count('orders', sql`status = 'shipped'`)],
          ['/v1/orders?status=cancelled', await count('orders', sql`status = 'cancelled'`)],
          ['/v1/returns', await count('returns')],
          ['/v1/refunds', await count('refunds')],
          ['/v1/shipments', await count('shipments')],
          ['/v1/inventory_items', await count('inventory_items')],
          ['/v1/events?type=order.created', await count('events', sql`type = 'order.created'`)],
        ];
        for (const [path, expected] of lists)
          for (let i = 0; i < 4; i++)
            assert.equal((await call(base, 'GET', path)).body.total_count, expected, `${path} total_count`);
      } finally {
        await database.close();
      }
      const verify = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'verify'], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: databaseUrl },
        encoding: 'utf8',
      });
      assert.equal(verify.status, 0, `opsline verify: ${verify.stdout}${verify.stderr}`);

      // A worker killed outright is replaced; the others serve meanwhile.
      const [victim] = workerPids(cluster.output());
      process.kill(victim, 'SIGKILL');
      for (let i = 0; i < 300 && workerPids(cluster.output()).length < 4; i++) await sleep(100);
      assert.equal(workerPids(cluster.output()).length, 4, `a new worker listens: ${cluster.output()}`);
      assert.equal((await call(base, 'GET', '/ready')).status, 200);

      // SIGTERM drains every worker, then the primary exits 0.
      const pids = workerPids(cluster.output()).filter(alive);
      assert.equal(pids.length, 3);
      const exited = new Promise<number | null>((resolve) => cluster!.child.once('exit', resolve));
      cluster.child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.deepEqual(pids.filter(alive), [], 'no worker outlives the primary');
      cluster = undefined;
    } finally {
      if (cluster) {
        for (const pid of workerPids(cluster.output()).filter(alive)) process.kill(pid, 'SIGKILL');
        cluster.child.kill('SIGKILL');
      }
      await drop();
    }
  });
});
