import { sql } from 'kysely';
import { isPostgres, type Executor } from '../db/connection.js';
import { preparedQuery } from '../db/prepared.js';
import { assertExpectedVersion, NotFoundError } from './errors.js';
import type { Database } from '../db/schema.js';

export { isPostgres } from '../db/connection.js';

/**
 * Reads one row for a command, locking it on PostgreSQL (SELECT ... FOR UPDATE) so two commands on
 * the same record run one after the other. SQLite already serialises writers on its one connection.
 */
export async function selectForUpdate<T extends keyof Database & string>(
  trx: Executor,
  table: T,
  id: string,
): Promise<Database[T] | undefined> {
  let lookup = rowForUpdate.get(table);
  if (!lookup) {
    lookup = preparedQuery<{ id: string }, any>((db, param) => {
      const query = (db as any).selectFrom(table).selectAll().where('id', '=', param('id'));
      return isPostgres(db) ? query.forUpdate() : query;
    });
    rowForUpdate.set(table, lookup);
  }
  return (await lookup(trx, { id })).rows[0];
}

// Commands start with this lookup: one prepared query per table.
const rowForUpdate = new Map<string, (db: Executor, values: { id: string }) => Promise<{ rows: any[] }>>();

/**
 * The record a command changes: locked (selectForUpdate), 404 when missing, 412 when the caller's
 * If-Match version is stale.
 */
export async function lockRecord<T extends keyof Database & string>(
  trx: Executor,
  table: T,
  objectName: string,
  id: string,
  expected: number | undefined,
): Promise<Database[T]> {
  const row = await selectForUpdate(trx, table, id);
  if (!row) throw new NotFoundError(objectName, id);
  assertExpectedVersion(expected, (row as { version: number }).version);
  return row;
}

/**
 * Next value of a named counter (order numbers, RMA numbers...). PostgreSQL uses a sequence so
 * concurrent transactions never queue on one row; SQLite has a single writer and uses a table.
 */
export async function nextNumber(trx: Executor, name: string): Promise<number> {
  if (isPostgres(trx)) {
    const { rows } = await sql<{ value: number }>`SELECT nextval(${`seq_${name}`}) AS value`.execute(trx);
    return Number(rows[0].value);
  }
  const [updated] = (await incrementCounter(trx, { name })).rows;
  if (updated) return Number(updated.value);
  await trx.insertInto('counters').values({ name, value: 1 }).execute();
  return 1;
}

const incrementCounter = preparedQuery<{ name: string }, { value: number }>((trx, param) =>
  trx
    .updateTable('counters')
    .set({ value: sql`value + 1` })
    .where('name', '=', param('name'))
    .returning('value'),
);

/** Migrations call this for each counter a module numbers its documents with. */
export async function createCounter(db: Executor, name: string): Promise<void> {
  if (isPostgres(db)) await sql`CREATE SEQUENCE IF NOT EXISTS ${sql.id(`seq_${name}`)}`.execute(db);
  else await db.insertInto('counters').values({ name, value: 0 }).execute();
}

export function formatNumber(prefix: string, value: number): string {
  return `${prefix}-${String(value).padStart(6, '0')}`;
}
