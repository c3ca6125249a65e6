/**
 * kill -9 under load: a real server process on its own throwaway database (SQLite, or PostgreSQL
 * when the suite runs there) takes every kind of write at once and is killed mid-stream. After a
 * restart, every write it acknowledged must be there, and the ledger must be exact.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../src/db/connection.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import { verifyInventory } from '../src/modules/inventory/verify.js';
import { sleep } from './support.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const adminKey = `sk_crash_${randomBytes(16).toString('hex')}`;
const LOAD_MS = 1_500;
const CONCURRENCY = 16;

/** Starts `opsline serve` on a free port and resolves with its base URL once it listens. */
function startServer(databaseUrl: string): Promise<{ child: ChildProcess; base: string }> {
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

const { url: databaseUrl, drop } = await createThrowawayDatabase(process.env.DATABASE_URL ?? '', 'crash');
after(drop);

describe('kill -9 under load', () => {
  it('keeps every acknowledged write of every kind: keys, revokes, customers, adjustments, orders, promotions', async () => {
    const first = await startServer(databaseUrl);
    const acked = {
      keys: [] as string[],
      revoked: [] as string[],
      customers: [] as string[],
      orders: [] as string[],
      promotions: [] as string[],
      adjustments: 0,
    };
    let sentAdjustments = 0;
    let itemId = '';
    try {
      const item = await call(first.base, 'POST', '/v1/inventory_items', { sku: 'CRASH-SKU', on_hand: 1_000_000 });
      assert.equal(item.status, 201, JSON.stringify(item.body));
      itemId = item.body.id;

      // Each worker runs one kind of write after another until the server dies under it.
      const writes: Array<() => Promise<void>> = [
        async () => {
          const r = await call(first.base, 'POST', '/v1/api_keys', { name: 'crash', scopes: ['customers:read'] });
          if (r.status !== 201) return;
          acked.keys.push(r.body.id);
          const revoked = await call(first.base, 'POST', `/v1/api_keys/${r.body.id}/revoke`);
          if (revoked.status === 200) acked.revoked.push(r.body.id);
        },
        async () => {
          const r = await call(first.base, 'POST', '/v1/customers', {
            email: `crash-${randomBytes(6).toString('hex')}@example.com`,
          });
          if (r.status === 201) acked.customers.push(r.body.id);
        },
        async () => {
          sentAdjustments++;
          const r = await call(first.base, 'POST', `/v1/inventory_items/${itemId}/adjust`, {
            quantity_change: 1,
            reason: 'crash test',
          });
          if (r.status === 200) acked.adjustments++;
        },
        async () => {
          const r = await call(first.base, 'POST', '/v1/orders', {
            customer: { email: 'crash-orders@example.com' },
            line_items: [{ sku: 'CRASH-SKU', quantity: 1, price: 100 }],
          });
          if (r.status === 201) acked.orders.push(r.body.id);
        },
        async () => {
          const r = await call(first.base, 'POST', '/v1/promotions', {
            code: `CRASH${randomBytes(4).toString('hex').toUpperCase()}`,
            type: 'fixed',
            value: 100,
          });
          if (r.status === 201) acked.promotions.push(r.body.id);
        },
      ];
      let dead = false;
      const workers = Array.from({ length: CONCURRENCY }, async (_, w) => {
        for (let i = w; !dead; i++) await writes[i % writes.length]().catch(() => undefined);
      });
      await sleep(LOAD_MS);
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      dead = true;
      await Promise.all(workers);
    } finally {
      first.child.kill('SIGKILL');
    }
    for (const [kind, made] of Object.entries(acked)) {
      assert.ok(typeof made === 'number' ? made > 0 : made.length > 0, `the load made ${kind} before the kill`);
    }

    const second = await startServer(databaseUrl);
    try {
      for (const id of acked.keys) {
        const r = await call(second.base, 'GET', `/v1/api_keys/${id}`);
        assert.equal(r.status, 200, `acknowledged key ${id} is missing`);
        if (acked.revoked.includes(id)) assert.equal(r.body.status, 'revoked', `acknowledged revoke of ${id} was lost`);
      }
      for (const [path, ids] of [
        ['customers', acked.customers],
        ['orders', acked.orders],
        ['promotions', acked.promotions],
      ] as const) {
        for (const id of ids)
          assert.equal(
            (await call(second.base, 'GET', `/v1/${path}/${id}`)).status,
            200,
            `acknowledged ${path} ${id} is missing`,
          );
      }
      const item = await call(second.base, 'GET', `/v1/inventory_items/${itemId}`);
      const adjusted = item.body.on_hand - 1_000_000;
      assert.ok(
        adjusted >= acked.adjustments && adjusted <= sentAdjustments,
        `on_hand moved by ${adjusted}: ${acked.adjustments} adjustments acknowledged, ${sentAdjustments} sent`,
      );
      assert.ok(
        item.body.reserved >= acked.orders.length,
        `${item.body.reserved} reserved for ${acked.orders.length} acknowledged orders`,
      );
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));
    }
    const database = openDatabase(databaseUrl);
    try {
      assert.deepEqual((await verifyInventory(database.db)).drifts, []);
    } finally {
      await database.close();
    }
  });
});
