import { z } from 'zod';
import type { DB } from '../../db/connection.js';
import type { EventsTable } from '../../db/schema.js';
import { NotFoundError } from '../../platform/errors.js';
import { toApiEvent } from '../../platform/events.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';

export const eventListSpec: ListSpec = {
  table: 'events',
  filters: {
    type: { kind: 'exact', column: 'type', multi: true },
    object_id: { kind: 'exact', column: 'object_id' },
    object_type: { kind: 'exact', column: 'object_type' },
    request_id: { kind: 'exact', column: 'request_id' },
  },
};

/** The timeline of one record takes the same parameters minus the object filters. */
export const timelineListSpec: ListSpec = {
  table: 'events',
  filters: { type: { kind: 'exact', column: 'type', multi: true } },
};

export const EventSchema = z
  .object({
    id: z.string(),
    object: z.literal('event'),
    type: z.string(),
    data: z.object({ object: z.unknown(), previous_attributes: z.record(z.string(), z.unknown()).optional() }),
    request_id: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Event' });

export async function listEvents(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<EventsTable>(db, eventListSpec, query), toApiEvent);
}

export async function getEvent(db: DB, id: string) {
  const row = await db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('event', id);
  return toApiEvent(row);
}

/** Events of one record, newest first by default (the -created_at every list defaults to). */
export async function listObjectEvents(db: DB, objectId: string, query: Record<string, unknown>) {
  return toEnvelope(await runList<EventsTable>(db, timelineListSpec, query, (qb) => qb.where('object_id', '=', objectId)), toApiEvent);
}
