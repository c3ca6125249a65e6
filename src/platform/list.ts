import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import { changeMarkerOf, isPostgres, type Executor } from '../db/connection.js';
import { BadRequestError } from './errors.js';
import type { JsonText } from './json.js';
import { IsoDateTimeSchema, queryInt8 } from './schemas.js';

/**
 * Lists for every resource: one declaration of a resource's filters and sort fields gives the
 * query-string schema (validation + OpenAPI) and the query that answers it.
 */
type AnyQuery = any; // Kysely's select builder, kept untyped here because the table is chosen at run time.

export type FilterDef =
  /** `name=value`, and with `multi` also `name_in=a,b`. */
  | {
      kind: 'exact';
      column: string;
      multi?: boolean;
      values?: readonly [string, ...string[]];
      normalize?: (v: string) => string;
    }
  /** `name_gte=` and `name_lte=` on an integer column. */
  | { kind: 'range'; column: string }
  /** Anything else: its own schema and how it narrows the query. */
  | { kind: 'custom'; schema: z.ZodType; apply: (qb: AnyQuery, value: any) => AnyQuery };

export interface ListSpec {
  table: string;
  /** Columns the caller may sort by, besides created_at. */
  sortable?: readonly string[];
  filters: Record<string, FilterDef>;
  /** Adds `updated_after`/`updated_before` next to the created range every list has. */
  updatedRange?: boolean;
}

export interface ListResult<Row> {
  rows: Row[];
  has_more: boolean;
  total_count: number;
  next_cursor: string | null;
}

export interface ListEnvelope<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  total_count: number;
  next_cursor: string | null;
}

// An empty list (`status_in=` or `status_in=,`) matches nothing by definition: almost surely a
// client bug (an unset variable), so it is refused rather than answered with an empty page.
export const commaList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((vs) => vs.length > 0, 'Must list at least one value, separated by commas');

export function listQuerySchema(spec: ListSpec) {
  const sortFields = ['created_at', ...(spec.sortable ?? [])];
  const sortValues = sortFields.flatMap((f) => [f, `-${f}`]) as [string, ...string[]];
  const shape: Record<string, z.ZodType> = {
    limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size, 1 to 100.'),
    offset: queryInt8(0).optional().describe('Skip this many records (not with cursor).'),
    cursor: z.string().optional().describe("Opaque cursor from a previous page's next_cursor."),
    sort: z.enum(sortValues).default('-created_at').describe('Field to sort by; a leading "-" sorts descending.'),
    created_after: IsoDateTimeSchema.optional(),
    created_before: IsoDateTimeSchema.optional(),
  };
  if (spec.updatedRange) {
    shape.updated_after = IsoDateTimeSchema.optional();
    shape.updated_before = IsoDateTimeSchema.optional();
  }
  for (const [name, def] of Object.entries(spec.filters)) {
    if (def.kind === 'exact') {
      shape[name] = (def.values ? z.enum(def.values) : z.string().min(1)).optional();
      if (def.multi) {
        // A value list is checked like the single value: status_in=bogus is a 400, not an empty page.
        const allowed = def.values;
        shape[`${name}_in`] = (
          allowed
            ? commaList.refine(
                (vs) => vs.every((v) => allowed.includes(v)),
                `Each value must be one of: ${allowed.join(', ')}`,
              )
            : commaList
        ).optional();
      }
    } else if (def.kind === 'range') {
      shape[`${name}_gte`] = queryInt8().optional();
      shape[`${name}_lte`] = queryInt8().optional();
    } else {
      shape[name] = def.schema.optional();
    }
  }
  return z.strictObject(shape);
}

/** A cursor names the sort it belongs to, so one from another sort order is refused, not misread. */
function encodeCursor(sort: string, value: unknown, id: string): string {
  return Buffer.from(JSON.stringify([value, id, sort])).toString('base64url');
}

