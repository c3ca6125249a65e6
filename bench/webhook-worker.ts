/**
 * `npm run bench -- webhook-worker`: the webhook worker's own cost, without order traffic around it.
 * Writes BENCH_WEBHOOK_EVENTS order-sized events (default 20,000) for one endpoint subscribed to
 * `*`, then starts the worker in this process and times it until a receiver (a node:http server
 * in its own process, answering 200) has had them all. Prints deliveries per second and CPU per
 * delivery: this process (the worker, split into the main thread and the rest: garbage collection
 * helpers, SQLite's checkpointer), the receiver, and on PostgreSQL the database's backends.
 * SQLite, or PostgreSQL when DATABASE_URL is a postgres URL.
 *
 * `npm run bench -- webhook-outage`: the worker during an endpoint outage. An endpoint whose URL
 * refuses connections gets BENCH_WEBHOOK_OBJECTS objects (default 5,000) with 4 events each; after
 * the fan-out, prints the worker's and (PostgreSQL) the backends' CPU over the next 10 s, while
 * first attempts fail and the later events of each object wait behind them.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle, type DB } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import { inTransaction } from '../src/db/transaction.js';
import { startWebhookWorker } from '../src/modules/webhooks/index.js';
import { createWebhookEndpoint } from '../src/modules/webhooks/service.js';
import { recordEvent } from '../src/platform/events.js';
import { cpuSeconds, mainThreadCpuSeconds } from './cpu.js';

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

const mainThreadCpuMs = () => mainThreadCpuSeconds(process.pid) * 1000;

/**
 * Counts the CPU of this database's backends from now until the returned function is called (ms).
 * Sampled every 100 ms, per backend from its first sample to its last: the pool closes idle
 * connections, and a backend gone by the end would otherwise take what it used before the start
 * out of the total.
 */
function countBackendCpu(db: DB): () => Promise<number> {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async () => {
    const { rows } = await sql<{
      pid: number;
    }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
    for (const { pid } of rows) {
      const seconds = cpuSeconds([pid]);
      if (!first.has(pid)) first.set(pid, seconds);
      last.set(pid, seconds);
    }
  };
  let sampling = sample();
  const timer = setInterval(() => (sampling = sampling.then(sample)), 100);
  return async () => {
    clearInterval(timer);
    await sampling.then(sample);
    let seconds = 0;
    for (const [pid, end] of last) seconds += end - first.get(pid)!;
    return seconds * 1000;
  };
}

const LINES = [1, 2, 3].map((n) => ({ sku: `SKU-${n}`, name: `Product ${n}`, quantity: n, unit_price: '19.99' }));

/** Events about `objects` orders (order-sized: about 500 bytes of JSON each), 500 per transaction. */
async function writeOrderEvents(db: DB, type: string, objects: number): Promise<void> {
  const ctx = { requestId: 'req_bench' };
  for (let i = 0; i < objects; i += 500)
    await inTransaction(db, async (trx) => {
      for (let n = i; n < Math.min(objects, i + 500); n++) {
        const order = {
          id: `ord_bench${n}`,
          object: 'order',
          number: `ORD-${n}`,
          status: 'open',
          email: `buyer${n}@example.com`,
          line_items: LINES,
          total: '119.94',
          currency: 'USD',
        };
        await recordEvent(trx, ctx, type, order);
      }
    });
}

/** A migrated throwaway database with one endpoint for `*` at `url`; dropped after `run`. */
async function withEndpoint(label: string, url: string, run: (database: DatabaseHandle) => Promise<void>) {
  const throwaway = await createThrowawayDatabase(process.env.DATABASE_URL ?? '', label);
  const database = openDatabase(throwaway.url, { backgroundCheckpoints: true });
  try {
    await migrateToLatest(database.db);
    await createWebhookEndpoint(database.db, { requestId: 'req_bench' }, { url, enabled_events: ['*'] });
    await run(database);
  } finally {
    await database.close();
    await throwaway.drop();
  }
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
  try {
    await withEndpoint('bench_webhooks', `http://127.0.0.1:${port}/hooks`, async ({ db, dialect }) => {
      // The endpoint's own webhook_endpoint.created event is delivered too.
      const expected = EVENTS + 1;
      await writeOrderEvents(db, 'order.created', EVENTS);
      const postgres = dialect === 'postgres';
      const receiverBefore = await stats();
      const backendCpu = postgres ? countBackendCpu(db) : async () => 0;
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
      const backends = await backendCpu();
      await worker.stop();

      const delivered = after.received - receiverBefore.received;
      const per = (ms: number) => `${((ms / delivered) * 1000).toFixed(0)} µs`;
      const receiverMs =
        (after.cpu.user - receiverBefore.cpu.user + after.cpu.system - receiverBefore.cpu.system) / 1000;
      console.log(
        `webhook worker, ${dialect}: ${delivered} of ${expected} events delivered in ${seconds.toFixed(1)} s ` +
          `(${Math.round(delivered / seconds)}/s)`,
      );
      console.log(
        `CPU per delivery: worker ${per((cpu.user + cpu.system) / 1000)} (main thread ${per(main)}, kernel ${per(cpu.system / 1000)}), ` +
          `receiver ${per(receiverMs)}${postgres ? `, PostgreSQL backends ${per(backends)}` : ''}`,
      );
    });
  } finally {
    receiver.kill();
  }
}

export async function benchWebhookOutage(): Promise<void> {
  const objects = Number(process.env.BENCH_WEBHOOK_OBJECTS ?? 5_000);
  // Port 9 (discard) is closed here: every attempt is refused at once.
  await withEndpoint('bench_outage', 'http://127.0.0.1:9/hooks', async ({ db, dialect }) => {
    const worker = startWebhookWorker(db);
    for (let round = 0; round < 4; round++) await writeOrderEvents(db, 'order.updated', objects);
    const count = async (attempted: boolean) => {
      let query = db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n'));
      if (attempted) query = query.where('attempt_count', '>', 0);
      return Number((await query.executeTakeFirstOrThrow()).n);
    };
    const deadline = Date.now() + 60_000;
    // The endpoint's own webhook_endpoint.created event is delivered too.
    while ((await count(false)) < objects * 4 + 1 && Date.now() < deadline) await sleep(100);
    const made = await count(false);
    const postgres = dialect === 'postgres';
    const backendCpu = postgres ? countBackendCpu(db) : async () => 0;
    const cpuBefore = process.cpuUsage();
    await sleep(10_000);
    const cpu = process.cpuUsage(cpuBefore);
    const backends = await backendCpu();
    await worker.stop();
    console.log(
      `webhook outage, ${dialect}: ${made} of ${objects * 4 + 1} deliveries made within 60 s, ` +
        `${await count(true)} attempted (refused); over the next 10 s the worker used ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms of CPU` +
        `${postgres ? `, PostgreSQL's backends ${Math.round(backends)} ms` : ''}`,
    );
  });
}
