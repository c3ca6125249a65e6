import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { containsText, runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import { getCustomer } from '../customers/index.js';
import {
  activeReservations,
  consume,
  inItemOrder,
  itemIdOf,
  lookUpStock,
  releaseByReference,
  reserveForDocument,
  resolveLocationId,
} from '../inventory/index.js';
import {
  FINANCIAL_STATUSES,
  PAYMENT_TERMS,
  WHOLESALE_FULFILLMENT_STATUSES,
  type CreateWholesaleOrderInput,
  type ShipWholesaleOrderInput,
  type UpdateWholesaleLineInput,
  type UpdateWholesaleOrderInput,
  type WholesaleLineInput,
  type WholesaleOrder,
  type WholesaleOrderLineItem,
  type WholesaleShipment,
} from './schemas.js';
import type { WholesaleOrderLineItemsTable, WholesaleOrdersTable, WholesaleShipmentsTable } from './tables.js';
import { computeWholesaleTotals, dueDate, priceLine, type PriceBreak } from './totals.js';
import { WHOLESALE_ORDER_STATUSES, wholesaleOrderMachine, type WholesaleOrderAction } from './transitions.js';

/** How wholesale orders name themselves to the inventory ledger (reservations and movements). */
const documentOf = (id: string) => ({ type: 'wholesale_order', id });

// ---------------------------------------------------------------- rendering

/** `overdue` is not stored: an invoiced order whose due_at has passed is overdue when read. */
export function financialStatusOf(row: Pick<WholesaleOrdersTable, 'financial_status' | 'due_at'>, now = nowIso()) {
  return row.financial_status === 'invoiced' && row.due_at !== null && row.due_at < now
    ? ('overdue' as const)
    : row.financial_status;
}

export function toWholesaleLine(l: WholesaleOrderLineItemsTable): WholesaleOrderLineItem {
  return {
    id: l.id,
    object: 'wholesale_order_line_item',
    wholesale_order_id: l.wholesale_order_id,
    sku: l.sku,
    name: l.name,
    quantity: Number(l.quantity),
    unit_price: Number(l.unit_price),
    price_breaks: parseJson<PriceBreak[]>(l.price_breaks, []),
    effective_unit_price: Number(l.effective_unit_price),
    total: Number(l.total),
    quantity_shipped: Number(l.quantity_shipped),
    location_id: l.location_id,
    created_at: l.created_at,
    updated_at: l.updated_at,
  };
}

function toShipment(s: WholesaleShipmentsTable): WholesaleShipment {
  return {
    id: s.id,
    object: 'wholesale_shipment',
    wholesale_order_id: s.wholesale_order_id,
    carrier: s.carrier,
    tracking_number: s.tracking_number,
    line_items: parseJson(s.line_items, []),
    shipped_at: s.shipped_at,
  };
}

export function toWholesaleOrder(
  row: WholesaleOrdersTable,
  lines: WholesaleOrderLineItemsTable[],
  shipments: WholesaleShipmentsTable[],
): WholesaleOrder {
  return {
    id: row.id,
    object: 'wholesale_order',
    wholesale_order_number: row.wholesale_order_number,
    status: row.status,
    financial_status: financialStatusOf(row),
    fulfillment_status: row.fulfillment_status,
    customer_id: row.customer_id,
    po_number: row.po_number,
    payment_terms: row.payment_terms,
    location_id: row.location_id,
    requested_delivery_date: row.requested_delivery_date,
    currency: row.currency,
    line_items: lines.map(toWholesaleLine),
    totals: { subtotal: Number(row.subtotal), total: Number(row.total), paid: Number(row.paid_total) },
    invoice:
      row.invoice_number && row.invoice_issued_at && row.due_at
        ? { number: row.invoice_number, issued_at: row.invoice_issued_at, due_at: row.due_at }
        : null,
    payment: row.paid_at
      ? {
          amount: Number(row.paid_total),
          method: row.payment_method,
          reference: row.payment_reference,
          paid_at: row.paid_at,
        }
      : null,
    shipments: shipments.map(toShipment),
    memo: row.memo,
    cancel_reason: row.cancel_reason,
    metadata: parseJson(row.metadata, {}),
    submitted_at: row.submitted_at,
    approved_at: row.approved_at,
    shipped_at: row.shipped_at,
    paid_at: row.paid_at,
    cancelled_at: row.cancelled_at,
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

async function linesOf(db: Executor, orderIds: string[]): Promise<WholesaleOrderLineItemsTable[]> {
  if (orderIds.length === 0) return [];
  return db
    .selectFrom('wholesale_order_line_items')
    .selectAll()
    .where('wholesale_order_id', 'in', orderIds)
    .orderBy('id')
    .execute();
}

async function shipmentsOf(db: Executor, orderIds: string[]): Promise<WholesaleShipmentsTable[]> {
  if (orderIds.length === 0) return [];
  return db
    .selectFrom('wholesale_shipments')
    .selectAll()
    .where('wholesale_order_id', 'in', orderIds)
    .orderBy('id')
    .execute();
}

async function render(db: Executor, rows: WholesaleOrdersTable[]): Promise<WholesaleOrder[]> {
  const ids = rows.map((r) => r.id);
  const [lines, shipments] = await Promise.all([linesOf(db, ids), shipmentsOf(db, ids)]);
  return rows.map((r) =>
    toWholesaleOrder(
      r,
      lines.filter((l) => l.wholesale_order_id === r.id),
      shipments.filter((s) => s.wholesale_order_id === r.id),
    ),
  );
}

const isOrderNumber = (v: string) => /^WSO-\d+$/i.test(v);

/** The order's id, from its id or its number (WSO-000001). */
async function orderIdOf(db: Executor, idOrNumber: string): Promise<string> {
  if (!isOrderNumber(idOrNumber)) return idOrNumber;
  const row = await db
    .selectFrom('wholesale_orders')
    .select('id')
    .where('wholesale_order_number', '=', idOrNumber.toUpperCase())
    .executeTakeFirst();
  if (!row) throw new NotFoundError('wholesale order', idOrNumber);
  return row.id;
}

export async function getWholesaleOrder(db: Executor, idOrNumber: string): Promise<WholesaleOrder> {
  const id = await orderIdOf(db, idOrNumber);
  const row = await db.selectFrom('wholesale_orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('wholesale order', idOrNumber);
  return (await render(db, [row]))[0];
}

export const wholesaleOrderListSpec: ListSpec = {
  table: 'wholesale_orders',
  sortable: ['updated_at', 'total'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: WHOLESALE_ORDER_STATUSES },
    financial_status: {
      kind: 'custom',
      schema: z
        .enum(FINANCIAL_STATUSES)
        .describe('overdue: invoiced, unpaid and past due_at now; invoiced: invoiced and not yet due'),
      // overdue is computed, so the filter compares due_at with the current time in the query.
      apply: (qb, status: (typeof FINANCIAL_STATUSES)[number]) => {
        const now = nowIso();
        if (status === 'overdue') return qb.where('financial_status', '=', 'invoiced').where('due_at', '<', now);
        if (status === 'invoiced') return qb.where('financial_status', '=', 'invoiced').where('due_at', '>=', now);
        return qb.where('financial_status', '=', status);
      },
    },
    fulfillment_status: { kind: 'exact', column: 'fulfillment_status', values: WHOLESALE_FULFILLMENT_STATUSES },
    customer_id: { kind: 'exact', column: 'customer_id' },
    payment_terms: { kind: 'exact', column: 'payment_terms', values: PAYMENT_TERMS },
    po_number: { kind: 'exact', column: 'po_number' },
    total: { kind: 'range', column: 'total' },
    search: {
      kind: 'custom',
      schema: z.string().min(1).max(200).describe('Order number, PO number or memo'),
      apply: (qb, term: string) => qb.where(containsText('search_text', term)),
    },
  },
};

export async function listWholesaleOrders(db: DB, query: Record<string, unknown>) {
  const result = await runList<WholesaleOrdersTable>(db, wholesaleOrderListSpec, query);
  return { ...toEnvelope(result, (r) => r), data: await render(db, result.rows) };
}

function searchText(row: Pick<WholesaleOrdersTable, 'wholesale_order_number' | 'po_number' | 'memo'>): string {
  return [row.wholesale_order_number, row.po_number, row.memo].filter(Boolean).join(' ').toLowerCase();
}

// ---------------------------------------------------------------- commands

/** A 404 naming the request field that held the missing id (customer_id, say). */
async function mustExist<T>(lookup: Promise<T>, objectName: string, id: string, param: string): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(objectName, id, param);
    throw err;
  }
}

function newLine(orderId: string, input: WholesaleLineInput, path: string, now: string): WholesaleOrderLineItemsTable {
  const breaks = [...(input.price_breaks ?? [])].sort((a, b) => a.min_quantity - b.min_quantity);
  const price = priceLine(input.quantity, input.unit_price, breaks, path);
  return {
    id: newId('wsl'),
    wholesale_order_id: orderId,
    sku: input.sku,
    name: input.name ?? null,
    quantity: input.quantity,
    unit_price: input.unit_price,
    price_breaks: toJson(breaks),
    effective_unit_price: price.effective_unit_price,
    total: price.total,
    quantity_shipped: 0,
    location_id: null,
    created_at: now,
    updated_at: now,
  };
}

export async function createWholesaleOrder(
  db: DB,
  ctx: RequestContext,
  input: CreateWholesaleOrderInput,
): Promise<WholesaleOrder> {
  return inTransaction(db, async (trx) => {
    const customer = await mustExist(getCustomer(trx, input.customer_id), 'customer', input.customer_id, 'customer_id');
    const locationId = input.location_id ? await resolveLocationId(trx, input.location_id, 'location_id') : null;
    const now = nowIso();
    const id = newId('wso');
    const lines = (input.line_items ?? []).map((l, i) => newLine(id, l, `line_items[${i}]`, now));
    const totals = computeWholesaleTotals(lines);
    const number = formatNumber('WSO', await nextNumber(trx, 'wholesale_order'));
    const row: WholesaleOrdersTable = {
      id,
      wholesale_order_number: number,
      status: 'draft',
      financial_status: 'unpaid',
      fulfillment_status: 'unfulfilled',
      customer_id: customer.id,
      po_number: input.po_number ?? null,
      payment_terms: input.payment_terms ?? 'net_30',
      location_id: locationId,
      requested_delivery_date: input.requested_delivery_date ?? null,
      currency: input.currency ?? 'USD',
      subtotal: totals.subtotal,
      total: totals.total,
      paid_total: 0,
      invoice_number: null,
      invoice_issued_at: null,
      due_at: null,
      payment_method: null,
      payment_reference: null,
      memo: input.memo ?? null,
      cancel_reason: null,
      metadata: toJson(input.metadata ?? {}),
      search_text: '',
      submitted_at: null,
      approved_at: null,
      shipped_at: null,
      paid_at: null,
      cancelled_at: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    row.search_text = searchText(row);
    await trx.insertInto('wholesale_orders').values(row).execute();
    if (lines.length) await trx.insertInto('wholesale_order_line_items').values(lines).execute();
    const order = toWholesaleOrder(row, lines, []);
    await recordEvent(trx, ctx, 'wholesale_order.created', order);
    return order;
  });
}

interface CommandState {
  row: WholesaleOrdersTable;
  lines: WholesaleOrderLineItemsTable[];
  /** Lines whose row changed and must be written. */
  changedLines: Set<WholesaleOrderLineItemsTable>;
}

/**
 * Runs one command on a wholesale order: one transaction, the order locked first (then, through
 * the ledger, its items in id order), If-Match checked, the transition checked against the table,
 * then `change` edits the state (and may name the action that decides the final status, for ship),
 * and the order, its changed lines and the event are written.
 */
async function wholesaleCommand<T = WholesaleOrder>(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected: ExpectedVersion,
  action: WholesaleOrderAction,
  change: (trx: Trx, state: CommandState) => Promise<WholesaleOrderAction | void>,
  answer?: (order: WholesaleOrder, state: CommandState) => T,
): Promise<T> {
  return inTransaction(db, async (trx) => {
    const id = await orderIdOf(trx, idOrNumber);
    const locked = await lockRecord(trx, 'wholesale_orders', 'wholesale order', id, expected);
    wholesaleOrderMachine.transition(action, locked.status);
    const lines = await linesOf(trx, [id]);
    const before = (await render(trx, [locked]))[0];
    const state: CommandState = { row: { ...locked }, lines, changedLines: new Set() };
    const finalAction = (await change(trx, state)) ?? action;
    const { to, event } = wholesaleOrderMachine.transition(finalAction, locked.status);
    const now = nowIso();
    state.row.status = to;
    state.row.version = locked.version + 1;
    state.row.updated_at = now;
    state.row.search_text = searchText(state.row);
    const { id: _id, ...columns } = state.row;
    await trx.updateTable('wholesale_orders').set(columns).where('id', '=', id).execute();
    for (const line of state.changedLines) {
      const { id: lineId, ...lineColumns } = line;
      await trx.updateTable('wholesale_order_line_items').set(lineColumns).where('id', '=', lineId).execute();
    }
    const after = (await render(trx, [state.row]))[0];
    await recordEvent(trx, ctx, event, after, changedAttributes(before, after));
    return answer ? answer(after, state) : (after as T);
  });
}

function retotal(state: CommandState): void {
  const totals = computeWholesaleTotals(state.lines);
  state.row.subtotal = totals.subtotal;
  state.row.total = totals.total;
}

export async function updateWholesaleOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: UpdateWholesaleOrderInput,
  expected?: ExpectedVersion,
): Promise<WholesaleOrder> {
  return wholesaleCommand(db, ctx, idOrNumber, expected, 'update', async (trx, { row }) => {
    if (input.po_number !== undefined) row.po_number = input.po_number;
    if (input.payment_terms !== undefined) row.payment_terms = input.payment_terms;
    if (input.location_id !== undefined)
      row.location_id = input.location_id ? await resolveLocationId(trx, input.location_id, 'location_id') : null;
    if (input.requested_delivery_date !== undefined) row.requested_delivery_date = input.requested_delivery_date;
    if (input.memo !== undefined) row.memo = input.memo;
    row.metadata = toJson(mergeMetadata(parseJson(row.metadata, {}), input.metadata));
  });
}

/** Deletes a draft (nothing reserved, shipped or invoiced yet); any other status is a 409. */
export async function deleteWholesaleOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    const id = await orderIdOf(trx, idOrNumber);
    const row = await lockRecord(trx, 'wholesale_orders', 'wholesale order', id, expected);
    const { event } = wholesaleOrderMachine.transition('delete', row.status);
    const order = (await render(trx, [row]))[0];
    await trx.deleteFrom('wholesale_order_line_items').where('wholesale_order_id', '=', id).execute();
    await trx.deleteFrom('wholesale_orders').where('id', '=', id).execute();
    await recordEvent(trx, ctx, event, order);
    return { id, object: 'wholesale_order' as const, deleted: true as const };
  });
}

