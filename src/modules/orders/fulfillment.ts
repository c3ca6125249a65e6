import { adjustOrderStats } from '../customers/index.js';
import type { DB, Executor, Trx } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import { defineStateMachine } from '../../platform/state-machine.js';
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
} from '../inventory/index.js';
import { insertReturn } from '../returns/index.js';
import type { Return } from '../returns/index.js';
import { insertRefund } from './refunds.js';
import type {
  ExchangeInput,
  Order,
  RefundInput,
  ReturnInput,
  Shipment,
  ShipInput,
  UpdateShipmentInput,
} from './schemas.js';
import { orderCommand, placeOrder, resolveLineQuantities } from './service.js';
import { lineNeed, lineReference, reserveLines } from './stock.js';
import { balanceDue, cloneDraft, lockOrder, saveOrder, type OrderDraft } from './store.js';
import type { OrderLineItemsTable, ShipmentsTable, ShipmentStatus } from './tables.js';
import { allocateByLargestRemainder } from '../../platform/money.js';
import { lineValueOfUnits } from './totals.js';
import { transitionOrder } from './transitions.js';
import { inTransaction } from '../../db/transaction.js';

// ---------------------------------------------------------------- ship and deliver

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
  return orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
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
    const remaining = (l: OrderLineItemsTable) => Number(l.quantity) - Number(l.quantity_shipped);
    let shipping: Array<{ line: OrderLineItemsTable; quantity: number }>;
    if (input.line_items) {
      shipping = resolveLineQuantities(next, input.line_items, 'line_items');
      for (const s of shipping) {
        if (s.quantity > remaining(s.line)) {
          throw new ConflictError(
            'quantity_exceeds_remaining',
            `Line ${s.line.id} (${s.line.sku}) has ${remaining(s.line)} unit(s) left to ship, not ${s.quantity}.`,
            { line_item_id: s.line.id, remaining: remaining(s.line) },
          );
        }
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
        .filter((l) => remaining(l) > 0 && (!input.location_id || l.location_id === input.location_id))
        .map((line) => ({ line, quantity: remaining(line) }));
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

    const everything = next.lines.every((l) => Number(l.quantity_shipped) === Number(l.quantity));
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
    return event;
  });
}

export async function deliverOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  return orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
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
    return event;
  });
}

// ---------------------------------------------------------------- shipments

const shipmentMachine = defineStateMachine<ShipmentStatus, 'update' | 'cancel'>('shipment', {
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
    const before = await lockOrder(trx, found.order_id);
    const row = await lockRecord(trx, 'shipments', 'shipment', id, expected);
    const { to: shipmentStatus, event: shipmentEvent } = shipmentMachine.transition('cancel', row.status);
    transitionOrder('cancel_shipment', before.row);
    const next = cloneDraft(before);
    const now = nowIso();
    const shipped: Array<{ order_line_item_id: string; sku: string; quantity: number }> = parseJson(row.line_items, []);
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
      if (Number(line.quantity_returned) > Number(line.quantity_shipped) - s.quantity) {
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
      await reserveStock(trx, ctx, [{ itemId, quantity: s.quantity, reference: lineReference(next.row.id, line.id) }]);
      line.quantity_shipped = Number(line.quantity_shipped) - s.quantity;
    }
    const anyShipped = next.lines.some((l) => Number(l.quantity_shipped) > 0);
    const { to, event } = transitionOrder(anyShipped ? 'cancel_shipment_partially' : 'cancel_shipment', next.row);
    next.row.status = to;
    next.row.shipped_at = null;
    await saveOrder(trx, ctx, before, next, event, now);

    const cancelled: ShipmentsTable = {
      ...row,
      status: shipmentStatus,
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
    await recordEvent(trx, ctx, shipmentEvent, shipment, { status: row.status, cancelled_at: null });
    return shipment;
  });
}

// ---------------------------------------------------------------- returns, refunds, exchanges

type ReturnItem = ReturnInput['line_items'][number];

