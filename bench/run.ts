/**
 * `npm run bench`: starts the server on a fresh database (SQLite, or PostgreSQL when DATABASE_URL is
 * a postgres URL), seeds 1,000 SKUs and 10,000 orders, then drives each scenario with autocannon
 * from this process (the server runs in its own) for a bounded time, and finally measures the raw
 * floor: the same create-order service calls, in-process, without HTTP. Right after the plain
 * create-order run, order creation runs with a webhook endpoint subscribed to `*` (a receiver in a
 * third process) and with it disabled, in alternating pairs of short runs: the cost of delivery and
 * its lag.
 *
 * `npm run bench -- planning` runs bench/planning.ts instead (the replenishment plan at scale), and
 * `npm run bench -- webhook-worker` / `webhook-outage` bench/webhook-worker.ts (the webhook worker
 * alone: CPU per delivery, and CPU during an endpoint outage).
 *
 * Settings: BENCH_SECONDS (per scenario, default 10), BENCH_CONNECTIONS (default 16),
 * BENCH_ORDERS (seeded orders, default 10000), BENCH_SKUS (default 1000), BENCH_WORKERS (server
 * processes, `serve --workers N`; PostgreSQL only, default 1), BENCH_SCENARIOS=create (only the
 * plain create-order run: no seeded orders, webhooks, reads or raw floor) or =webhooks (the plain
 * create-order run and the webhook runs), BENCH_WEBHOOK_PAIRS (pairs of webhook runs, on and off,
 * default 5), BENCH_WEBHOOK_RATE (orders per second in those runs, default 0: as many as the server
 * takes; at a rate both runs do the same work, and CPU per order compares them). BENCH_NODE_ARGS:
 * node flags for the server (after the start
 * script's own, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 *
 * During the plain create-order run it also measures where the time goes: CPU seconds of the
 * server processes, of this (client) process and of the database's backends, and what the
 * backends wait on (pg_stat_activity sampled every 50 ms, PostgreSQL only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/connection.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import { CreateOrderBody } from '../src/modules/orders/schemas.js';
import { createOrder } from '../src/modules/orders/service.js';
import { cpuSeconds, mainThreadCpuSeconds } from './cpu.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000);
const SKUS = Number(process.env.BENCH_SKUS ?? 1_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const ONLY_CREATE = process.env.BENCH_SCENARIOS === 'create';
/** Only the plain create-order run and the webhook runs (no seeded orders, reads or raw floor). */
const ONLY_WEBHOOKS = process.env.BENCH_SCENARIOS === 'webhooks';
/** Pairs of webhook runs, one with delivery on and one off (each half BENCH_SECONDS). */
const WEBHOOK_PAIRS = Number(process.env.BENCH_WEBHOOK_PAIRS ?? 5);
/** Orders per second in the webhook runs (0: as many as the server takes). */
const WEBHOOK_RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 0);
const SEED_ORDERS = !ONLY_CREATE && !ONLY_WEBHOOKS;
const COUNT_BOUNDED_LIMIT_MS = 120_000;
const baseUrl = process.env.DATABASE_URL ?? '';
const dialect = /^postgres(ql)?:\/\//.test(baseUrl) ? 'postgres' : 'sqlite';
const adminKey = `sk_bench_${randomBytes(16).toString('hex')}`;
const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** Peak server RSS during the scenario, MB. */
  rss?: number;
}
const rows: Row[] = [];
let webhookReport = '';
let profileReport = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * The server is started as `npm start` starts it: the compiled server (npm run bench builds it
 * first) with the same node options, read from package.json's start script (`node <args>`).
 */
function startArgs(): string[] {
  const start: string = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start;
  const [command, ...args] = start.split(/\s+/);
  if (command !== 'node') throw new Error(`bench: expected the start script to run node, got "${start}"`);
  return args;
}

/** BENCH_NODE_ARGS (e.g. `--cpu-prof`) go after the start script's node flags, so they win. */
function withNodeArgs(args: string[]): string[] {
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const script = args.findIndex((a) => !a.startsWith('-'));
  return [...args.slice(0, script), ...extra, ...args.slice(script)];
}