function decodeCursor(cursor: string, sort: string): [string | number | null, string] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // fall through to the error below
  }
  // Only a primitive may reach the query: an object or boolean from a forged cursor made the
  // database driver throw (a 500) instead of this 400.
  // Nor a NUL character, which PostgreSQL refuses in text (the edge check sees only the encoded cursor).
  const text = (v: unknown) => typeof v === 'string' && !v.includes('\u0000');
  if (
    Array.isArray(parsed) &&
    parsed.length === 3 &&
    text(parsed[1]) &&
    parsed[2] === sort &&
    (parsed[0] === null || text(parsed[0]) || (typeof parsed[0] === 'number' && Number.isFinite(parsed[0])))
  ) {
    return [parsed[0], parsed[1]];
  }
  throw invalidCursor();
}

function invalidCursor(): BadRequestError {
  return new BadRequestError(
    'invalid_cursor',
    'The cursor is not one this API returned for this sort order.',
    'cursor',
  );
}

/** PostgreSQL: invalid_text_representation, invalid_datetime_format, numeric_value_out_of_range. */
const CURSOR_VALUE_ERRORS = new Set(['22P02', '22007', '22003']);

function applyFilters(spec: ListSpec, qb: AnyQuery, query: Record<string, any>): AnyQuery {
  const t = spec.table;
  if (query.created_after) qb = qb.where(`${t}.created_at`, '>=', query.created_after);
  if (query.created_before) qb = qb.where(`${t}.created_at`, '<', query.created_before);
  if (query.updated_after) qb = qb.where(`${t}.updated_at`, '>=', query.updated_after);
  if (query.updated_before) qb = qb.where(`${t}.updated_at`, '<', query.updated_before);
  for (const [name, def] of Object.entries(spec.filters)) {
    if (def.kind === 'exact') {
      const norm = def.normalize ?? ((v: string) => v);
      if (query[name] !== undefined) qb = qb.where(def.column, '=', norm(query[name]));
      const many = query[`${name}_in`] as string[] | undefined;
      if (many !== undefined) qb = qb.where(def.column, 'in', many.map(norm));
    } else if (def.kind === 'range') {
      if (query[`${name}_gte`] !== undefined) qb = qb.where(def.column, '>=', query[`${name}_gte`]);
      if (query[`${name}_lte`] !== undefined) qb = qb.where(def.column, '<=', query[`${name}_lte`]);
    } else if (query[name] !== undefined) {
      qb = def.apply(qb, query[name]);
    }
  }
  return qb;
}

const countCaches = new WeakMap<object, Map<string, { marker: string; count: number }>>();

/**
 * The total_count of a list. Counting every match is most of a list's work, so a count is reused
 * while the database can tell that nothing it counts has changed:
 * - SQLite: until anything is written (changeMarkerOf);
 * - PostgreSQL: while the snapshot is the same. Two statements with the same snapshot (the same
 *   transactions finished, the same in progress) see the same rows, so one statement both checks
 *   the snapshot and, only if it moved, counts (a CASE does not run the subquery it does not take).
 * Inside a transaction, which may see its own writes, it always counts.
 */
async function countMatches(db: Executor, countQuery: AnyQuery): Promise<number> {
  // SQLite: read before counting: a write that lands in between changes the marker, never hides behind it.
  const marker = changeMarkerOf(db)?.();
  const postgresRoot = marker === undefined && isPostgres(db) && !db.isTransaction;
  if (marker === undefined && !postgresRoot) return Number((await countQuery.executeTakeFirst())?.count ?? 0);
  const compiled = countQuery.compile();
  const key = `${compiled.sql}\u0000${JSON.stringify(compiled.parameters)}`;
  let cache = countCaches.get(db);
  if (!cache) countCaches.set(db, (cache = new Map()));
  const known = cache.get(key);
  let fresh: { marker: string; count: number };
  if (marker !== undefined) {
    if (known?.marker === marker) return known.count;
    fresh = { marker, count: Number((await db.executeQuery<{ count: number }>(compiled)).rows[0]?.count ?? 0) };
  } else {
    const { rows } = await sql<{
      count: number | null;
      snapshot: string;
    }>`select case when pg_current_snapshot()::text = ${known?.marker ?? ''} then null else (${countQuery}) end as count, pg_current_snapshot()::text as snapshot`.execute(
      db,
    );
    if (rows[0].count === null && known) return known.count;
    fresh = { marker: rows[0].snapshot, count: Number(rows[0].count ?? 0) };
  }
  if (cache.size >= 1000) cache.clear();
  cache.set(key, fresh);
  return fresh.count;
}