export async function submitWholesaleOrder(db: DB, ctx: RequestContext, idOrNumber: string, expected?: number) {
  return wholesaleCommand(db, ctx, idOrNumber, expected, 'submit', async (_trx, { row, lines }) => {
    if (lines.length === 0)
      throw new ConflictError(
        'no_line_items',
        `Wholesale order ${row.wholesale_order_number} has no line items to submit.`,
      );
    row.submitted_at = nowIso();
  });
}

/**
 * Approves a submitted order: every line's stock is reserved through the ledger, all or none (409
 * insufficient_inventory listing each shortage and where else the SKU is). Each line fills from
 * the order's location, else by the allocation rule orders use.
 */
export async function approveWholesaleOrder(db: DB, ctx: RequestContext, idOrNumber: string, expected?: number) {
  return wholesaleCommand(db, ctx, idOrNumber, expected, 'approve', async (trx, state) => {
    const { row, lines } = state;
    const stock = await lookUpStock(
      trx,
      lines.map((l) => ({ sku: l.sku, quantity: Number(l.quantity) })),
      { location: (i) => `line_items[${i}].location_id`, sku: (i) => `line_items[${i}].sku` },
      row.location_id ? { idOrCode: row.location_id, path: 'location_id' } : null,
    );
    const now = nowIso();
    lines.forEach((line, i) => {
      line.location_id = stock.locations[i];
      line.updated_at = now;
      state.changedLines.add(line);
    });
    await reserveForDocument(
      trx,
      ctx,
      documentOf(row.id),
      lines.map((l) => ({
        lineId: l.id,
        sku: l.sku,
        locationId: l.location_id!,
        quantity: Number(l.quantity),
        itemId: itemIdOf(stock, l.sku, l.location_id!),
      })),
      stock,
    );
    row.approved_at = now;
  });
}

