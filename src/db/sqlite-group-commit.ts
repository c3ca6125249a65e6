import type SQLite from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
import type { Checkpointer } from './sqlite-checkpointer.js';

/**
 * Group commit for SQLite. A commit costs more than the rest of an order's statements together
 * (it appends every dirty page to the WAL; without the checkpoint worker, every ~1,000 pages one
 * commit also checkpoints with two fsyncs), so transactions that queue up for the one connection
 * share a commit:
 *
 * - the first transaction opens a real `BEGIN`; each transaction runs inside its own SAVEPOINT, so
 *   a failed one rolls back alone (`ROLLBACK TO`) and the others keep their work;
 * - a finished transaction releases its savepoint and hands the connection on, but its caller is
 *   answered only after the real COMMIT, so nothing is acknowledged that a crash could lose;
 * - the COMMIT runs as soon as nobody waits for the connection, or after MAX_BATCH transactions.
 *
 * A statement outside a transaction runs in the open batch too (single statements are atomic), and
 * a lease that wrote that way is released only after the batch's COMMIT, so no write, whatever path
 * it takes, is answered before it is durable. With no batch open it commits on its own at once.
 */
const MAX_BATCH = 32;

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** One acquisition of the connection; commit may hand the connection on before Kysely releases it. */
interface Lease extends DatabaseConnection {
  handedOn: boolean;
  savepoint?: string;
  /** Wrote outside a transaction while a batch was open: released only after that batch commits. */
  wroteInBatch: boolean;
}

class ConnectionQueue {
  #locked = false;
  #queue: Array<() => void> = [];
  get waiting(): number {
    return this.#queue.length;
  }
  async lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#queue.push(resolve));
  }
  unlock(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#locked = false;
  }
}

/** Prepares statements (through the statement cache in connection.ts). */
export interface StatementSource {
  prepare(sql: string): SQLite.Statement;
}

/** Counts the statements that may have changed data, for changeMarker(). */
interface WriteCounter {
  writes: number;
}