function startServer(databaseUrl: string, port: number): ChildProcess {
  const workers = WORKERS > 1 ? ['--workers', String(WORKERS)] : [];
  const child = spawn(process.execPath, [...withNodeArgs(startArgs()), ...workers], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_API_KEY: adminKey,
      // Info level logs no request (only refused ones) but the memory lines read below.
      LOG_LEVEL: 'info',
      MEMORY_LOG_MS: '200',
      RATE_LIMIT_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  readMemoryLines(child);
  return child;
}

/** The server's memory, peaks over the whole run (MB): RSS from /proc, V8 heap from its memory log lines. */
const memoryPeak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0 };
/** The peak RSS seen during the scenario running now (reset as each starts). */
let scenarioRssPeak = 0;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

function readMemoryLines(child: ChildProcess): void {
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const entry = line.startsWith('{') ? JSON.parse(line) : undefined;
      // Warnings and errors are shown (a failing webhook round, a 5xx); info lines are not.
      if (!entry?.memory && (entry?.level ?? 50) >= 40) process.stderr.write(`server: ${line}\n`);
      const memory = entry?.memory;
      if (!memory) continue;
      memoryPeak.heapUsed = Math.max(memoryPeak.heapUsed, mb(memory.heapUsed));
      memoryPeak.heapTotal = Math.max(memoryPeak.heapTotal, mb(memory.heapTotal));
      memoryPeak.external = Math.max(memoryPeak.external, mb(memory.external));
      memoryPeak.rss = Math.max(memoryPeak.rss, mb(memory.rss));
      scenarioRssPeak = Math.max(scenarioRssPeak, mb(memory.rss));
    }
  });
}

async function waitForHealth(base: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  throw new Error('server did not become healthy');
}

/** The process and its children (the workers of `--workers`), from /proc. */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      const children = readFileSync(`/proc/${tree[i]}/task/${tree[i]}/children`, 'utf8').trim();
      if (children) tree.push(...children.split(/\s+/).map(Number));
    } catch {
      /* gone */
    }
  }
  return tree;
}

/** Peak resident memory of the server: its processes' peaks added up. */
function peakRssMb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    kb += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return Math.round(kb / 1024);
}

/**
 * Runs `work` while measuring the CPU of the server, this process and the database's backends (on
 * this machine), and sampling what those backends wait on. PostgreSQL only; SQLite runs in the server.
 */
async function profiled<T>(databaseUrl: string, serverPid: number, work: () => Promise<T>): Promise<T> {
  if (dialect !== 'postgres') return work();
  const database = openDatabase(databaseUrl, { poolSize: 1 });
  const dbName = new URL(databaseUrl).pathname.slice(1);
  const backends = async () =>
    (
      await sql<{ pid: number; state: string | null; wait_event_type: string | null; wait_event: string | null }>`
        select pid, state, wait_event_type, wait_event from pg_stat_activity
        where datname = ${dbName} and pid <> pg_backend_pid()`.execute(database.db)
    ).rows.map((r) => ({ ...r, pid: Number(r.pid) }));
  const server = processTree(serverPid);
  const pgPids = new Set((await backends()).map((b) => b.pid));
  const before = { server: cpuSeconds(server), client: process.cpuUsage(), pg: cpuSeconds([...pgPids]) };
  const waits = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rows = await backends();
      samples++;
      for (const b of rows) {
        pgPids.add(b.pid);
        if (b.state !== 'active') continue;
        const what = b.wait_event_type ? `${b.wait_event_type}:${b.wait_event}` : 'CPU (no wait)';
        waits.set(what, (waits.get(what) ?? 0) + 1);
      }
      await sleep(50);
    }
  })();
  const started = Date.now();
  const result = await work();
  sampling = false;
  await sampler;
  const seconds = (Date.now() - started) / 1000;
  const client = process.cpuUsage(before.client);
  const used = {
    server: cpuSeconds(server) - before.server,
    client: (client.user + client.system) / 1e6,
    // Backends that started and ended during the run are missed (a pool keeps its connections).
    pg: cpuSeconds([...pgPids]) - before.pg,
  };
  await database.close();
  const share = (s: number) => `${s.toFixed(1)} s (${((s / seconds) * 100).toFixed(0)}% of a core)`;
  const active = [...waits.values()].reduce((n, c) => n + c, 0);
  const top = [...waits.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, 6)
    .map(([what, n]) => `${what} ${((n / active) * 100).toFixed(0)}%`)
    .join(', ');
  profileReport =
    `create order CPU over ${seconds.toFixed(1)} s: server (${server.length} process${server.length > 1 ? 'es' : ''}) ${share(used.server)}, ` +
    `bench client ${share(used.client)}, PostgreSQL backends ${share(used.pg)}; ` +
    `active backends per sample ${(active / Math.max(1, samples)).toFixed(1)}, waiting on: ${top}`;
  return result;
}