/** Validates returned quantities (never more than shipped minus returned) and counts them on the lines. */
function takeReturnedUnits(next: OrderDraft, items: ReturnItem[], field: string) {
  const resolved = resolveLineQuantities(next, items, field);
  return resolved.map(({ line, quantity, index }) => {
    const returnable = Number(line.quantity_shipped) - Number(line.quantity_returned);
    if (quantity > returnable) {
      throw new ConflictError(
        'return_exceeds_shipped',
        `Line ${line.id} (${line.sku}) has ${returnable} shipped unit(s) not yet returned; cannot return ${quantity}.`,
        { line_item_id: line.id, returnable },
        `${field}[${index}].quantity`,
      );
    }
    const value = lineValueOfUnits(
      { total: Number(line.total), quantity: Number(line.quantity) },
      Number(line.quantity_returned),
      quantity,
    );
    line.quantity_returned = Number(line.quantity_returned) + quantity;
    const item = items[index];
    return {
      order_line_item_id: line.id,
      sku: line.sku,
      quantity,
      reason: item.reason,
      condition: item.condition,
      resellable: item.resellable,
      refund_amount: value,
    };
  });
}

/** Creates a Return (status requested) for shipped units; the order counts them as returned. */
export async function returnOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: ReturnInput,
  expected?: ExpectedVersion,
): Promise<{ object: 'order_return'; order: Order; return: Return }> {
  let created: Return | undefined;
  const order = await orderCommand(db, ctx, id, expected, async (trx, next) => {
    const { event } = transitionOrder('return', next.row);
    const lines = takeReturnedUnits(next, input.line_items, 'line_items');
    created = await insertReturn(trx, ctx, {
      order: next.row,
      type: input.type,
      reason_code: input.reason_code,
      customer_notes: input.customer_notes,
      tracking_number: input.tracking_number,
      carrier: input.carrier,
      metadata: input.metadata,
      lines,
    });
    return event;
  });
  return { object: 'order_return', order, return: created! };
}

/**
 * Refunds money: an explicit amount, the value of line_items (their share of line totals, counted
 * so the same units are never refunded twice), what a return has not had refunded yet, or by
 * default everything refundable. Never more than paid minus refunded, nor more than a return's
 * refund_total over all of that return's refunds, nor (amount with line_items) more than the
 * named units are worth.
 */