/** The line a ship request names: by id, or by SKU when exactly one line has it. */
function resolveShipLine(
  lines: WholesaleOrderLineItemsTable[],
  ref: { id?: string; sku?: string },
  index: number,
): WholesaleOrderLineItemsTable {
  const path = `line_items[${index}]`;
  if (ref.id !== undefined) {
    const line = lines.find((l) => l.id === ref.id);
    if (!line) throw new NotFoundError('wholesale order line item', ref.id, `${path}.id`);
    return line;
  }
  const matches = lines.filter((l) => l.sku === ref.sku);
  if (matches.length === 1) return matches[0];
  throw new ValidationError(
    matches.length === 0
      ? `No line of this order has SKU "${ref.sku}".`
      : `${matches.length} lines have SKU "${ref.sku}"; name the line by its id.`,
    [
      {
        path: `${path}.sku`,
        code: matches.length === 0 ? 'resource_missing' : 'ambiguous_sku',
        message: 'Name one line',
      },
    ],
  );
}

/**
 * Ships the lines given (or all that remains): consumes their reservations through the ledger
 * (a `shipment` movement lowers on_hand), records a wholesale shipment, and moves the order to
 * partially_shipped or shipped.
 */
export async function shipWholesaleOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: ShipWholesaleOrderInput,
  expected?: number,
) {
  return wholesaleCommand(db, ctx, idOrNumber, expected, 'ship', async (trx, state) => {
    const { row, lines } = state;
    const plan = new Map<WholesaleOrderLineItemsTable, number>();
    if (input?.line_items) {
      input.line_items.forEach((ref, i) => {
        const line = resolveShipLine(lines, ref, i);
        plan.set(line, (plan.get(line) ?? 0) + ref.quantity);
      });
    } else {
      for (const line of lines) {
        const left = Number(line.quantity) - Number(line.quantity_shipped);
        if (left > 0) plan.set(line, left);
      }
    }
    if (plan.size === 0) throw new ConflictError('nothing_to_ship', 'Every line of this order has shipped already.');
    for (const [line, quantity] of plan) {
      const left = Number(line.quantity) - Number(line.quantity_shipped);
      if (quantity > left)
        throw new ConflictError(
          'quantity_exceeds_remaining',
          `Line ${line.id} (${line.sku}) has ${left} unit(s) left to ship; ${quantity} requested.`,
          { line_item_id: line.id, remaining: left, requested: quantity },
        );
    }
    const reservations = await activeReservations(trx, documentOf(row.id));
    const itemOfLine = new Map(reservations.map((r) => [r.reference_line_id, r.inventory_item_id]));
    const now = nowIso();
    // Items in id order, the global lock order (src/db/transaction.ts).
    for (const [line, quantity] of inItemOrder([...plan], ([l]) => itemOfLine.get(l.id))) {
      await consume(trx, ctx, reservations, line.id, quantity, { ...documentOf(row.id), line_id: line.id }, 'shipment');
      line.quantity_shipped = Number(line.quantity_shipped) + quantity;
      line.updated_at = now;
      state.changedLines.add(line);
    }
    await trx
      .insertInto('wholesale_shipments')
      .values({
        id: newId('shp'),
        wholesale_order_id: row.id,
        carrier: input?.carrier ?? null,
        tracking_number: input?.tracking_number ?? null,
        line_items: toJson(
          lines
            .filter((l) => plan.has(l))
            .map((l) => ({ wholesale_order_line_item_id: l.id, sku: l.sku, quantity: plan.get(l)! })),
        ),
        shipped_at: now,
        created_at: now,
      })
      .execute();
    const complete = lines.every((l) => Number(l.quantity_shipped) === Number(l.quantity));
    row.fulfillment_status = complete ? 'shipped' : 'partially_shipped';
    if (complete) row.shipped_at = now;
    return complete ? 'ship' : 'ship_partially';
  });
}

