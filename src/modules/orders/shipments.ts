/** Shipment records: their API object, state machine, reads and field updates (shipping is in commands/fulfillment.ts). */
import type { DB, Executor } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord } from '../../platform/db-helpers.js';
import { NotFoundError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { nowIso } from '../../db/ids.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import { defineStateMachine } from '../../platform/state-machine.js';
import type { Shipment, UpdateShipmentInput } from './schemas.js';
import type { ShipmentsTable, ShipmentStatus } from './tables.js';
import { inTransaction } from '../../db/transaction.js';

// ---------------------------------------------------------------- ship and deliver

export const shipmentMachine = defineStateMachine<ShipmentStatus, 'update' | 'cancel'>('shipment', {
  update: { from: ['shipped', 'delivered'], to: 'same', event: 'shipment.updated' },
  cancel: { from: ['shipped'], to: 'cancelled', event: 'shipment.cancelled' },
});

export function toShipment(row: ShipmentsTable): Shipment {
  return {
    id: row.id,
    object: 'shipment',
    order_id: row.order_id,
    status: row.status,
    carrier: row.carrier,
    tracking_number: row.tracking_number,
    tracking_url: row.tracking_url,
    method: row.method,
    location_id: row.location_id,
    line_items: parseJson(row.line_items, []),
    estimated_delivery: row.estimated_delivery,
    shipped_at: row.shipped_at,
    delivered_at: row.delivered_at,
    cancelled_at: row.cancelled_at,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export const shipmentListSpec: ListSpec = {
  table: 'shipments',
  sortable: ['updated_at'],
  updatedRange: true,
  filters: {
    order_id: { kind: 'exact', column: 'order_id' },
    status: { kind: 'exact', column: 'status', multi: true, values: ['shipped', 'delivered', 'cancelled'] },
    tracking_number: { kind: 'exact', column: 'tracking_number' },
  },
};

export async function getShipment(db: Executor, id: string): Promise<Shipment> {
  const row = await db.selectFrom('shipments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('shipment', id);
  return toShipment(row);
}

export async function listShipments(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<ShipmentsTable>(db, shipmentListSpec, query), toShipment);
}

export async function updateShipment(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateShipmentInput,
  expected?: ExpectedVersion,
): Promise<Shipment> {
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'shipments', 'shipment', id, expected);
    const { event } = shipmentMachine.transition('update', row.status);
    const next: ShipmentsTable = { ...row };
    for (const key of ['carrier', 'tracking_number', 'tracking_url', 'method', 'estimated_delivery'] as const) {
      if (input[key] !== undefined) next[key] = input[key] ?? null;
    }
    const metadata = mergeMetadata(parseJson(row.metadata, {}), input.metadata);
    next.metadata = toJson(metadata);
    const previous = changedAttributes(toShipment(row) as any, toShipment(next) as any);
    if (Object.keys(previous).length === 0) return toShipment(row);
    next.version = row.version + 1;
    next.updated_at = nowIso();
    const { id: _id, created_at: _c, ...columns } = next;
    await trx.updateTable('shipments').set(columns).where('id', '=', id).execute();
    const shipment = toShipment(next);
    await recordEvent(trx, ctx, event, shipment, previous);
    return shipment;
  });
}