function run(
  db: StatementSource,
  { sql, parameters }: CompiledQuery,
  counter: WriteCounter,
  lease: Lease,
  inBatch: () => boolean,
): QueryResult<any> {
  const stmt = db.prepare(sql);
  if (!stmt.readonly) {
    counter.writes++;
    if (lease.savepoint === undefined && inBatch()) lease.wroteInBatch = true;
  }
  if (stmt.reader) return { rows: stmt.all(parameters as unknown[]) };
  const { changes, lastInsertRowid } = stmt.run(parameters as unknown[]);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

class GroupCommitDriver implements Driver {
  readonly #sqlite: SQLite.Database;
  readonly #db: StatementSource;
  readonly #queue = new ConnectionQueue();
  readonly #counter: WriteCounter;
  readonly #checkpointer: Checkpointer | undefined;
  #batchOpen = false;
  #batchWaiters: Waiter[] = [];
  #flushScheduled = false;

  constructor(
    sqlite: SQLite.Database,
    statements: StatementSource,
    counter: WriteCounter,
    checkpointer?: Checkpointer,
  ) {
    this.#sqlite = sqlite;
    this.#db = statements;
    this.#counter = counter;
    this.#checkpointer = checkpointer;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#queue.lock();
    const db = this.#db;
    const counter = this.#counter;
    const inBatch = () => this.#batchOpen;
    const lease: Lease = {
      handedOn: false,
      wroteInBatch: false,
      executeQuery: async (query) => run(db, query, counter, lease, inBatch),
      async *streamQuery(query) {
        yield run(db, query, counter, lease, inBatch);
      },
    };
    return lease;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    // A batch SQLite rolled back itself (see rollbackTransaction) is settled, with an error, first.
    if (this.#batchOpen && (this.#batchWaiters.length >= MAX_BATCH || !this.#sqlite.inTransaction)) this.#commitBatch();
    if (!this.#batchOpen) {
      // Holding the connection between batches lets the checkpointer start the WAL over.
      const walRestart = this.#checkpointer?.betweenTransactions();
      if (walRestart) await walRestart;
      this.#db.prepare('begin').run();
      this.#batchOpen = true;
    }
    lease.savepoint = 'command';
    this.#db.prepare(`savepoint ${lease.savepoint}`).run();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    this.#db.prepare(`release savepoint ${lease.savepoint}`).run();
    lease.savepoint = undefined;
    await this.#handOnAfterCommit(lease);
  }

  /** Joins the open batch's waiters, passes the connection on, and resolves once the batch commits. */
  async #handOnAfterCommit(lease: Lease): Promise<void> {
    const committed = new Promise<void>((resolve, reject) => this.#batchWaiters.push({ resolve, reject }));
    lease.handedOn = true;
    this.#handOn();
    await committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    // Some errors (disk full, I/O) make SQLite roll back the whole transaction itself: then the
    // batch is gone, and the commands already in it must hear so rather than be acknowledged.
    this.#counter.writes++; // what was read since may be undone
    if (!this.#sqlite.inTransaction) {
      if (this.#batchOpen) this.#commitBatch();
      return;
    }
    this.#db.prepare(`rollback to savepoint ${lease.savepoint}`).run();
    this.#db.prepare(`release savepoint ${lease.savepoint}`).run();
    lease.savepoint = undefined;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    if (lease.handedOn) return;
    // Kysely answers a query only after this resolves, so the write waits for its COMMIT here.
    if (lease.wroteInBatch && this.#batchOpen) await this.#handOnAfterCommit(lease);
    else this.#handOn();
  }

  async destroy(): Promise<void> {
    await this.#queue.lock();
    if (this.#batchOpen) this.#commitBatch();
    this.#sqlite.close();
  }

  /** Passes the connection to the next in line; with nobody waiting, commits the open batch. */
  #handOn(): void {
    if (this.#batchOpen && this.#queue.waiting === 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      // Let callers already on their way (the same tick) join the batch first.
      setImmediate(() => void this.#flush());
    }
    this.#queue.unlock();
  }

  async #flush(): Promise<void> {
    await this.#queue.lock();
    this.#flushScheduled = false;
    if (this.#batchOpen) this.#commitBatch();
    this.#queue.unlock();
  }

  /** COMMIT (called holding the connection) and answer everyone in the batch, or fail them all. */
  #commitBatch(): void {
    const waiters = this.#batchWaiters;
    this.#batchWaiters = [];
    this.#batchOpen = false;
    try {
      if (!this.#sqlite.inTransaction) throw new Error('The batch transaction was rolled back by SQLite.');
      this.#db.prepare('commit').run();
    } catch (err) {
      this.#counter.writes++;
      if (this.#sqlite.inTransaction) this.#sqlite.prepare('rollback').run();
      for (const w of waiters) w.reject(err);
      return;
    }
    for (const w of waiters) w.resolve();
  }
}

/** Kysely's SQLite dialect with the group-commit driver above. */
export class GroupCommitSqliteDialect extends SqliteDialect {
  readonly #sqlite: SQLite.Database;
  readonly #statements: StatementSource;
  readonly #counter: WriteCounter = { writes: 0 };
  readonly #dataVersion: SQLite.Statement;
  readonly #checkpointer: Checkpointer | undefined;
  constructor(sqlite: SQLite.Database, statements: StatementSource, checkpointer?: Checkpointer) {
    super({ database: sqlite });
    this.#sqlite = sqlite;
    this.#statements = statements;
    this.#checkpointer = checkpointer;
    this.#dataVersion = sqlite.prepare('pragma data_version').pluck();
  }
  createDriver(): Driver {
    return new GroupCommitDriver(this.#sqlite, this.#statements, this.#counter, this.#checkpointer);
  }
  /**
   * Changes whenever data may have changed: a write through this connection (even one not yet
   * committed, which the connection's own reads already see) or a commit by another connection.
   */
  changeMarker(): string {
    return `${this.#counter.writes}:${this.#dataVersion.get()}`;
  }
}