/**
 * Runs a list query: filters, a total count, then one page by offset or cursor. `base` may narrow
 * the query further (a parent id from the path, say); `columns` selects only those (with the id
 * and the sort field) instead of every column.
 */
export async function runList<Row>(
  db: Executor,
  spec: ListSpec,
  query: Record<string, any>,
  base: (qb: AnyQuery) => AnyQuery = (qb) => qb,
  columns?: readonly string[],
): Promise<ListResult<Row>> {
  if (query.cursor !== undefined && query.offset !== undefined) {
    throw new BadRequestError('validation_error', 'Send either offset or cursor, not both.', 'cursor');
  }
  const t = spec.table;
  const filtered = applyFilters(spec, base((db as any).selectFrom(t)), query);

  const sort: string = query.sort ?? '-created_at';
  const descending = sort.startsWith('-');
  const field = descending ? sort.slice(1) : sort;
  const column = `${t}.${field}`;
  const op = descending ? '<' : '>';
  const direction = descending ? 'desc' : 'asc';
  const limit: number = query.limit ?? 20;

  const selected = columns
    ? filtered.select([...new Set(['id', field, ...columns])].map((c) => `${t}.${c}`))
    : filtered.selectAll(t);
  let page = selected
    .orderBy(column, direction)
    .orderBy(`${t}.id`, direction)
    .limit(limit + 1);
  if (query.cursor !== undefined) {
    const [value, id] = decodeCursor(query.cursor, sort);
    page = page.where((eb: any) =>
      eb.or([eb(column, op, value), eb.and([eb(column, '=', value), eb(`${t}.id`, op, id)])]),
    );
  } else if (query.offset) {
    page = page.offset(query.offset);
  }

  const [rows, count] = await Promise.all([
    (page.execute() as Promise<Row[]>).catch((err: { code?: string }) => {
      // A forged cursor whose value does not fit the sort column's type (text for a bigint, say)
      // is refused by PostgreSQL itself: the caller's mistake, not a server error.
      if (query.cursor !== undefined && CURSOR_VALUE_ERRORS.has(err?.code ?? '')) throw invalidCursor();
      throw err;
    }),
    countMatches(
      db,
      filtered.select((eb: any) => eb.fn.countAll().as('count')),
    ),
  ]);
  const hasMore = rows.length > limit;
  if (hasMore) rows.pop();
  const last = rows[rows.length - 1] as Record<string, any> | undefined;
  return {
    rows,
    has_more: hasMore,
    total_count: count,
    next_cursor: hasMore && last ? encodeCursor(sort, last[field], last.id) : null,
  };
}

export function toEnvelope<Row, T>(result: ListResult<Row>, map: (row: Row) => T): ListEnvelope<T> {
  return {
    object: 'list',
    data: result.rows.map(map),
    has_more: result.has_more,
    total_count: result.total_count,
    next_cursor: result.next_cursor,
  };
}

/** The list envelope around items that are already JSON text, as text. */
export function envelopeJsonText(result: ListResult<unknown>, items: JsonText[]): JsonText {
  return `{"object":"list","data":[${items.join(',')}],"has_more":${result.has_more},"total_count":${result.total_count},"next_cursor":${JSON.stringify(result.next_cursor)}}` as JsonText;
}

/** The response schema of a list of `item`. */
export function listEnvelopeSchema<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    has_more: z.boolean(),
    total_count: z.number().int(),
    next_cursor: z.string().nullable(),
  });
}

/**
 * `column` contains `term` (already lower-cased columns, or a lower-casing expression such as
 * sql`lower(name)`), with LIKE wildcards in the term matched literally; the explicit ESCAPE makes
 * it behave the same on SQLite and PostgreSQL.
 */
export function containsText(column: string | RawBuilder<unknown>, term: string) {
  const pattern = `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${typeof column === 'string' ? sql.ref(column) : column} like ${pattern} escape '\\'`;
}
