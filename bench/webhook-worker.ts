/**
 * `npm run bench -- webhook-worker`: the webhook worker's own cost, without order traffic around it.
 * Writes BENCH_WEBHOOK_EVENTS order-sized events (default 20,000) for one endpoint subscribed to
 * `*`, then starts the worker in this process and times it until a receiver (a node:http server
 * in its own process, answering 200) has had them all. Prints deliveries per second and CPU per
 * delivery: this process (the worker, split into the main thread and the rest: garbage collection
 * helpers, SQLite's checkpointer), the receiver, and on PostgreSQL the database's backends.
 * SQLite, or PostgreSQL when DATABASE_URL is a postgres URL.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openDatabase, type DB } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import { inTransaction } from '../src/db/transaction.js';
import { startWebhookWorker } from '../src/modules/webhooks/index.js';
import { createWebhookEndpoint } from '../src/modules/webhooks/service.js';
import { recordEvent } from '../src/platform/events.js';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 20_000);

const RECEIVER_SOURCE = `
const http = require('node:http');
let received = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') return res.end(JSON.stringify({ received, cpu: process.cpuUsage() }));
  req.on('data', () => {});
  req.on('end', () => { received++; res.end('ok'); });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** CPU milliseconds of a process or thread from its /proc stat line (utime + stime, 10 ms ticks). */
function statCpuMs(path: string): number {
  try {
    const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0; // gone
  }
}

const mainThreadCpuMs = () => statCpuMs(`/proc/self/task/${process.pid}/stat`);

async function backendCpuMs(db: DB): Promise<number> {
  const { rows } = await sql<{
    pid: number;
  }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
  return rows.reduce((sum, r) => sum + statCpuMs(`/proc/${r.pid}/stat`), 0);
}

/** An order-sized event object (about 500 bytes of JSON, like an order with three lines). */
function orderLike(n: number, lines: object[]): { id: string; object: string } {
  const order = {
    id: `ord_bench${n}`,
    object: 'order',
    number: `ORD-${n}`,
    status: 'open',
    email: `buyer${n}@example.com`,
    line_items: lines,
    total: '119.94',
    currency: 'USD',
  };
  return order;
}

export async function benchWebhookWorker(): Promise<void> {
  const receiver = spawn(process.execPath, ['-e', RECEIVER_SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) =>
    receiver.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString()))),
  );
  const stats = async () =>
    (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as {
      received: number;
      cpu: { user: number; system: number };
    };
  const throwaway = await createThrowawayDatabase(process.env.DATABASE_URL ?? '', 'bench_webhooks');
  const database = openDatabase(throwaway.url, { backgroundCheckpoints: true });
  const { db } = database;
  try {
    await migrateToLatest(db);
    const ctx = { requestId: 'req_bench' };
    await createWebhookEndpoint(db, ctx, { url: `http://127.0.0.1:${port}/hooks`, enabled_events: ['*'] });
    // The endpoint's own webhook_endpoint.created event is delivered too.
    const expected = EVENTS + 1;
    const lines = [1, 2, 3].map((n) => ({ sku: `SKU-${n}`, name: `Product ${n}`, quantity: n, unit_price: '19.99' }));
    for (let i = 0; i < EVENTS; i += 500)
      await inTransaction(db, async (trx) => {
        for (let j = i; j < Math.min(EVENTS, i + 500); j++)
          await recordEvent(trx, ctx, 'order.created', orderLike(j, lines));
      });

    const postgres = database.dialect === 'postgres';
    const receiverBefore = await stats();
    const backendsBefore = postgres ? await backendCpuMs(db) : 0;
    const mainBefore = mainThreadCpuMs();
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const worker = startWebhookWorker(db);
    let after = receiverBefore;
    const deadline = started + 120_000;
    while ((after = await stats()).received - receiverBefore.received < expected && Date.now() < deadline)
      await sleep(20);
    const cpu = process.cpuUsage(cpuBefore);
    const main = mainThreadCpuMs() - mainBefore;
    const seconds = (Date.now() - started) / 1000;
    const backends = postgres ? (await backendCpuMs(db)) - backendsBefore : 0;
    await worker.stop();

    const delivered = after.received - receiverBefore.received;
    const per = (ms: number) => `${((ms / delivered) * 1000).toFixed(0)} µs`;
    const receiverMs = (after.cpu.user - receiverBefore.cpu.user + after.cpu.system - receiverBefore.cpu.system) / 1000;
    console.log(
      `webhook worker, ${database.dialect}: ${delivered} of ${expected} events delivered in ${seconds.toFixed(1)} s ` +
        `(${Math.round(delivered / seconds)}/s)`,
    );
    console.log(
      `CPU per delivery: worker ${per((cpu.user + cpu.system) / 1000)} (main thread ${per(main)}, kernel ${per(cpu.system / 1000)}), ` +
        `receiver ${per(receiverMs)}${postgres ? `, PostgreSQL backends ${per(backends)}` : ''}`,
    );
  } finally {
    receiver.kill();
    await database.close();
    await throwaway.drop();
  }
}
