import { sql } from 'kysely';
import type { Executor, Trx } from '../db/connection.js';
import { insertRows, type Writer } from '../db/write-batch.js';
import type { EventsTable } from '../db/schema.js';
import { newId, nowIso } from '../db/ids.js';
import { parseJson } from './json.js';
import type { RequestContext } from './context.js';

export interface ApiEvent {
  id: string;
  object: 'event';
  type: string;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  request_id: string | null;
  created_at: string;
}

/**
 * Writes an event in the command's own transaction (now, or at the flush of the command's write
 * batch), so the event exists exactly when the change does (the outbox that webhooks deliver from).
 */
export async function recordEvent(
  trx: Writer,
  ctx: RequestContext,
  type: string,
  object: { id: string; object: string },
  previous?: Record<string, unknown>,
): Promise<void> {
  await insertRows(trx, 'events', [eventRow(ctx, type, object, previous)]);
}

/** The row recordEvent writes. */
function eventRow(
  ctx: RequestContext,
  type: string,
  object: { id: string; object: string },
  previous?: Record<string, unknown>,
): EventsTable {
  const data: ApiEvent['data'] = { object };
  if (previous && Object.keys(previous).length) data.previous_attributes = previous;
  return {
    id: newId('evt'),
    type,
    object_type: object.object,
    object_id: object.id,
    data: JSON.stringify(data),
    request_id: ctx.requestId,
    created_at: nowIso(),
    idempotency_token: ctx.idempotencyToken ?? null,
  };
}

/** The fields of `before` whose value differs in `after`, with their old values. */
export function changedAttributes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (key === 'updated_at' || key === 'version') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
  }
  return previous;
}

export function toApiEvent(row: {
  id: string;
  type: string;
  data: string;
  request_id: string | null;
  created_at: string;
}): ApiEvent {
  return {
    id: row.id,
    object: 'event',
    type: row.type,
    data: parseJson(row.data, { object: null }),
    request_id: row.request_id,
    created_at: row.created_at,
  };
}

/**
 * Rewrites stored events inside the caller's transaction (erasing personal data from history):
 * every event of `objectId` and every event whose data mentions it is handed to `rewrite`, which
 * changes the parsed data in place and says whether it did; changed ones are written back.
 */
export async function rewriteStoredEvents(
  trx: Trx,
  objectId: string,
  rewrite: (event: { object_type: string; object_id: string; data: ApiEvent['data'] }) => boolean,
): Promise<number> {
  const mention = `%${objectId.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await trx
    .selectFrom('events')
    .select(['id', 'object_type', 'object_id', 'data'])
    .where((eb) =>
      eb.or([eb('object_id', '=', objectId), sql<boolean>`${sql.ref('data')} like ${mention} escape '\\'`]),
    )
    .execute();
  let changed = 0;
  for (const row of rows) {
    const data = parseJson<ApiEvent['data']>(row.data, { object: null });
    if (!rewrite({ object_type: row.object_type, object_id: row.object_id, data })) continue;
    await trx
      .updateTable('events')
      .set({ data: JSON.stringify(data) })
      .where('id', '=', row.id)
      .execute();
    changed++;
  }
  return changed;
}
