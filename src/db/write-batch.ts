import { CompiledQuery } from 'kysely';
import { isPostgres, type Trx } from './connection.js';
import { cachedSql, placeholders } from './prepared.js';

/**
 * Writes that need no answer (inserts, events, counter and statistics updates), collected during a
 * command and sent together by flush(): on PostgreSQL as one statement, since a round trip there
 * costs more than the statement; on SQLite, which runs in process, as prepared statements one after
 * the other. Writers take a `Writer`, a transaction or a batch: on a transaction they write now, in
 * a batch at its flush, so no writer needs a deferred twin.
 */
export class WriteBatch {
  private queries: CompiledQuery[] = [];

  constructor(readonly trx: Trx) {}

  /** Adds a statement built for this batch's transaction (undefined: nothing to write). */
  add(query: CompiledQuery | undefined): this {
    if (query) this.queries.push(query);
    return this;
  }

  /** Sends everything added so far, in the order added. */
  async flush(): Promise<void> {
    const queries = this.queries;
    this.queries = [];
    await writeTogether(this.trx, queries);
  }
}

export const writeBatch = (trx: Trx) => new WriteBatch(trx);

/** Where a writer's statements go: run now in the transaction, or added to a batch. */
export type Writer = Trx | WriteBatch;

/** The transaction a writer's statements are built for. */
export const trxOf = (w: Writer): Trx => (w instanceof WriteBatch ? w.trx : w);

/** Runs `query` now on a transaction, or adds it to the batch. */
export async function write(w: Writer, query: CompiledQuery | undefined): Promise<void> {
  if (!query) return;
  if (w instanceof WriteBatch) w.add(query);
  else await w.executeQuery(query);
}

/**
 * A multi-row INSERT of plain rows, with its SQL text built once per (dialect, table, columns, row
 * count) and reused. No rows, no statement.
 */
export function insertRows(w: Writer, table: string, rows: ReadonlyArray<object>): Promise<void> {
  if (rows.length === 0) return Promise.resolve();
  const columns = Object.keys(rows[0]);
  const postgres = isPostgres(trxOf(w));
  const text = cachedSql(
    `${postgres ? 'pg' : 'sqlite'}|insert|${table}|${columns.join(',')}|${rows.length}`,
    () =>
      `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${rows.map((_, r) => `(${placeholders(postgres, columns.length, r * columns.length + 1)})`).join(', ')}`,
  );
  // Plain loops: flatMap over a wide row cost several times the rest of this function.
  const parameters: unknown[] = new Array(rows.length * columns.length);
  let k = 0;
  for (const row of rows) for (const c of columns) parameters[k++] = (row as Record<string, unknown>)[c];
  return write(w, CompiledQuery.raw(text, parameters));
}

/**
 * An INSERT of any number of plain rows as one statement with one parameter, the rows as JSON
 * (json_each on SQLite, json_populate_recordset on PostgreSQL): one SQL text whatever the count
 * and one call for all. For writers of many rows at a time (the webhook worker's deliveries), where
 * a statement per row cost a query execution each and a text per row count filled the cache.
 * Values must be JSON's: strings, numbers and nulls.
 */
export function insertJsonRows(w: Writer, table: string, rows: ReadonlyArray<object>): Promise<void> {
  if (rows.length === 0) return Promise.resolve();
  const columns = Object.keys(rows[0]);
  const postgres = isPostgres(trxOf(w));
  const text = cachedSql(`${postgres ? 'pg' : 'sqlite'}|insert-json|${table}|${columns.join(',')}`, () => {
    const names = columns.map((c) => `"${c}"`).join(', ');
    return postgres
      ? `insert into "${table}" (${names}) select ${names} from json_populate_recordset(null::"${table}", $1::json)`
      : `insert into "${table}" (${names}) select ${columns.map((c) => `value->>'${c}'`).join(', ')} from json_each(?)`;
  });
  return write(w, CompiledQuery.raw(text, [JSON.stringify(rows)]));
}

/**
 * Statements run together: on PostgreSQL as one (each a data-modifying WITH of the last); on
 * SQLite one after the other. They must not touch the same row twice, and their SQL must hold no
 * `$` but their parameters (true of everything built here and by Kysely).
 */
async function writeTogether(trx: Trx, list: ReadonlyArray<CompiledQuery>): Promise<void> {
  if (!isPostgres(trx) || list.length < 2) {
    for (const query of list) await trx.executeQuery(query);
    return;
  }
  const parameters: unknown[] = [];
  const texts = list.map((query) => {
    const shift = parameters.length;
    parameters.push(...query.parameters);
    return shift ? query.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + shift}`) : query.sql;
  });
  const last = texts.pop()!;
  await trx.executeQuery(
    CompiledQuery.raw(`with ${texts.map((text, i) => `"write${i}" as (${text})`).join(', ')} ${last}`, parameters),
  );
}
