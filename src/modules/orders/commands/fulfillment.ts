/** Shipping, delivering, and cancelling a shipment. */
import type { DB } from '../../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../../platform/context.js';
import { lockRecord } from '../../../platform/db-helpers.js';
import { ConflictError, NotFoundError } from '../../../platform/errors.js';
import { recordEvent } from '../../../platform/events.js';
import { newId, nowIso } from '../../../db/ids.js';
import { parseJson, toJson } from '../../../platform/json.js';
import {
  activeReservations,
  consume,
  inItemOrder,
  itemIdsFor,
  postMovement,
  reserveStock,
  resolveLocationId,
  stockKey,
  type StockNeed,
} from '../../inventory/index.js';
import type { Order, Shipment, ShipInput } from '../schemas.js';
import { changeOrder, orderCommand } from '../command.js';
import { lineNeed, lineReference, reserveLines } from '../stock.js';
import { allShipped, assertUnshipped, balanceDue, returnable, unshipped } from '../draft.js';
import type { OrderLineItemsTable, ShipmentsTable } from '../tables.js';
import { transitionOrder } from '../transitions.js';
import { inTransaction } from '../../../db/transaction.js';

// ---------------------------------------------------------------- ship and deliver
import { resolveLineQuantities } from '../lines.js';
import { lockOrder } from '../repository.js';
import { toShipment } from '../shipments.js';
import { shipmentMachine } from '../shipments.js';

/**
 * Ships lines (all that remains by default): consumes their reservations through the ledger,
 * reserving backordered units first (409 insufficient_inventory when they still cannot be), and
 * records a Shipment. The order becomes shipped, or partially_shipped while anything remains.
 */
export async function shipOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: ShipInput,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const r = next.row;
    transitionOrder('ship', r);
    // A location code is as good as its id (404 naming location_id when it is neither).
    if (input.location_id)
      input = { ...input, location_id: await resolveLocationId(trx, input.location_id, 'location_id') };
    // Processing means paid, but a line added after payment leaves a balance: collect it first.
    const due = balanceDue(r);
    if (due > 0)
      throw new ConflictError(
        'balance_due',
        `Order ${r.order_number} has ${due} still to pay; record the payment before shipping.`,
        { balance_due: due },
      );
    let shipping: Array<{ line: OrderLineItemsTable; quantity: number }>;
    if (input.line_items) {
      shipping = resolveLineQuantities(next, input.line_items, 'line_items');
      for (const s of shipping) {
        assertUnshipped(s.line, s.quantity, 'left to ship');
        if (input.location_id && s.line.location_id !== input.location_id) {
          throw new ConflictError(
            'location_mismatch',
            `Line ${s.line.id} (${s.line.sku}) is stocked at ${s.line.location_id}, not ${input.location_id}.`,
            { line_item_id: s.line.id, location_id: s.line.location_id },
          );
        }
      }
    } else {
      shipping = next.lines
        .filter((l) => unshipped(l) > 0 && (!input.location_id || l.location_id === input.location_id))
        .map((line) => ({ line, quantity: unshipped(line) }));
      if (shipping.length === 0)
        throw new ConflictError(
          'nothing_to_ship',
          `Order ${r.order_number} has nothing left to ship${input.location_id ? ` from ${input.location_id}` : ''}.`,
        );
    }

    const shipmentId = newId('shp');
    // Backordered units are reserved now, all or none, then everything is consumed.
    const backorderNeeds: StockNeed[] = [];
    const reservations = await activeReservations(trx, { type: 'order', id: r.id });
    const reservedFor = (lineId: string) =>
      reservations.filter((x) => x.reference_line_id === lineId).reduce((n, x) => n + Number(x.quantity), 0);
    const fromBackorder = new Map<string, number>();
    for (const s of shipping) {
      const short = Math.max(0, s.quantity - reservedFor(s.line.id));
      if (short > 0) {
        fromBackorder.set(s.line.id, short);
        backorderNeeds.push(lineNeed(s.line, short, undefined));
      }
    }
    if (backorderNeeds.length) {
      const items = await itemIdsFor(
        trx,
        backorderNeeds.map((n) => ({ sku: n.sku, location_id: n.locationId })),
      );
      for (const n of backorderNeeds) n.itemId = items.get(stockKey(n.sku, n.locationId));
      reservations.push(...(await reserveLines(trx, ctx, r.id, backorderNeeds)));
    }
    // Consume in item order (reservations come sorted by item) so concurrent shipments of orders
    // sharing SKUs lock inventory rows in one order and cannot deadlock on PostgreSQL.
    const itemOf = (lineId: string) => reservations.find((x) => x.reference_line_id === lineId)?.inventory_item_id;
    for (const s of inItemOrder(shipping, (x) => itemOf(x.line.id))) {
      await consume(trx, ctx, reservations, s.line.id, s.quantity, {
        type: 'shipment',
        id: shipmentId,
        line_id: s.line.id,
      });
      s.line.quantity_shipped = Number(s.line.quantity_shipped) + s.quantity;
      s.line.quantity_backordered = Math.max(
        0,
        Number(s.line.quantity_backordered) - (fromBackorder.get(s.line.id) ?? 0),
      );
    }

    const everything = allShipped(next.lines);
    const { to, event } = transitionOrder(everything ? 'ship' : 'ship_partially', r, { as: 'ship' });
    r.status = to;
    if (everything) r.shipped_at = now;
    if (input.carrier !== undefined) r.shipping_carrier = input.carrier;
    if (input.tracking_number !== undefined) r.shipping_tracking_number = input.tracking_number;
    if (input.estimated_delivery !== undefined) r.shipping_estimated_delivery = input.estimated_delivery;

    const locations = [...new Set(shipping.map((s) => s.line.location_id))];
    const shipment: ShipmentsTable = {
      id: shipmentId,
      order_id: r.id,
      status: 'shipped',
      carrier: input.carrier ?? r.shipping_carrier,
      tracking_number: input.tracking_number ?? null,
      tracking_url: input.tracking_url ?? null,
      method: input.method ?? r.shipping_method,
      location_id: input.location_id ?? (locations.length === 1 ? locations[0] : null),
      line_items: toJson(
        shipping.map((s) => ({ order_line_item_id: s.line.id, sku: s.line.sku, quantity: s.quantity })),
      ),
      estimated_delivery: input.estimated_delivery ?? null,
      shipped_at: now,
      delivered_at: null,
      cancelled_at: null,
      metadata: '{}',
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('shipments').values(shipment).execute();
    await recordEvent(trx, ctx, 'shipment.created', toShipment(shipment));
    return { event };
  });
  return order;
}