const sku = (i: number) => `BENCH-${String(i).padStart(5, '0')}`;
const randomSku = () => sku(Math.floor(Math.random() * SKUS));
function orderBody(): string {
  const picked = new Set<string>();
  while (picked.size < 3) picked.add(randomSku());
  return JSON.stringify({
    customer: { email: `buyer${Math.floor(Math.random() * 500)}@bench.test` },
    line_items: [...picked].map((s, i) => ({ sku: s, quantity: 1 + i, price: 1999 + i * 250 })),
    tax_rate: 8.75,
    payment: { method: 'card', status: 'paid' },
  });
}

async function cannon(scenario: string, opts: autocannon.Options, report = true): Promise<autocannon.Result> {
  const options: autocannon.Options = { connections: CONNECTIONS, duration: SECONDS, ...opts };
  // A scenario bounded by count (amount) is also stopped by a time limit, so the bench always ends.
  let limit: NodeJS.Timeout | undefined;
  if (options.amount) delete (options as { duration?: number }).duration;
  const instance = autocannon(options);
  scenarioRssPeak = 0;
  if (options.amount)
    limit = setTimeout(() => (instance as unknown as { stop(): void }).stop(), COUNT_BOUNDED_LIMIT_MS);
  const result = await instance;
  clearTimeout(limit);
  const ok = result['2xx'];
  const failed = result.non2xx + result.errors + result.timeouts;
  if (report)
    rows.push({
      scenario,
      rps: ok / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      ok,
      failed,
      rss: scenarioRssPeak,
    });
  return result;
}

async function main(): Promise<void> {
  const { url: databaseUrl, drop } = await createThrowawayDatabase(baseUrl, 'bench');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let server: ChildProcess | undefined = startServer(databaseUrl, port);
  try {
    await waitForHealth(base);
    console.log(
      `bench: ${dialect}, ${WORKERS} server process(es), ${CONNECTIONS} connections, ${SECONDS}s per scenario; seeding ${SKUS} SKUs and ${SEED_ORDERS ? ORDERS : 0} orders...`,
    );

    // Seed stock: one item per SKU at the default location, with plenty on hand.
    let next = 0;
    const skusSeeded = await cannon(
      'seed skus',
      {
        url: base,
        amount: SKUS,
        requests: [
          {
            method: 'POST',
            path: '/v1/inventory_items',
            headers: auth,
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({ sku: sku(next++), on_hand: 10_000_000, reorder_point: 10 }),
            }),
          },
        ],
      },
      false,
    );
    if (skusSeeded['2xx'] !== SKUS) throw new Error(`seeding SKUs failed: ${skusSeeded['2xx']} of ${SKUS} created`);

    const orderIds: string[] = [];
    if (SEED_ORDERS) {
      const seeded = await cannon(
        'seed orders',
        {
          url: base,
          amount: ORDERS,
          requests: [
            {
              method: 'POST',
              path: '/v1/orders',
              headers: auth,
              setupRequest: (req) => ({ ...req, body: orderBody() }),
              onResponse: (status, body) => {
                if (status === 201) orderIds.push(JSON.parse(body).id);
              },
            },
          ],
        },
        false,
      );
      // Every seeded order must succeed: a refusal here is a bug (it once hid concurrent creates for one new customer failing).
      if (orderIds.length !== ORDERS)
        throw new Error(
          `seeding orders failed: ${orderIds.length} of ${ORDERS} created (${seeded.non2xx} refused, ${seeded.errors} errors)`,
        );
    }

    const createOrders = {
      url: base,
      requests: [
        {
          method: 'POST' as const,
          path: '/v1/orders',
          headers: auth,
          setupRequest: (req: any) => ({ ...req, body: orderBody() }),
        },
      ],
    };
    await profiled(databaseUrl, server.pid!, () => cannon('create order (3 lines, reserving)', createOrders));
    if (ONLY_WEBHOOKS) webhookReport = await webhookScenario(base, createOrders, server.pid!);
    else if (!ONLY_CREATE) await otherScenarios(base, createOrders, orderIds, server.pid!);

    const rss = peakRssMb(server.pid!);
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
    server = undefined;

    // Raw floor: the same service call the create route makes, in this process, no HTTP.
    const raw = SEED_ORDERS ? await rawCreateFloor(databaseUrl) : undefined;
    const api = rows.find((r) => r.scenario.startsWith('create'))!;
    printReport(rss, api, raw);
  } finally {
    if (server) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await drop();
  }
}

