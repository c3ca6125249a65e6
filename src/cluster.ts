import cluster, { type Worker } from 'node:cluster';
import { hostname, availableParallelism } from 'node:os';
import { sql } from 'kysely';
import { prepareDatabase } from './bootstrap.js';
import type { Config } from './config.js';
import { dialectOf, type DB } from './db/connection.js';
import { announceAdminKey, logStartupReport, startServer, type StartupLog } from './main.js';

/**
 * `opsline serve --workers N`: N server processes on one port (node:cluster; the primary accepts
 * connections and hands them round-robin to the workers). Each worker is a whole server with its
 * own database pool and webhook worker; everything they share lives in PostgreSQL.
 */

/** A worker that crashes is started again, but not more than this often... */
const MAX_RESTARTS = 5;
/** ...within this window; past it the primary stops every worker and exits 1. */
const RESTART_WINDOW_MS = 60_000;

/** `--workers` / WORKERS: a whole number from 1, or `auto` for one per core. */
export function parseWorkers(raw: string): number {
  const text = raw.trim().toLowerCase();
  if (text === 'auto') return availableParallelism();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 256)
    throw new Error(`--workers must be a number from 1 to 256 or "auto" (got "${raw}")`);
  return Number(text);
}

/** Why N > 1 cannot run on this database, or undefined when it can. */
export function workersRefusal(databaseUrl: string, workers: number): string | undefined {
  if (workers <= 1 || dialectOf(databaseUrl) === 'postgres') return undefined;
  return (
    `--workers ${workers} needs PostgreSQL: SQLite allows one writing process, and this one already ` +
    `batches every commit (group commit). Run one process (--workers 1), or set DATABASE_URL to a ` +
    `postgres:// database to serve from several.`
  );
}

/** The primary logs as the workers' pino does (one JSON object a line), with no app of its own. */
function primaryLog(level: string): StartupLog & { error(msg: string): void } {
  const levels: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
  const threshold = levels[level] ?? Infinity; // silent
  const write = (n: number, obj: object, msg: string) => {
    if (n < threshold) return;
    const line = { level: n, time: Date.now(), pid: process.pid, hostname: hostname(), role: 'primary', ...obj, msg };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  return {
    info: (a: object | string, b?: string) => (typeof a === 'string' ? write(30, {}, a) : write(30, a, b!)),
    warn: (msg: string) => write(40, {}, msg),
    error: (msg: string) => write(50, {}, msg),
  } as StartupLog & { error(msg: string): void };
}

/**
 * The primary: migrates and makes the first admin key once, forks the workers, restarts one that
 * crashes, and on SIGINT/SIGTERM drains them all (each stops listening, finishes the requests it
 * holds, closes its pool) before exiting. Resolves never; the process exits from here.
 */
export async function runPrimary(config: Config, workers: number): Promise<void> {
  const log = primaryLog(config.logLevel);
  const { database, report } = await prepareDatabase(config);
  try {
    await warnIfPoolsExceedMaxConnections(database.db, workers, config.databasePoolSize ?? 16, log);
  } finally {
    await database.close();
  }
  logStartupReport(log, report);

  let shuttingDown = false;
  let everListened = false;
  const listening = new Set<number>();
  const restarts: number[] = [];
  const exitCodes: number[] = [];

  const fork = () => cluster.fork();
  let announced = false;
  cluster.on('listening', (worker: Worker, address) => {
    everListened = true;
    listening.add(worker.id);
    if (listening.size === workers && !announced) {
      announced = true;
      log.info({ workers }, `${workers} workers serving on port ${address.port}`);
      if (report.generatedAdminKey) announceAdminKey(log, config, address.port, report.generatedAdminKey);
    }
  });

  const finish = () => {
    if (Object.keys(cluster.workers ?? {}).length > 0) return;
    process.exit(exitCodes.some((c) => c !== 0) ? 1 : 0);
  };

  const shutdown = (reason: string, failed = false) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (failed) exitCodes.push(1);
    log.info(`${reason}: draining ${Object.keys(cluster.workers ?? {}).length} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    // A request may take up to REQUEST_TIMEOUT_MS; past that (and a margin) nothing is left to wait for.
    setTimeout(() => {
      log.error('workers did not stop in time; killing them');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, config.requestTimeoutMs + 5_000).unref();
    finish();
  };

  cluster.on('exit', (worker: Worker, code, signal) => {
    listening.delete(worker.id);
    if (shuttingDown) {
      exitCodes.push(code ?? (signal ? 1 : 0));
      return finish();
    }
    log.error(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`})`);
    // A worker that never got to listen (a port in use, a bad setting) will not do better next time.
    if (!everListened) return shutdown('a worker failed to start', true);
    const now = Date.now();
    while (restarts.length && restarts[0] < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length >= MAX_RESTARTS)
      return shutdown(`workers crashed ${MAX_RESTARTS + 1} times within ${RESTART_WINDOW_MS / 1000} s`, true);
    restarts.push(now);
    fork();
  });

  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // cluster.fork runs this same entry (process.argv[1]) with the same node options (process.execArgv),
  // so it works alike under tsx and compiled JavaScript; cluster.isWorker sends it to runWorker.
  for (let i = 0; i < workers; i++) fork();
}

/** A worker: a whole server on the database the primary prepared; stops on SIGINT/SIGTERM or when the primary goes. */
export async function runWorker(config: Config): Promise<void> {
  const app = await startServer(config, { preparedByPrimary: true });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Ctrl-C reaches every process of the terminal's group; the primary's SIGTERM may follow.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.worker?.on('disconnect', stop); // the primary died
}

/**
 * Every worker opens up to `poolSize` connections; PostgreSQL refuses connections past
 * max_connections (less those reserved for superusers), so say so before it happens under load.
 */
async function warnIfPoolsExceedMaxConnections(
  db: DB,
  workers: number,
  poolSize: number,
  log: StartupLog,
): Promise<void> {
  const { rows } = await sql<{
    max: number;
    reserved: number;
  }>`select current_setting('max_connections')::int as max, current_setting('superuser_reserved_connections')::int as reserved`.execute(
    db,
  );
  const available = rows[0].max - rows[0].reserved;
  if (workers * poolSize > available)
    log.warn(
      `${workers} workers x DATABASE_POOL_SIZE ${poolSize} = ${workers * poolSize} connections, more than this PostgreSQL allows (max_connections ${rows[0].max} - ${rows[0].reserved} reserved); lower DATABASE_POOL_SIZE or raise max_connections.`,
    );
}