/** Invoices a shipped order: an INV number, issued_at (now unless given, never in the future) and due_at from the terms. */
export async function invoiceWholesaleOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: { issued_at?: string } | null | undefined,
  expected?: number,
) {
  const now = nowIso();
  const issuedAt = input?.issued_at ?? now;
  if (issuedAt > now)
    throw new ValidationError('issued_at cannot be in the future.', [
      { path: 'issued_at', code: 'too_big', message: 'issued_at must not be later than now' },
    ]);
  return wholesaleCommand(db, ctx, idOrNumber, expected, 'invoice', async (trx, { row }) => {
    row.invoice_number = formatNumber('INV', await nextNumber(trx, 'wholesale_invoice'));
    row.invoice_issued_at = issuedAt;
    row.due_at = dueDate(issuedAt, row.payment_terms);
    row.financial_status = 'invoiced';
  });
}

/** Records the payment of an invoiced order (the whole total): financial_status paid. */
export async function payWholesaleOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: { amount?: number; method?: string | null; reference?: string | null } | null | undefined,
  expected?: number,
) {
  return wholesaleCommand(db, ctx, idOrNumber, expected, 'pay', async (_trx, { row }) => {
    const due = Number(row.total) - Number(row.paid_total);
    if (input?.amount !== undefined && input.amount !== due)
      throw new ValidationError(`amount must be the amount due, ${due} cents (got ${input.amount}).`, [
        { path: 'amount', code: 'amount_mismatch', message: `Must be ${due}` },
      ]);
    row.paid_total = Number(row.total);
    row.payment_method = input?.method ?? null;
    row.payment_reference = input?.reference ?? null;
    row.paid_at = nowIso();
    row.financial_status = 'paid';
  });
}

