import { sql } from 'kysely';
import { isPostgres, type Executor, type Trx } from './connection.js';
import { preparedQuery } from './prepared.js';

/**
 * Next value of a named counter (order numbers, RMA numbers...). PostgreSQL uses a sequence so
 * concurrent transactions never queue on one row; SQLite has a single writer and uses a table.
 */
export async function nextNumber(trx: Trx, name: string): Promise<number> {
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