/** Webhooks on and off, retrieve, list, hold + release and ship, on the seeded orders. */
async function otherScenarios(
  base: string,
  createOrders: autocannon.Options,
  orderIds: string[],
  serverPid: number,
): Promise<void> {
  webhookReport = await webhookScenario(base, createOrders, serverPid);
  const pick = () => orderIds[Math.floor(Math.random() * orderIds.length)];
  await cannon('retrieve order', {
    url: base,
    requests: [
      {
        method: 'GET',
        path: '/v1/orders',
        headers: auth,
        setupRequest: (req) => ({ ...req, path: `/v1/orders/${pick()}` }),
      },
    ],
  });
  await cannon('list orders (status, 20/page)', {
    url: base,
    requests: [{ method: 'GET', path: '/v1/orders?status=processing&limit=20', headers: auth }],
  });
  // Each connection holds then releases an order of its own, so no two touch the same order at once.
  let holdCursor = 0;
  const holdPool = orderIds.slice(0, Math.floor(orderIds.length / 2));
  await cannon('hold + release (2 requests)', {
    url: base,
    requests: [
      {
        method: 'POST',
        path: '/',
        headers: auth,
        setupRequest: (req, ctx: any) => {
          ctx.id = holdPool[holdCursor++ % holdPool.length];
          return { ...req, path: `/v1/orders/${ctx.id}/hold`, body: JSON.stringify({ reason: 'bench' }) };
        },
      },
      {
        method: 'POST',
        path: '/',
        headers: auth,
        setupRequest: (req, ctx: any) => ({ ...req, path: `/v1/orders/${ctx.id}/release`, body: '{}' }),
      },
    ],
  });
  // Ship each order of the other half once (bounded by count as well as time).
  const shipPool = orderIds.slice(holdPool.length);
  let shipCursor = 0;
  await cannon('ship order (all lines)', {
    url: base,
    amount: shipPool.length,
    requests: [
      {
        method: 'POST',
        path: '/',
        headers: auth,
        setupRequest: (req) => ({
          ...req,
          path: `/v1/orders/${shipPool[shipCursor++]}/ship`,
          body: JSON.stringify({ carrier: 'UPS', tracking_number: `1Z${shipCursor}` }),
        }),
      },
    ],
  });
}

/**
 * Webhooks' cost: create orders with one endpoint subscribed to `*` and a receiver in its own
 * process answering 200, and with the endpoint disabled, in BENCH_WEBHOOK_PAIRS pairs of runs of
 * half BENCH_SECONDS each, after the plain create run. Delivery lag is event created_at -> received,
 * for the events of the "on" runs.
 */