/** Cancels an order before anything ships, releasing whatever it reserved. */
export async function cancelWholesaleOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: { reason?: string | null } | null | undefined,
  expected?: number,
) {
  return wholesaleCommand(db, ctx, idOrNumber, expected, 'cancel', async (trx, { row }) => {
    await releaseByReference(trx, ctx, documentOf(row.id));
    row.cancel_reason = input?.reason ?? null;
    row.cancelled_at = nowIso();
  });
}

// ---------------------------------------------------------------- line items

export const wholesaleLineListSpec: ListSpec = {
  table: 'wholesale_order_line_items',
  filters: {
    wholesale_order_id: { kind: 'exact', column: 'wholesale_order_id' },
    sku: { kind: 'exact', column: 'sku' },
  },
};

export async function listWholesaleLines(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<WholesaleOrderLineItemsTable>(db, wholesaleLineListSpec, query), toWholesaleLine);
}

async function lineRow(db: Executor, id: string): Promise<WholesaleOrderLineItemsTable> {
  const line = await db.selectFrom('wholesale_order_line_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!line) throw new NotFoundError('wholesale order line item', id);
  return line;
}

export async function getWholesaleLine(db: Executor, id: string): Promise<WholesaleOrderLineItem> {
  return toWholesaleLine(await lineRow(db, id));
}

/** Adds a line to a draft or submitted order and recomputes its totals. */
export async function addWholesaleLine(
  db: DB,
  ctx: RequestContext,
  input: WholesaleLineInput & { wholesale_order_id: string },
): Promise<WholesaleOrderLineItem> {
  const orderId = await mustExist(
    orderIdOf(db, input.wholesale_order_id),
    'wholesale order',
    input.wholesale_order_id,
    'wholesale_order_id',
  );
  let added: WholesaleOrderLineItemsTable | undefined;
  try {
    return await wholesaleCommand(
      db,
      ctx,
      orderId,
      undefined,
      'edit_lines',
      async (trx, state) => {
        added = newLine(state.row.id, input, 'line_items', nowIso());
        await trx.insertInto('wholesale_order_line_items').values(added).execute();
        state.lines.push(added);
        retotal(state);
      },
      () => toWholesaleLine(added!),
    );
  } catch (err) {
    if (err instanceof NotFoundError && !added)
      throw new NotFoundError('wholesale order', input.wholesale_order_id, 'wholesale_order_id');
    throw err;
  }
}

/** Changes a line (quantity, price, breaks, name) while its order is draft or submitted. */
export async function updateWholesaleLine(
  db: DB,
  ctx: RequestContext,
  lineId: string,
  input: UpdateWholesaleLineInput,
): Promise<WholesaleOrderLineItem> {
  const { wholesale_order_id } = await lineRow(db, lineId);
  return wholesaleCommand(
    db,
    ctx,
    wholesale_order_id,
    undefined,
    'edit_lines',
    async (_trx, state) => {
      const line = state.lines.find((l) => l.id === lineId);
      if (!line) throw new NotFoundError('wholesale order line item', lineId);
      if (input.name !== undefined) line.name = input.name;
      if (input.quantity !== undefined) line.quantity = input.quantity;
      if (input.unit_price !== undefined) line.unit_price = input.unit_price;
      if (input.price_breaks !== undefined)
        line.price_breaks = toJson([...input.price_breaks].sort((a, b) => a.min_quantity - b.min_quantity));
      const price = priceLine(
        Number(line.quantity),
        Number(line.unit_price),
        parseJson<PriceBreak[]>(line.price_breaks, []),
        'quantity',
      );
      line.effective_unit_price = price.effective_unit_price;
      line.total = price.total;
      line.updated_at = nowIso();
      state.changedLines.add(line);
      retotal(state);
    },
    (order) => order.line_items.find((l) => l.id === lineId)!,
  );
}

/** Removes a line while its order is draft or submitted (a submitted order keeps at least one). */
export async function deleteWholesaleLine(db: DB, ctx: RequestContext, lineId: string) {
  const { wholesale_order_id } = await lineRow(db, lineId);
  return wholesaleCommand(
    db,
    ctx,
    wholesale_order_id,
    undefined,
    'edit_lines',
    async (trx, state) => {
      const index = state.lines.findIndex((l) => l.id === lineId);
      if (index < 0) throw new NotFoundError('wholesale order line item', lineId);
      if (state.row.status === 'submitted' && state.lines.length === 1)
        throw new ConflictError('last_line_item', 'A submitted wholesale order keeps at least one line item.');
      await trx.deleteFrom('wholesale_order_line_items').where('id', '=', lineId).execute();
      state.lines.splice(index, 1);
      retotal(state);
    },
    () => ({ id: lineId, object: 'wholesale_order_line_item' as const, deleted: true as const }),
  );
}
