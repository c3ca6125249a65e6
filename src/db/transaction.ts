import { isPostgres, type DB, type Trx } from './connection.js';

/**
 * Runs one command's transaction. On PostgreSQL two transactions can still meet in a deadlock (or
 * a serialization failure) when they lock rows in different orders, however careful the commands
 * are; PostgreSQL then aborts one of them, having changed nothing. That one is run again from the
 * start, a few times with a short random pause, so a client never sees a race as a 500.
 *
 * Commands take row locks in one global order, which keeps such retries rare:
 *   1. the documents the command changes: orders (several in id order), then that order's shipment
 *      or return;
 *   2. promotions (usage counters);
 *   3. inventory items, in id order (reserveStock, consumption, releases and movements);
 *   4. customers (order statistics).
 * Inserts (events, movements, payments) come anywhere: they lock nothing another command waits for.
 *
 * SQLite runs one writer at a time on its one connection and cannot deadlock.
 */
export async function inTransaction<T>(db: DB, work: (trx: Trx) => Promise<T>): Promise<T> {
  if (!isPostgres(db)) return db.transaction().execute(work);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isTransientConflict(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

const MAX_ATTEMPTS = 5;

/** deadlock_detected and serialization_failure: the transaction was rolled back and may run again. */
export function isTransientConflict(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === '40P01' || code === '40001';
}