async function webhookScenario(base: string, createOrders: autocannon.Options, serverPid: number): Promise<string> {
  // The receiver runs in a process of its own, so it takes no time from this one's load generator.
  const receiver = spawn(process.execPath, ['-e', RECEIVER_SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    receiver.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    receiver.once('exit', (code) => reject(new Error(`webhook receiver exited (${code})`)));
  });
  const receiverBase = `http://127.0.0.1:${port}`;
  type Stats = { received: number; duplicates: number; lags: number[]; since: string[] };
  // Without a since, '~' (after every date) asks for no event ids: only the counts and lags.
  const stats = async (since = '~'): Promise<Stats> =>
    (await fetch(`${receiverBase}/stats?since=${encodeURIComponent(since)}`)).json() as Promise<Stats>;
  const setStatus = (id: string, status: 'enabled' | 'disabled') =>
    fetch(`${base}/v1/webhook_endpoints/${id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ status }) });
  const runOptions = {
    ...createOrders,
    duration: Math.max(2, SECONDS / 2),
    ...(WEBHOOK_RATE ? { overallRate: WEBHOOK_RATE } : {}),
  };
  try {
    const made = await fetch(`${base}/v1/webhook_endpoints`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ url: `${receiverBase}/hooks`, enabled_events: ['*'], status: 'disabled' }),
    });
    const endpoint = (await made.json()) as { id: string };
    const on = { orders: 0, seconds: 0, server: 0, mainThread: 0, receiver: 0, written: 0, received: 0, drainMs: 0 };
    const off = { orders: 0, seconds: 0, server: 0, mainThread: 0 };
    const lags: number[] = [];

    /** Waits until every event written since `since` has arrived (at most 60 s). */
    const drain = async (since: string) => {
      const drainStart = Date.now();
      let written = Infinity;
      let received = 0;
      while (Date.now() - drainStart < 60_000) {
        const page = await fetch(`${base}/v1/events?created_after=${encodeURIComponent(since)}&limit=1`, {
          headers: auth,
        });
        written = ((await page.json()) as { total_count: number }).total_count;
        // Events written while the endpoint was off can still go out if the worker had not reached
        // them when it came back on: counted are the events written during the run.
        received = (await stats(since)).since.length;
        if (received >= written) break;
        await sleep(100);
      }
      if (received < written)
        console.error(
          `webhooks: ${written - received} events not delivered within 60 s:\n${await undelivered(base, endpoint.id, since, (await stats(since)).since)}`,
        );
      return { written, received, drainMs: Date.now() - drainStart };
    };
    const runOn = async (pair: number): Promise<number> => {
      const since = new Date().toISOString();
      const receivedBefore = (await stats()).received;
      await setStatus(endpoint.id, 'enabled');
      const run = await measuredCpu([serverPid, receiver.pid!], () =>
        cannon(`create order, webhooks on #${pair}`, runOptions),
      );
      const { written, received, drainMs } = await drain(since);
      on.drainMs = Math.max(on.drainMs, drainMs);
      lags.push(...(await stats()).lags.slice(receivedBefore));
      await setStatus(endpoint.id, 'disabled');
      Object.assign(on, {
        orders: on.orders + run.result['2xx'],
        seconds: on.seconds + run.result.duration,
        server: on.server + run.cpu[0],
        mainThread: on.mainThread + run.mainThread,
        receiver: on.receiver + run.cpu[1],
        written: on.written + written,
        received: on.received + received,
      });
      return run.result['2xx'] / run.result.duration;
    };
    const runOff = async (pair: number): Promise<number> => {
      const run = await measuredCpu([serverPid], () => cannon(`create order, webhooks off #${pair}`, runOptions));
      Object.assign(off, {
        orders: off.orders + run.result['2xx'],
        seconds: off.seconds + run.result.duration,
        server: off.server + run.cpu[0],
        mainThread: off.mainThread + run.mainThread,
      });
      return run.result['2xx'] / run.result.duration;
    };

    // The first delivery starts the server's sender thread, whose code is then compiled as it
    // runs: a run with delivery on, not counted (a 2 s one left the first counted "on" run 20-35%
    // slower than the others), then one with it off, so that the first pair starts from where
    // every later one does.
    const warmUpSince = new Date().toISOString();
    await setStatus(endpoint.id, 'enabled');
    await cannon('create order, webhooks warm-up', runOptions, false);
    await drain(warmUpSince);
    await setStatus(endpoint.id, 'disabled');
    await sleep(1_000);
    await cannon('create order, webhooks off warm-up', runOptions, false);
    // This machine's speed drifts by tens of percent within minutes: short runs in pairs, each pair
    // compared within itself, and which goes first alternates so a steady drift favours neither.
    const pairRatios: number[] = [];
    for (let pair = 1; pair <= WEBHOOK_PAIRS; pair++) {
      // autocannon stops at its deadline without waiting for the answers in flight: a pause lets
      // them land before the next run (and the endpoint's state) starts.
      await sleep(1_000);
      const first = pair % 2 ? await runOn(pair) : await runOff(pair);
      await sleep(1_000);
      const second = pair % 2 ? await runOff(pair) : await runOn(pair);
      pairRatios.push(pair % 2 ? first / second : second / first);
    }
    lags.sort((a, b) => a - b);
    const { duplicates } = await stats();
    const onRps = on.orders / on.seconds;
    const offRps = off.orders / off.seconds;
    const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor(lags.length * p))] ?? NaN;
    const perOrder = (seconds: number, orders: number) => ((seconds * 1000) / orders).toFixed(2);
    const change = (ratio: number) => `${((ratio - 1) * 100).toFixed(1)}%`;
    const sorted = [...pairRatios].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    return (
      // The median pair: one stall of the machine (seen: a run at a third of its speed) moves the
      // totals by several points, and the median not at all.
      `webhooks: create with delivery on vs off, median of ${WEBHOOK_PAIRS} pairs of ${runOptions.duration} s runs ${change(median)} ` +
      `(per pair ${pairRatios.map(change).join(', ')}; all runs together ${onRps.toFixed(0)}/s vs ${offRps.toFixed(0)}/s = ${change(onRps / offRps)}); ` +
      `${on.received} of ${on.written} events delivered for ${on.orders} orders (${duplicates} sent twice), ` +
      `delivery lag (created_at -> received) p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${lags[lags.length - 1]} ms; backlog drained within ${on.drainMs} ms after a run\n` +
      `webhooks CPU per order: server ${perOrder(on.server, on.orders)} ms on vs ${perOrder(off.server, off.orders)} ms off ` +
      `(its main thread ${perOrder(on.mainThread, on.orders)} vs ${perOrder(off.mainThread, off.orders)} ms), receiver ${perOrder(on.receiver, on.orders)} ms`
    );
  } finally {
    receiver.kill('SIGTERM');
  }
}

