import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';
export type DB = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Anything that can run a query: the database itself or an open transaction. */
export type Executor = DB | Trx;

export interface DatabaseHandle {
  db: DB;
  dialect: DialectName;
  close(): Promise<void>;
}

// int8 (count(*), bigint money columns) would otherwise come back as strings.
pg.types.setTypeParser(20, (value: string) => Number(value));

export function dialectOf(url: string): DialectName {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  if (url.startsWith('sqlite:')) return 'sqlite';
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${url.split(':')[0]}:")`);
}

export function openDatabase(url: string): DatabaseHandle {
  const dialect = dialectOf(url);
  if (dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: 16 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect, close: () => db.destroy() };
  }
  const path = url.slice('sqlite:'.length) || ':memory:';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // A 32 MB page cache keeps the indexes in memory instead of re-reading pages from the OS.
  sqlite.pragma('cache_size = -32768');
  const checkpointer = path === ':memory:' || process.env.EXPERIMENT_NO_BG ? undefined : startBackgroundCheckpoints(sqlite, path);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    dialect,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * SQLite normally checkpoints (copies the WAL back into the database file, with two fsyncs) inside
 * whichever commit crosses 1,000 WAL pages, so every ~25th order paid for it on the request path:
 * measured at about a fifth of order creation's cost, and its worst latencies. Here a second
 * connection on a worker thread checkpoints every 50 ms instead, off the event loop (WAL mode lets
 * a checkpoint run beside the writer). If that worker ever stops, the connection goes back to
 * checkpointing itself.
 */
function startBackgroundCheckpoints(sqlite: SQLite.Database, path: string): { stop(): Promise<void> } {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
    const db = new (require(workerData.driver))(workerData.path);
    let timer;
    const tick = () => {
      try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: try again next tick */ }
      timer = setTimeout(tick, 50);
    };
    parentPort.on('message', () => { clearTimeout(timer); db.close(); process.exit(0); });
    tick();`,
    { eval: true, workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3') } },
  );
  worker.unref();
  sqlite.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  const fallBack = () => {
    if (!stopping && sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('error', fallBack);
  worker.on('exit', fallBack);
  return {
    async stop() {
      stopping = true;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.ref(); // keep the process alive until the worker has closed its connection
      worker.postMessage('stop');
      await exited;
    },
  };
}

/**
 * Kysely prepares every query anew, and compiling a statement costs better-sqlite3 more than most
 * queries take to run (measured: order creation went from ~1,300/s to ~1,900/s). Statements are
 * reusable, so keep the most recent ones by SQL text. A statement still iterating (stream()) is
 * busy and cannot run twice at once; then a fresh one is prepared.
 */
function withStatementCache(sqlite: SQLite.Database, max = 1000) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SQLite.Statement {
      const cached = cache.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = sqlite.prepare(sql);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
      return statement;
    },
  };
}
