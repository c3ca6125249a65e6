import { CompiledQuery, type Compilable, type QueryResult } from 'kysely';
import { isPostgres, type Executor, type Trx } from './connection.js';

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
export interface PreparedQuery<P, R> {
  (db: Executor, values: P): Promise<QueryResult<R>>;
  /** The statement with these values, to run later (see db/write-batch.ts). */
  query(db: Executor, values: P): CompiledQuery<R>;
}

export function preparedQuery<P extends Record<string, unknown>, R>(
  build: (db: Executor, param: <K extends keyof P & string>(name: K) => P[K]) => Compilable<R>,
): PreparedQuery<P, R> {
  const plans = new Map<boolean, { sql: string; slots: Slot[] }>();
  const query = (db: Executor, values: P): CompiledQuery<R> => {
    const postgres = isPostgres(db);
    let plan = plans.get(postgres);
    if (!plan) {
      const compiled = build(db, (name) => `${PLACEHOLDER}${name}` as never).compile();
      const slots = compiled.parameters.map((v): Slot =>
        typeof v === 'string' && v.startsWith(PLACEHOLDER) ? { name: v.slice(PLACEHOLDER.length) } : { value: v },
      );
      plan = { sql: compiled.sql, slots };
      plans.set(postgres, plan);
    }
    return CompiledQuery.raw(
      plan.sql,
      plan.slots.map((s) => ('name' in s ? values[s.name] : s.value)),
    ) as CompiledQuery<R>;
  };
  return Object.assign((db: Executor, values: P) => db.executeQuery<R>(query(db, values)), { query });
}

const texts = new Map<string, string>();

/**
 * SQL text for statements whose shape varies (row counts, column sets), built once per `key`,
 * which must name the dialect and everything the text depends on.
 */
export function cachedSql(key: string, build: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    text = build();
    if (texts.size > 2000) texts.clear();
    texts.set(key, text);
  }
  return text;
}

/** Placeholders for `count` values, numbered from `first` on PostgreSQL: `?, ?` or `$3, $4`. */
export function placeholders(postgres: boolean, count: number, first = 1): string {
  return Array.from({ length: count }, (_, i) => (postgres ? `$${first + i}` : '?')).join(', ');
}

/** `UPDATE table SET <every column of values> WHERE id = ?`, its SQL text built once per column set. */
export async function updateRow(trx: Trx, table: string, id: string, values: object): Promise<void> {
  const columns = Object.keys(values);
  const postgres = isPostgres(trx);
  const text = cachedSql(
    `${postgres ? 'pg' : 'sqlite'}|update|${table}|${columns.join(',')}`,
    () =>
      `update "${table}" set ${columns.map((c, i) => `"${c}" = ${placeholders(postgres, 1, i + 1)}`).join(', ')} where "id" = ${placeholders(postgres, 1, columns.length + 1)}`,
  );
  const parameters: unknown[] = new Array(columns.length + 1);
  for (let i = 0; i < columns.length; i++) parameters[i] = (values as Record<string, unknown>)[columns[i]];
  parameters[columns.length] = id;
  await trx.executeQuery(CompiledQuery.raw(text, parameters));
}