/** The events written since `since` that the receiver has not had, with their deliveries, one line each. */
async function undelivered(base: string, endpointId: string, since: string, received: string[]): Promise<string> {
  const had = new Set(received);
  const lines: string[] = [];
  let cursor = '';
  do {
    const page = (await (
      await fetch(`${base}/v1/events?created_after=${encodeURIComponent(since)}&limit=100${cursor}`, { headers: auth })
    ).json()) as { data: Array<{ id: string; type: string; created_at: string }>; next_cursor: string | null };
    for (const e of page.data) {
      if (had.has(e.id) || lines.length >= 20) continue;
      const deliveries = (await (
        await fetch(`${base}/v1/webhook_deliveries?endpoint_id=${endpointId}&event_id=${e.id}`, { headers: auth })
      ).json()) as { data: Array<{ id: string; status: string; attempts: unknown[] }> };
      lines.push(`  ${e.id} ${e.type} ${e.created_at}: ${JSON.stringify(deliveries.data)}`);
    }
    cursor = page.next_cursor ? `&cursor=${page.next_cursor}` : '';
  } while (cursor);
  return lines.join('\n');
}

/**
 * CPU seconds used while `work` runs by these processes (with their children), and by the first
 * one's main thread.
 */
async function measuredCpu<T>(
  pids: number[],
  work: () => Promise<T>,
): Promise<{ result: T; cpu: number[]; mainThread: number }> {
  const trees = pids.map(processTree);
  const before = trees.map(cpuSeconds);
  const mainBefore = mainThreadCpuSeconds(pids[0]);
  const result = await work();
  return {
    result,
    cpu: trees.map((t, i) => cpuSeconds(t) - before[i]),
    mainThread: mainThreadCpuSeconds(pids[0]) - mainBefore,
  };
}

