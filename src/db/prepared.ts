import { CompiledQuery, type Compilable, type QueryResult } from 'kysely';
import { isPostgres, type Executor } from './connection.js';

/**
 * Statements on the hot paths (creating an order, every request's key lookup): building a query
 * with Kysely and compiling it costs more than SQLite takes to run it, so these are built once and
 * then run with new values.
 */

const PLACEHOLDER = '\u0000param:';

type Slot = { name: string } | { value: unknown };

/**
 * A query written with the query builder, built and compiled once per dialect, then run with new
 * values. `build` marks each value that varies with `param(name)`; everything else is fixed at the
 * first build, and the SQL must not depend on the values (no `in` lists of varying length).
 */
export function preparedQuery<P extends Record<string, unknown>, R>(
  build: (db: Executor, param: <K extends keyof P & string>(name: K) => P[K]) => Compilable<R>,
): (db: Executor, values: P) => Promise<QueryResult<R>> {
  const plans = new Map<boolean, { sql: string; slots: Slot[] }>();
  return async (db, values) => {
    const postgres = isPostgres(db);
    let plan = plans.get(postgres);
    if (!plan) {
      const compiled = build(db, (name) => `${PLACEHOLDER}${name}` as never).compile();
      const slots = compiled.parameters.map((v): Slot => (typeof v === 'string' && v.startsWith(PLACEHOLDER) ? { name: v.slice(PLACEHOLDER.length) } : { value: v }));
      plan = { sql: compiled.sql, slots };
      plans.set(postgres, plan);
    }
    const parameters = plan.slots.map((s) => ('name' in s ? values[s.name] : s.value));
    return db.executeQuery<R>(CompiledQuery.raw(plan.sql, parameters));
  };
}

const insertTexts = new Map<string, string>();

/**
 * A multi-row INSERT of plain rows, with its SQL text built once per (dialect, table, columns, row
 * count) and reused.
 */
export async function insertRows(trx: Executor, table: string, rows: ReadonlyArray<object>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const postgres = isPostgres(trx);
  const key = `${postgres ? 'pg' : 'sqlite'}|${table}|${columns.join(',')}|${rows.length}`;
  let text = insertTexts.get(key);
  if (!text) {
    let n = 0;
    const tuple = () => `(${columns.map(() => (postgres ? `$${++n}` : '?')).join(', ')})`;
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${rows.map(tuple).join(', ')}`;
    if (insertTexts.size > 1000) insertTexts.clear();
    insertTexts.set(key, text);
  }
  const parameters = rows.flatMap((row) => columns.map((c) => (row as Record<string, unknown>)[c]));
  await trx.executeQuery(CompiledQuery.raw(text, parameters));
}
