import { sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/connection.js';
import type { EventsTable } from '../../db/schema.js';
import { NotFoundError, PermissionError } from '../../platform/errors.js';
import { toApiEvent } from '../../platform/events.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { scopeGrants } from '../../platform/scopes.js';

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

/**
 * The scope that reading an event needs besides events:read, by the event's object type: an event
 * carries its object in full, so it is readable exactly where the object is. A type missing here
 * needs `*` (refused by default rather than shown to everyone).
 */
export const EVENT_OBJECT_SCOPES: Readonly<Record<string, string>> = {
  bill_of_materials: 'bill_of_materials:read',
  bill_of_materials_line_item: 'bill_of_materials:read',
  case: 'cases:read',
  customer: 'customers:read',
  cycle_count: 'cycle_counts:read',
  inventory_item: 'inventory:read',
  transfer: 'inventory:read',
  lead: 'leads:read',
  location: 'locations:read',
  manufacture_order: 'manufacture_orders:read',
  order: 'orders:read',
  packing_list: 'packing_lists:read',
  promotion: 'promotions:read',
  purchase_order: 'purchase_orders:read',
  refund: 'refunds:read',
  return: 'returns:read',
  shipment: 'shipments:read',
  work_order: 'work_orders:read',
  supplier: 'suppliers:read',
  warranty: 'warranties:read',
  wholesale_order: 'wholesale_orders:read',
  webhook_endpoint: 'webhooks:read',
};

export function eventReadScope(objectType: string): string {
  return EVENT_OBJECT_SCOPES[objectType] ?? '*';
}

/** The object types whose events these scopes may read, or undefined for all (`*`). */
function readableObjectTypes(scopes: readonly string[]): string[] | undefined {
  if (scopes.includes('*')) return undefined;
  return Object.keys(EVENT_OBJECT_SCOPES).filter((type) => scopeGrants(scopes, EVENT_OBJECT_SCOPES[type]));
}

/** Narrows an events query to the object types `scopes` may read. */
function onlyReadable(scopes: readonly string[]) {
  const types = readableObjectTypes(scopes);
  return (qb: any) =>
    types === undefined
      ? qb
      : types.length
        ? qb.where('events.object_type', 'in', types)
        : qb.where(sql<boolean>`1 = 0`);
}

/**
 * A filter that can only match events the key may not read is refused (403) rather than answered
 * with an empty page that would read as "no such events".
 */
function refuseUnreadableFilters(query: Record<string, unknown>, scopes: readonly string[]): void {
  const asked: string[] = [];
  if (typeof query.object_type === 'string') asked.push(query.object_type);
  const types = [
    ...(typeof query.type === 'string' ? [query.type] : []),
    ...(Array.isArray(query.type_in) ? (query.type_in as string[]) : []),
  ];
  for (const type of types) asked.push(type.split('.')[0]);
  for (const objectType of asked) {
    if (!(objectType in EVENT_OBJECT_SCOPES) && !scopes.includes('*')) continue; // matches nothing anyway
    const needed = eventReadScope(objectType);
    if (!scopeGrants(scopes, needed)) throw new PermissionError(needed);
  }
}

export async function listEvents(db: DB, query: Record<string, unknown>, scopes: readonly string[]) {
  refuseUnreadableFilters(query, scopes);
  return toEnvelope(await runList<EventsTable>(db, eventListSpec, query, onlyReadable(scopes)), toApiEvent);
}

export async function getEvent(db: DB, id: string, scopes: readonly string[]) {
  const row = await db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('event', id);
  const needed = eventReadScope(row.object_type);
  if (!scopeGrants(scopes, needed)) throw new PermissionError(needed);
  return toApiEvent(row);
}

/**
 * Records whose events also belong on another record's timeline (a customer's shows its cases):
 * the owning module declares the link (`objectType` records in `table` point at the timeline's
 * record through `column`), so this module names no other module's table in its code.
 */
export interface RelatedTimeline {
  objectType: string;
  table: string;
  column: string;
}

const relatedTimelines = new Map<string, RelatedTimeline[]>();

/** Shows the events of `related.objectType` records on the timeline of the `objectName` record they point at. */
export function includeInTimeline(objectName: string, related: RelatedTimeline): void {
  const list = relatedTimelines.get(objectName) ?? [];
  if (!list.some((r) => r.objectType === related.objectType)) list.push(related);
  relatedTimelines.set(objectName, list);
}

/** Events of one record, newest first by default (the -created_at every list defaults to). */
export async function listObjectEvents(
  db: DB,
  objectId: string,
  query: Record<string, unknown>,
  scopes: readonly string[],
  objectName?: string,
) {
  const related = (objectName && relatedTimelines.get(objectName)) || [];
  return toEnvelope(
    await runList<EventsTable>(db, timelineListSpec, query, (qb) =>
      onlyReadable(scopes)(
        related.length === 0
          ? qb.where('object_id', '=', objectId)
          : qb.where((eb: any) =>
              eb.or([
                eb('object_id', '=', objectId),
                ...related.map((r) =>
                  eb.and([
                    eb('object_type', '=', r.objectType),
                    eb(
                      'object_id',
                      'in',
                      sql`(select ${sql.ref('id')} from ${sql.table(r.table)} where ${sql.ref(r.column)} = ${objectId})`,
                    ),
                  ]),
                ),
              ]),
            ),
      ),
    ),
    toApiEvent,
  );
}
