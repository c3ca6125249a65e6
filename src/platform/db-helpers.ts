import { isPostgres, type Executor, type Trx } from '../db/connection.js';
import { preparedQuery } from '../db/prepared.js';
import type { Kysely } from 'kysely';
import { nowIso } from '../db/ids.js';
import type { RequestContext } from './context.js';
import { assertExpectedVersion, NotFoundError, refuseDuplicate, type ApiError } from './errors.js';
import { changedAttributes, recordEvent } from './events.js';
import { mergeMetadata } from './schemas.js';
import type { Database } from '../db/schema.js';

/**
 * Reads one row for a command, locking it on PostgreSQL (SELECT ... FOR UPDATE) so two commands on
 * the same record run one after the other. SQLite already serialises writers on its one connection.
 */
export async function selectForUpdate<T extends keyof Database & string>(
  trx: Trx,
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
  trx: Trx,
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

/** An API object as patchRecord changes it: versioned, with metadata. */
interface Patchable {
  id: string;
  object: string;
  version: number;
  updated_at: string;
  metadata: Record<string, unknown>;
}

export interface PatchSpec<T extends Patchable, K extends keyof T & string> {
  table: keyof Database & string;
  /** The API object before the change (the caller locked its row). */
  before: T;
  /** The request: each of `fields` given (not undefined) replaces the object's value; metadata merges. */
  input: Partial<Pick<T, K>> & { metadata?: Record<string, unknown> | null };
  fields: readonly K[];
  /** Changes that are not a plain copy, and checks of the result (throw to refuse). */
  amend?: (next: T) => void;
  /** The row's columns for the changed object. */
  toRow: (next: T) => Record<string, unknown>;
  /** The event recorded with the changed attributes, e.g. `location.updated`. */
  event: string;
  /** The error for a unique violation (a code or email already taken). */
  onDuplicate?: () => ApiError;
}

/**
 * The update pattern every resource shares: copy the given fields, merge metadata, check, and
 * when anything changed bump the version, write the row and record the event with the previous
 * values. Answers the object unchanged (no write, no event) when nothing changed.
 */
export async function patchRecord<T extends Patchable, K extends keyof T & string>(
  trx: Trx,
  ctx: RequestContext,
  spec: PatchSpec<T, K>,
): Promise<T> {
  const { before, input } = spec;
  const next: T = { ...before };
  for (const key of spec.fields) if (input[key] !== undefined) next[key] = input[key] as T[K];
  next.metadata = mergeMetadata(before.metadata, input.metadata);
  spec.amend?.(next);
  const previous = changedAttributes(
    before as unknown as Record<string, unknown>,
    next as unknown as Record<string, unknown>,
  );
  if (Object.keys(previous).length === 0) return before;
  next.version = before.version + 1;
  next.updated_at = nowIso();
  const write = (trx as Kysely<any>)
    .updateTable(spec.table)
    .set(spec.toRow(next))
    .where('id', '=', before.id)
    .execute();
  await (spec.onDuplicate ? refuseDuplicate(write, spec.onDuplicate) : write);
  await recordEvent(trx, ctx, spec.event, next, previous);
  return next;
}

/**
 * Writes `changes` to a locked, versioned row (version + 1, updated_at now) and answers the row as
 * written: the save step of a document's commands, whose callers render it and record their event.
 */
export async function saveVersionedRow<R extends { id: string; version: number; updated_at: string }>(
  trx: Trx,
  table: keyof Database & string,
  row: R,
  changes: Partial<R>,
): Promise<R> {
  const next: R = { ...row, ...changes, version: row.version + 1, updated_at: nowIso() };
  const { id: _id, ...columns } = next;
  await (trx as Kysely<any>).updateTable(table).set(columns).where('id', '=', row.id).execute();
  return next;
}