/**
 * A webhook receiver: answers 200, keeps each delivery's lag (once per Webhook-Id); GET
 * /stats?since= reports them, with the ids of the events created at or after `since` it has received.
 */
const RECEIVER_SOURCE = `
const http = require('node:http');
const lags = [];
const seen = new Set();
const events = new Map(); // event id -> created_at
let duplicates = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    const since = new URL(req.url, 'http://x').searchParams.get('since') ?? '';
    const ids = [...events].filter(([, at]) => at >= since).map(([id]) => id);
    return res.end(JSON.stringify({ received: seen.size, duplicates, lags, since: ids }));
  }
  let body = '';
  req.setEncoding('latin1');
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const id = req.headers['webhook-id'];
    if (seen.has(id)) duplicates++;
    else {
      seen.add(id);
      // The body is {"id":"evt_...", ..., "created_at":"<24 chars>"}: read where they stand, as
      // cheaply as a receiver can, so the machine's two cores go to the server being measured.
      const createdAt = body.slice(-26, -2);
      events.set(body.slice(7, body.indexOf('"', 7)), createdAt);
      lags.push(Date.now() - Date.parse(createdAt));
    }
    res.end('ok');
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function rawCreateFloor(databaseUrl: string): Promise<Row> {
  const database = openDatabase(databaseUrl, { backgroundCheckpoints: true });
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  let failed = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      const input = CreateOrderBody.parse(JSON.parse(orderBody()));
      const start = process.hrtime.bigint();
      try {
        await createOrder(database.db, { requestId: 'bench' }, input);
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      } catch {
        failed++;
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = (Date.now() - started) / 1000;
  await database.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    scenario: 'raw create (service, no HTTP)',
    rps: latencies.length / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
    ok: latencies.length,
    failed,
  };
}

function printReport(rssMb: number, api: Row, raw?: Row): void {
  const fmt = (n: number, w: number, d = 0) => n.toFixed(d).padStart(w);
  console.log('');
  console.log(
    `Opsline bench: ${dialect}, ${WORKERS} server process${WORKERS > 1 ? 'es' : ''}, ${CONNECTIONS} connections, ${SECONDS}s per scenario, ${SKUS} SKUs, ${SEED_ORDERS ? ORDERS : 0} seeded orders`,
  );
  console.log(
    `${'scenario'.padEnd(36)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'ok'.padStart(9)}${'failed'.padStart(8)}${'RSS MB'.padStart(8)}`,
  );
  for (const r of raw ? [...rows, raw] : rows) {
    console.log(
      `${r.scenario.padEnd(36)}${fmt(r.rps, 9)}${fmt(r.p50, 9, 1)}${fmt(r.p99, 9, 1)}${fmt(r.ok, 9)}${fmt(r.failed, 8)}${r.rss === undefined ? '' : fmt(r.rss, 8)}`,
    );
  }
  console.log(
    `server memory, peaks: RSS ${rssMb} MB (VmHWM); V8 heap used ${memoryPeak.heapUsed} MB, heap total ${memoryPeak.heapTotal} MB, external ${memoryPeak.external} MB (sampled every 200 ms)`,
  );
  if (profileReport) console.log(profileReport);
  if (webhookReport) console.log(webhookReport);
  if (raw)
    console.log(
      `create order API/raw ratio: ${(api.rps / raw.rps).toFixed(2)} (${api.rps.toFixed(0)} vs ${raw.rps.toFixed(0)} per second)`,
    );
}

// `npm run bench -- planning` runs the replenishment-planning bench (bench/planning.ts) instead, and
// `npm run bench -- webhook-worker` the webhook worker alone and `-- webhook-outage` during an
// endpoint outage (bench/webhook-worker.ts).
const scenario = process.argv[2];
const run =
  scenario === 'planning'
    ? import('./planning.js').then((m) => m.benchPlanning())
    : scenario === 'webhook-worker'
      ? import('./webhook-worker.js').then((m) => m.benchWebhookWorker())
      : scenario === 'webhook-outage'
        ? import('./webhook-worker.js').then((m) => m.benchWebhookOutage())
        : main();
run.catch((err) => {
  console.error(err);
  process.exit(1);
});