export async function deliverOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { to, event } = transitionOrder('deliver', next.row);
    next.row.status = to;
    next.row.delivered_at = now;
    const open = await trx
      .selectFrom('shipments')
      .selectAll()
      .where('order_id', '=', next.row.id)
      .where('status', '=', 'shipped')
      .execute();
    for (const s of open) {
      const delivered: ShipmentsTable = {
        ...s,
        status: 'delivered',
        delivered_at: now,
        version: s.version + 1,
        updated_at: now,
      };
      await trx
        .updateTable('shipments')
        .set({ status: 'delivered', delivered_at: now, version: delivered.version, updated_at: now })
        .where('id', '=', s.id)
        .execute();
      await recordEvent(trx, ctx, 'shipment.delivered', toShipment(delivered), {
        status: 'shipped',
        delivered_at: null,
      });
    }
    return { event };
  });
  return order;
}

/**
 * Cancels a shipment that has not been delivered: the parcel never left (or came straight back),
 * so its units go back on hand (an `adjustment` movement referencing the shipment) and are
 * reserved again for their order lines; the order goes back to processing, or stays
 * partially_shipped when other shipments remain. Refused once the order is delivered, and for
 * units already returned.
 */
export async function cancelShipment(
  db: DB,
  ctx: RequestContext,
  id: string,
  expected?: ExpectedVersion,
): Promise<Shipment> {
  return inTransaction(db, async (trx) => {
    // The order first, then the shipment: the order a delivery locks them in, so the two cannot deadlock.
    const found = await trx.selectFrom('shipments').select('order_id').where('id', '=', id).executeTakeFirst();
    if (!found) throw new NotFoundError('shipment', id);
    const now = nowIso();
    const {
      result: { row, cancel },
    } = await changeOrder(
      trx,
      ctx,
      await lockOrder(trx, found.order_id),
      async (trx, next) => {
        const row = await lockRecord(trx, 'shipments', 'shipment', id, expected);
        const cancel = shipmentMachine.transition('cancel', row.status);
        transitionOrder('cancel_shipment', next.row);
        const shipped: Array<{ order_line_item_id: string; sku: string; quantity: number }> = parseJson(
          row.line_items,
          [],
        );
        const lines = shipped.map((s) => ({ s, line: next.lines.find((l) => l.id === s.order_line_item_id) }));
        const items = await itemIdsFor(
          trx,
          lines.flatMap(({ line }) => (line ? [line] : [])),
        );
        const itemOf = (line: { sku: string; location_id: string } | undefined) =>
          line ? items.get(stockKey(line.sku, line.location_id)) : undefined;
        for (const { s, line } of inItemOrder(lines, (x) => itemOf(x.line))) {
          // A line merged away or removed cannot be (no shipped order changes lines), but be explicit.
          if (!line)
            throw new ConflictError(
              'shipment_line_missing',
              `Order line ${s.order_line_item_id} of shipment ${id} is no longer on the order.`,
            );
          // Returned units must stay shipped: the shipment's units cannot go back while any of them are returned.
          if (returnable(line) < s.quantity) {
            throw new ConflictError(
              'shipment_has_returns',
              `Units of line ${line.id} (${line.sku}) in shipment ${id} have been returned; cancelling it would undo more than was kept.`,
              { line_item_id: line.id },
            );
          }
          const itemId = itemOf(line)!;
          await postMovement(trx, ctx, {
            itemId,
            quantity: s.quantity,
            reason: 'adjustment',
            reference: { type: 'shipment', id, line_id: line.id },
            note: 'shipment cancelled',
          });
          await reserveStock(trx, ctx, [
            { itemId, quantity: s.quantity, reference: lineReference(next.row.id, line.id) },
          ]);
          line.quantity_shipped = Number(line.quantity_shipped) - s.quantity;
        }
        const anyShipped = next.lines.some((l) => Number(l.quantity_shipped) > 0);
        const { to, event } = transitionOrder(anyShipped ? 'cancel_shipment_partially' : 'cancel_shipment', next.row);
        next.row.status = to;
        next.row.shipped_at = null;
        return { event, result: { row, cancel } };
      },
      now,
    );
    const cancelled: ShipmentsTable = {
      ...row,
      status: cancel.to,
      cancelled_at: now,
      version: row.version + 1,
      updated_at: now,
    };
    await trx
      .updateTable('shipments')
      .set({ status: cancelled.status, cancelled_at: now, version: cancelled.version, updated_at: now })
      .where('id', '=', id)
      .execute();
    const shipment = toShipment(cancelled);
    await recordEvent(trx, ctx, cancel.event, shipment, { status: row.status, cancelled_at: null });
    return shipment;
  });
}