export async function refundOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: RefundInput,
  expected?: ExpectedVersion,
): Promise<Order> {
  return orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { event } = transitionOrder('refund', next.row);
    const r = next.row;
    const refundable = Number(r.paid_total) - Number(r.refunded_total);
    let lineItems: Array<{ order_line_item_id: string; quantity: number; amount: number }> = [];
    if (input.line_items) {
      lineItems = resolveLineQuantities(next, input.line_items, 'line_items').map(({ line, quantity, index }) => {
        const left = Number(line.quantity) - Number(line.quantity_refunded);
        if (quantity > left) {
          throw new ConflictError(
            'refund_exceeds_quantity',
            `Line ${line.id} (${line.sku}) has ${left} unit(s) not yet refunded; cannot refund ${quantity}.`,
            { line_item_id: line.id, refundable_quantity: left },
            `line_items[${index}].quantity`,
          );
        }
        const amount = lineValueOfUnits(
          { total: Number(line.total), quantity: Number(line.quantity) },
          Number(line.quantity_refunded),
          quantity,
        );
        line.quantity_refunded = Number(line.quantity_refunded) + quantity;
        return { order_line_item_id: line.id, quantity, amount };
      });
    }
    let returnRow: { id: string; rma: string; refund_id: string | null; unrefunded: number } | undefined;
    if (input.return_id) {
      const found = await trx
        .selectFrom('returns')
        .select(['id', 'rma', 'order_id', 'refund_total', 'refund_id'])
        .where('id', '=', input.return_id)
        .executeTakeFirst();
      if (!found || found.order_id !== r.id)
        throw new ValidationError(`Order ${r.order_number} has no return "${input.return_id}".`, [
          { path: 'return_id', code: 'resource_missing', message: 'No such return on this order' },
        ]);
      // A return is refunded at most its refund_total, over all its refunds (a repeated click must not pay twice).
      const earlier = await trx
        .selectFrom('refunds')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total'))
        .where('return_id', '=', found.id)
        .executeTakeFirstOrThrow();
      const unrefunded = Number(found.refund_total) - Number(earlier.total);
      if (unrefunded <= 0)
        throw new ConflictError(
          'return_already_refunded',
          `Return ${found.rma} is already refunded (${found.refund_total}).`,
          { return_id: found.id },
          'return_id',
        );
      returnRow = { id: found.id, rma: found.rma, refund_id: found.refund_id, unrefunded };
      if (!input.line_items && Number(earlier.total) === 0) lineItems = await refundReturnedUnits(trx, next, found.id);
    }
    const linesValue = lineItems.reduce((n, l) => n + l.amount, 0);
    const amount = input.amount ?? (input.line_items ? linesValue : returnRow ? returnRow.unrefunded : refundable);
    // Named units are refunded at most what they are worth, or the rest of the order would be paid back through them.
    if (input.line_items && amount > linesValue) {
      throw new ConflictError(
        'refund_exceeds_lines',
        `Cannot refund ${amount} for the units named: they are worth ${linesValue}.`,
        { refundable: linesValue },
        'amount',
      );
    }
    // A smaller amount is spread over the units by their value, so the refund's lines add up to it.
    if (amount < linesValue) {
      const parts = allocateByLargestRemainder(
        amount,
        lineItems.map((l) => l.amount),
      );
      lineItems = lineItems.map((l, i) => ({ ...l, amount: parts[i] }));
    }
    if (returnRow && amount > returnRow.unrefunded) {
      throw new ConflictError(
        'refund_exceeds_return',
        `Cannot refund ${amount} for return ${returnRow.rma}: ${returnRow.unrefunded} of it is not yet refunded.`,
        { refundable: returnRow.unrefunded },
        'amount',
      );
    }
    if (amount > refundable || refundable === 0) {
      throw new ConflictError(
        'refund_exceeds_paid',
        `Cannot refund ${amount}: order ${r.order_number} has ${refundable} paid and not yet refunded.`,
        { refundable },
        'amount',
      );
    }
    if (amount <= 0)
      throw new ValidationError('Nothing to refund: the units named are worth 0.', [
        { path: 'line_items', message: 'Worth 0' },
      ]);
    const refund = await insertRefund(trx, ctx, {
      order: r,
      amount,
      reason: input.reason,
      method: 'original_payment',
      line_items: lineItems,
      return_id: returnRow?.id,
      metadata: input.metadata,
      now,
    });
    if (returnRow && !returnRow.refund_id) {
      await trx
        .updateTable('returns')
        .set({ refund_id: refund.id, updated_at: now })
        .where('id', '=', returnRow.id)
        .execute();
    }
    r.refunded_total = Number(r.refunded_total) + amount;
    await adjustOrderStats(trx, r.customer_id, { value: -amount });
    return event;
  });
}

/**
 * A return's units, counted as refunded on their order lines (so a later refund by line_items
 * cannot pay for them again); refused if any of them were refunded already.
 */
async function refundReturnedUnits(
  trx: Trx,
  d: OrderDraft,
  returnId: string,
): Promise<Array<{ order_line_item_id: string; quantity: number; amount: number }>> {
  const returned = await trx
    .selectFrom('return_line_items')
    .select(['order_line_item_id', 'quantity', 'refund_amount'])
    .where('return_id', '=', returnId)
    .orderBy('id')
    .execute();
  countAsRefunded(
    d,
    returned.map((rl) => ({ order_line_item_id: rl.order_line_item_id, quantity: Number(rl.quantity) })),
    'return_id',
  );
  return returned.map((rl) => ({
    order_line_item_id: rl.order_line_item_id,
    quantity: Number(rl.quantity),
    amount: Number(rl.refund_amount),
  }));
}

