import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresAdapter, PostgresDialect, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { BACKSTOP_CHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.js';
import { GroupCommitSqliteDialect } from './sqlite-group-commit.js';

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

export function isPostgres(db: Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export function dialectOf(url: string): DialectName {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  if (url.startsWith('sqlite:')) return 'sqlite';
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${url.split(':')[0]}:")`);
}

export interface OpenOptions {
  /** SQLite: checkpoint the WAL from a worker thread (the server); short-lived commands leave it to SQLite. */
  backgroundCheckpoints?: boolean;
  /** SQLite: the WAL length (pages) at which the checkpointer starts it over (tests set it low). */
  walRestartPages?: number;
  /** PostgreSQL: the most connections this process opens (default 16). */
  poolSize?: number;
}

export function openDatabase(url: string, options: OpenOptions = {}): DatabaseHandle {
  const dialect = dialectOf(url);
  if (dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 16 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }) });
    return { db, dialect, close: () => db.destroy() };
  }
  const path = url.slice('sqlite:'.length) || ':memory:';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // An 8 MB page cache holds the pages every request touches (index roots and upper levels, the
  // counters and the newest rows); the rest comes from the OS's file cache, which the process's
  // memory does not count. 32 MB took 24 MB more at the bench's peak for no throughput measured.
  sqlite.pragma('cache_size = -8192');
  const checkpointer =
    options.backgroundCheckpoints && path !== ':memory:' ? startCheckpointer(path, options.walRestartPages) : undefined;
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  const sqliteDialect = new GroupCommitSqliteDialect(sqlite, withStatementCache(sqlite), checkpointer);
  const db = new Kysely<Database>({ dialect: sqliteDialect });
  changeMarkers.set(db, () => sqliteDialect.changeMarker());
  return {
    db,
    dialect,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

const changeMarkers = new WeakMap<object, () => string>();

/**
 * For a database whose every change this process can notice (SQLite), a function whose value
 * changes whenever data may have changed, so a result computed under one value can be reused while
 * it holds. Undefined for PostgreSQL, where other processes write unseen, and for transactions.
 */
export function changeMarkerOf(db: Executor): (() => string) | undefined {
  return changeMarkers.get(db);
}

/**
 * PostgreSQL parses and plans every unnamed statement it is sent, and for the small statements a
 * command is made of that was most of its work (order creation, 16 connections: ~560/s -> ~850/s).
 * A statement text seen before is sent as a named prepared statement instead, which each connection
 * parses once. At most 256 per connection, so the varied texts of ad-hoc lists never pile up.
 * Migrations run before the server starts serving; a schema change under a running server would
 * need a restart (PostgreSQL refuses a prepared `select *` whose result columns changed).
 */
function withPreparedStatements(pool: pg.Pool, perConnection = 256) {
  const sightings = new Map<string, string | null>(); // text -> its name once seen twice
  const wrappers = new WeakMap<pg.PoolClient, { query: (...args: any[]) => any; release: () => void }>();
  const nameFor = (text: string): string | undefined => {
    const known = sightings.get(text);
    if (known) return known;
    if (known === undefined) {
      if (sightings.size > 10_000) sightings.clear();
      sightings.set(text, null);
      return undefined;
    }
    const name = `k${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    sightings.set(text, name);
    return name;
  };
  return {
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        const prepared = new Set<string>();
        wrapper = {
          query: (text: any, values?: any) => {
            if (typeof text !== 'string') return client.query(text); // a cursor
            const name = nameFor(text);
            if (name && (prepared.has(name) || prepared.size < perConnection)) {
              prepared.add(name);
              return client.query({ name, text, values });
            }
            return client.query(text, values);
          },
          release: () => client.release(),
        };
        wrappers.set(client, wrapper);
      }
      return wrapper;
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