/** Units whose money goes back (a refunded return, an exchange credit): never units refunded already. */
function countAsRefunded(
  d: OrderDraft,
  units: Array<{ order_line_item_id: string; quantity: number }>,
  param: string,
): void {
  for (const unit of units) {
    const line = d.lines.find((l) => l.id === unit.order_line_item_id);
    const left = line ? Number(line.quantity) - Number(line.quantity_refunded) : 0;
    if (!line || unit.quantity > left) {
      throw new ConflictError(
        'refund_exceeds_quantity',
        `Line ${unit.order_line_item_id} has ${left} unit(s) not yet refunded; ${unit.quantity} cannot be refunded again.`,
        { line_item_id: unit.order_line_item_id, refundable_quantity: left },
        param,
      );
    }
    line.quantity_refunded = Number(line.quantity_refunded) + unit.quantity;
  }
}

/**
 * Exchange: returns units and creates a new order for the new items, linked both ways. What the
 * returned units are worth (up to what was paid and not refunded) is credited: it pays the new
 * order (an exchange_credit refund on the original and a payment on the new one), and any rest is
 * refunded to the original payment. The new order is left unpaid for any difference.
 */
export async function exchangeOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: ExchangeInput,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    const before = await lockOrder(trx, id, expected);
    const next = cloneDraft(before);
    const r = next.row;
    const now = nowIso();
    const { event } = transitionOrder('exchange', r);
    const returnLines = takeReturnedUnits(next, input.return_items, 'return_items');
    // The returned units' value is credited (or refunded) below, so they count as refunded.
    countAsRefunded(next, returnLines, 'return_items');
    const returnValue = returnLines.reduce((n, l) => n + l.refund_amount, 0);
    const credit = Math.min(returnValue, Number(r.paid_total) - Number(r.refunded_total));

    const returnId = newId('ret');
    const { order: exchangeOrder } = await placeOrder(
      trx,
      ctx,
      {
        line_items: input.new_items,
        customer_id: r.customer_id,
        shipping_address: parseJson<any>(r.shipping_address, null),
        billing_address: parseJson<any>(r.billing_address, null),
        shipping: { method: r.shipping_method, carrier: r.shipping_carrier, amount: 0 },
        currency: r.currency,
        tax_rate: r.tax_rate,
        source: r.source,
        allow_backorder: input.allow_backorder,
        notes: `Exchange for order ${r.order_number}`,
      },
      {
        exchangeForReturnId: returnId,
        now,
        credit: { upTo: credit, method: 'exchange_credit' },
        linesField: 'new_items',
      },
    );
    const newTotal = exchangeOrder.totals.total;
    const applied = exchangeOrder.totals.paid;

    const refunds = [];
    if (applied > 0) {
      refunds.push(
        await insertRefund(trx, ctx, {
          order: r,
          amount: applied,
          reason: 'exchange',
          method: 'exchange_credit',
          return_id: returnId,
          exchange_order_id: exchangeOrder.id,
          now,
        }),
      );
    }
    if (credit - applied > 0) {
      refunds.push(
        await insertRefund(trx, ctx, {
          order: r,
          amount: credit - applied,
          reason: 'exchange',
          method: 'original_payment',
          return_id: returnId,
          exchange_order_id: exchangeOrder.id,
          now,
        }),
      );
    }
    r.refunded_total = Number(r.refunded_total) + credit;
    await adjustOrderStats(trx, r.customer_id, { value: -credit });

    const created = await insertReturn(trx, ctx, {
      id: returnId,
      order: r,
      type: 'replacement',
      reason_code: input.reason_code,
      customer_notes: input.customer_notes,
      lines: returnLines,
      exchange_order_id: exchangeOrder.id,
      refund_id: refunds[refunds.length - 1]?.id ?? null,
    });
    const order = await saveOrder(trx, ctx, before, next, event, now);
    const difference = newTotal - returnValue;
    return {
      object: 'order_exchange' as const,
      order,
      return: created,
      exchange_order: exchangeOrder,
      return_value: returnValue,
      credit_applied: applied,
      price_difference: difference,
      settlement: (difference > 0 ? 'charge' : difference < 0 ? 'refund' : 'even') as 'charge' | 'refund' | 'even',
      amount_due: exchangeOrder.totals.balance_due,
      amount_refunded: credit - applied,
      refunds,
    };
  });
}
