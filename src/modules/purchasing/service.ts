import type { DB, Executor, Trx } from '../../db/connection.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import {
  adjustIncoming,
  defaultLocationId,
  findOrCreateItem,
  getInventoryItem,
  inItemOrder,
  receiveStock,
  resolveLocationId,
} from '../inventory/index.js';
import {
  PURCHASE_ORDER_STATUSES,
  type CreatePurchaseOrderInput,
  type PurchaseOrder,
  type PurchaseOrderLineItem,
  type UpdatePurchaseOrderInput,
} from './schemas.js';
import { findSupplierRow } from './suppliers.js';
import type { PurchaseOrderLineItemsTable, PurchaseOrdersTable } from './tables.js';
import { purchaseOrderMachine, type PurchaseOrderAction } from './transitions.js';

const openQuantity = (l: Pick<PurchaseOrderLineItemsTable, 'quantity_ordered' | 'quantity_received'>) =>
  Math.max(0, Number(l.quantity_ordered) - Number(l.quantity_received));

export function toPurchaseOrderLine(l: PurchaseOrderLineItemsTable): PurchaseOrderLineItem {
  return {
    id: l.id,
    object: 'purchase_order_line_item',
    purchase_order_id: l.purchase_order_id,
    sku: l.sku,
    description: l.description,
    quantity_ordered: Number(l.quantity_ordered),
    quantity_received: Number(l.quantity_received),
    quantity_open: openQuantity(l),
    unit_cost: Number(l.unit_cost),
    total: Number(l.total),
    inventory_item_id: l.inventory_item_id,
    created_at: l.created_at,
    updated_at: l.updated_at,
  };
}

export function toPurchaseOrder(row: PurchaseOrdersTable, lines: PurchaseOrderLineItemsTable[]): PurchaseOrder {
  return {
    id: row.id,
    object: 'purchase_order',
    po_number: row.po_number,
    supplier_id: row.supplier_id,
    location_id: row.location_id,
    status: row.status,
    order_date: row.order_date,
    expected_date: row.expected_date,
    currency: row.currency,
    line_items: lines.map(toPurchaseOrderLine),
    totals: {
      subtotal: Number(row.subtotal),
      tax: Number(row.tax),
      shipping: Number(row.shipping),
      total: Number(row.total),
    },
    financed: row.financer && row.financed_at ? { financer: row.financer, financed_at: row.financed_at } : null,
    notes: row.notes,
    submitted_at: row.submitted_at,
    approved_at: row.approved_at,
    received_at: row.received_at,
    completed_at: row.completed_at,
    cancelled_at: row.cancelled_at,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const isPoNumber = (v: string) => /^PO-\d+$/i.test(v);

/** The purchase order's id for an id or a PO number (PO-000001); 404 naming `param` when unknown. */
export async function resolvePurchaseOrderId(db: Executor, idOrNumber: string, param = 'id'): Promise<string> {
  const row = await db
    .selectFrom('purchase_orders')
    .select('id')
    .where(
      isPoNumber(idOrNumber) ? 'po_number' : 'id',
      '=',
      isPoNumber(idOrNumber) ? idOrNumber.toUpperCase() : idOrNumber,
    )
    .executeTakeFirst();
  if (!row) throw new NotFoundError('purchase order', idOrNumber, param);
  return row.id;
}

async function linesOf(db: Executor, ids: string[]): Promise<PurchaseOrderLineItemsTable[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('purchase_order_line_items')
    .selectAll()
    .where('purchase_order_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function getPurchaseOrder(db: Executor, idOrNumber: string): Promise<PurchaseOrder> {
  const id = await resolvePurchaseOrderId(db, idOrNumber);
  const row = await db.selectFrom('purchase_orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return toPurchaseOrder(row, await linesOf(db, [id]));
}

export const purchaseOrderListSpec: ListSpec = {
  table: 'purchase_orders',
  sortable: ['updated_at', 'expected_date', 'total'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: PURCHASE_ORDER_STATUSES },
    supplier_id: { kind: 'exact', column: 'supplier_id' },
    location_id: { kind: 'exact', column: 'location_id' },
    po_number: { kind: 'exact', column: 'po_number', normalize: (v) => v.toUpperCase() },
    total: { kind: 'range', column: 'total' },
  },
};

export async function listPurchaseOrders(db: DB, query: Record<string, unknown>) {
  const result = await runList<PurchaseOrdersTable>(db, purchaseOrderListSpec, query);
  const lines = await linesOf(
    db,
    result.rows.map((r) => r.id),
  );
  return toEnvelope(result, (r) =>
    toPurchaseOrder(
      r,
      lines.filter((l) => l.purchase_order_id === r.id),
    ),
  );
}

function newLine(
  purchaseOrderId: string,
  l: { sku: string; description?: string | null; quantity_ordered: number; unit_cost: number },
  now: string,
): PurchaseOrderLineItemsTable {
  return {
    id: newId('pol'),
    purchase_order_id: purchaseOrderId,
    sku: l.sku,
    description: l.description ?? null,
    quantity_ordered: l.quantity_ordered,
    quantity_received: 0,
    unit_cost: l.unit_cost,
    total: l.quantity_ordered * l.unit_cost,
    inventory_item_id: null,
    created_at: now,
    updated_at: now,
  };
}

function totalsOf(lines: PurchaseOrderLineItemsTable[], tax: number, shipping: number) {
  const subtotal = lines.reduce((n, l) => n + Number(l.total), 0);
  return { subtotal, tax, shipping, total: subtotal + tax + shipping };
}

export async function createPurchaseOrder(
  db: DB,
  ctx: RequestContext,
  input: CreatePurchaseOrderInput,
): Promise<PurchaseOrder> {
  return inTransaction(db, (trx) => insertPurchaseOrder(trx, ctx, input));
}

/** Creates a draft purchase order inside the caller's transaction (planning applies plans with it). */
export async function insertPurchaseOrder(
  trx: Trx,
  ctx: RequestContext,
  input: CreatePurchaseOrderInput,
): Promise<PurchaseOrder> {
  const supplier = await findSupplierRow(trx, input.supplier_id, 'supplier_id');
  if (supplier.status !== 'active')
    throw new ConflictError(
      'supplier_inactive',
      `Supplier ${supplier.id} is inactive; activate it before ordering from it.`,
      undefined,
      'supplier_id',
    );
  const locationId = input.location_id
    ? await resolveLocationId(trx, input.location_id, 'location_id')
    : await defaultLocationId(trx);
  const now = nowIso();
  const id = newId('po');
  const lines = input.line_items.map((l) => newLine(id, l, now));
  const row: PurchaseOrdersTable = {
    id,
    po_number: formatNumber('PO', await nextNumber(trx, 'purchase_order')),
    supplier_id: supplier.id,
    location_id: locationId,
    status: 'draft',
    order_date: input.order_date ?? null,
    expected_date: input.expected_date ?? null,
    currency: input.currency ?? 'USD',
    ...totalsOf(lines, input.tax ?? 0, input.shipping ?? 0),
    financer: null,
    financed_at: null,
    notes: input.notes ?? null,
    submitted_at: null,
    approved_at: null,
    received_at: null,
    completed_at: null,
    cancelled_at: null,
    metadata: toJson(input.metadata ?? {}),
    version: 1,
    created_at: now,
    updated_at: now,
  };
  await trx.insertInto('purchase_orders').values(row).execute();
  if (lines.length) await trx.insertInto('purchase_order_line_items').values(lines).execute();
  const order = toPurchaseOrder(row, lines);
  await recordEvent(trx, ctx, 'purchase_order.created', order);
  return order;
}

/** The order locked for a command, with its lines; the transition is checked by the caller. */
async function lockPurchaseOrder(trx: Trx, idOrNumber: string, expected: ExpectedVersion) {
  const id = await resolvePurchaseOrderId(trx, idOrNumber);
  const row = await lockRecord(trx, 'purchase_orders', 'purchase order', id, expected);
  return { row, lines: await linesOf(trx, [id]) };
}

/**
 * Writes the order's changed columns with the version bumped and the totals recomputed from its
 * lines as they now are, and records `event` with what changed.
 */
async function savePurchaseOrder(
  trx: Trx,
  ctx: RequestContext,
  before: PurchaseOrder,
  row: PurchaseOrdersTable,
  changes: Partial<PurchaseOrdersTable>,
  event: string,
): Promise<PurchaseOrder> {
  const lines = await linesOf(trx, [row.id]);
  const next: PurchaseOrdersTable = {
    ...row,
    ...changes,
    ...totalsOf(lines, Number(changes.tax ?? row.tax), Number(changes.shipping ?? row.shipping)),
    version: row.version + 1,
    updated_at: nowIso(),
  };
  const { id: _id, ...columns } = next;
  await trx.updateTable('purchase_orders').set(columns).where('id', '=', row.id).execute();
  const after = toPurchaseOrder(next, lines);
  await recordEvent(
    trx,
    ctx,
    event,
    after,
    changedAttributes(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>),
  );
  return after;
}

export async function updatePurchaseOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: UpdatePurchaseOrderInput,
  expected?: ExpectedVersion,
): Promise<PurchaseOrder> {
  return inTransaction(db, async (trx) => {
    const { row, lines } = await lockPurchaseOrder(trx, idOrNumber, expected);
    const before = toPurchaseOrder(row, lines);
    const money =
      (input.tax !== undefined && input.tax !== before.totals.tax) ||
      (input.shipping !== undefined && input.shipping !== before.totals.shipping);
    const { event } = purchaseOrderMachine.transition(money ? 'edit_lines' : 'update', row.status);
    const changes: Partial<PurchaseOrdersTable> = {
      metadata: toJson(mergeMetadata(before.metadata, input.metadata)),
    };
    if (input.order_date !== undefined) changes.order_date = input.order_date;
    if (input.expected_date !== undefined) changes.expected_date = input.expected_date;
    if (input.notes !== undefined) changes.notes = input.notes;
    if (input.tax !== undefined) changes.tax = input.tax;
    if (input.shipping !== undefined) changes.shipping = input.shipping;
    const unchanged = Object.entries(changes).every(([k, v]) => (row as any)[k] === v || Number((row as any)[k]) === v);
    if (unchanged) return before;
    return savePurchaseOrder(trx, ctx, before, row, changes, event);
  });
}

export async function deletePurchaseOrder(db: DB, ctx: RequestContext, idOrNumber: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const { row, lines } = await lockPurchaseOrder(trx, idOrNumber, expected);
    const { event } = purchaseOrderMachine.transition('delete', row.status);
    const packed = await trx
      .selectFrom('packing_lists')
      .select('id')
      .where('purchase_order_id', '=', row.id)
      .executeTakeFirst();
    if (packed)
      throw new ConflictError(
        'purchase_order_in_use',
        `Purchase order ${row.po_number} has packing list ${packed.id}; cancel the order instead.`,
      );
    await trx.deleteFrom('purchase_order_line_items').where('purchase_order_id', '=', row.id).execute();
    await trx.deleteFrom('purchase_orders').where('id', '=', row.id).execute();
    await recordEvent(trx, ctx, event, toPurchaseOrder(row, lines));
    return { id: row.id, object: 'purchase_order' as const, deleted: true as const };
  });
}

/** Takes the open quantities of the order's approved lines off their items' incoming. */
async function releaseIncoming(trx: Trx, lines: PurchaseOrderLineItemsTable[]): Promise<void> {
  for (const line of inItemOrder(lines, (l) => l.inventory_item_id ?? undefined))
    if (line.inventory_item_id) await adjustIncoming(trx, line.inventory_item_id, -openQuantity(line));
}

/** submit, approve, finance, complete and cancel: a transition and what it does to stock. */
export async function purchaseOrderAction(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  action: Extract<PurchaseOrderAction, 'submit' | 'approve' | 'finance' | 'complete' | 'cancel'>,
  input: { financer?: string } = {},
  expected?: ExpectedVersion,
): Promise<PurchaseOrder> {
  return inTransaction(db, async (trx) => {
    const { row, lines } = await lockPurchaseOrder(trx, idOrNumber, expected);
    const before = toPurchaseOrder(row, lines);
    const { to, event } = purchaseOrderMachine.transition(action, row.status);
    const now = nowIso();
    const changes: Partial<PurchaseOrdersTable> = { status: to };
    if (action === 'submit') {
      if (lines.length === 0)
        throw new ConflictError('purchase_order_empty', `Purchase order ${row.po_number} has no line items to submit.`);
      changes.submitted_at = now;
      changes.order_date = row.order_date ?? now;
    } else if (action === 'approve') {
      changes.approved_at = now;
      // Each line's SKU gets an item at the ship-to location (created when missing) whose incoming
      // counts the line's open quantity until it is received, completed or cancelled.
      const items = new Map<string, string>();
      for (const line of lines) {
        if (!items.has(line.sku)) {
          const item = await findOrCreateItem(trx, line.sku, row.location_id, {
            description: line.description,
            unit_cost: Number(line.unit_cost),
          });
          if (item.created) await recordEvent(trx, ctx, 'inventory_item.created', await getInventoryItem(trx, item.id));
          items.set(line.sku, item.id);
        }
        line.inventory_item_id = items.get(line.sku)!;
        await trx
          .updateTable('purchase_order_line_items')
          .set({ inventory_item_id: line.inventory_item_id, updated_at: now })
          .where('id', '=', line.id)
          .execute();
      }
      for (const line of inItemOrder(lines, (l) => l.inventory_item_id ?? undefined))
        await adjustIncoming(trx, line.inventory_item_id!, openQuantity(line));
    } else if (action === 'finance') {
      if (row.financer)
        throw new ConflictError(
          'already_financed',
          `Purchase order ${row.po_number} is already financed by ${row.financer}.`,
        );
      changes.financer = input.financer!;
      changes.financed_at = now;
    } else if (action === 'complete') {
      await releaseIncoming(trx, lines);
      changes.completed_at = now;
    } else if (action === 'cancel') {
      if (row.status === 'approved') await releaseIncoming(trx, lines);
      changes.cancelled_at = now;
    }
    return savePurchaseOrder(trx, ctx, before, row, changes, event);
  });
}

export interface LineReceipt {
  /** The line's id, or its SKU when exactly one line of the order has it. */
  id: string;
  quantity: number;
  location_id?: string;
}

export interface ReceiptOptions {
  allow_over_receipt?: boolean;
  expected?: ExpectedVersion;
  /** What brought the units in (a packing list), noted on the movements. */
  note?: string;
}

function resolvePoLine(lines: PurchaseOrderLineItemsTable[], ref: string, path: string): PurchaseOrderLineItemsTable {
  const byId = lines.find((l) => l.id === ref);
  if (byId) return byId;
  const bySku = lines.filter((l) => l.sku === ref);
  if (bySku.length === 1) return bySku[0];
  if (bySku.length > 1)
    throw new ValidationError(`Several lines have SKU ${ref}; name the line by its id.`, [
      { path, message: 'Ambiguous SKU: use the pol_... id' },
    ]);
  throw new NotFoundError('purchase order line item', ref, path);
}

/**
 * Receives units against a purchase order inside the caller's transaction (the receive action, and
 * packing lists' arrive): each line's quantity_received rises by a conditional update that refuses
 * to pass quantity_ordered unless over-receipt is allowed, so parallel receipts never over-receive;
 * a `receipt` movement referencing the line raises on_hand at the receiving location, with the
 * line's unit cost averaged into the item's; incoming falls by what was still open.
 */
export async function receiveAgainstPurchaseOrder(
  trx: Trx,
  ctx: RequestContext,
  idOrNumber: string,
  receipts: LineReceipt[],
  options: ReceiptOptions = {},
): Promise<PurchaseOrder> {
  const { row, lines } = await lockPurchaseOrder(trx, idOrNumber, options.expected);
  const before = toPurchaseOrder(row, lines);
  purchaseOrderMachine.transition('receive', row.status);
  const resolved: Array<{ line: PurchaseOrderLineItemsTable; quantity: number; locationId: string }> = [];
  for (const [i, r] of receipts.entries()) {
    const line = resolvePoLine(lines, r.id, `line_items[${i}].id`);
    const locationId = r.location_id
      ? await resolveLocationId(trx, r.location_id, `line_items[${i}].location_id`)
      : row.location_id;
    resolved.push({ line, quantity: r.quantity, locationId });
  }
  const now = nowIso();
  // Lines first (this order's rows, locked through the order), then stock in item order.
  const stock: Array<{ itemId: string; line: PurchaseOrderLineItemsTable; quantity: number; incomingDrop: number }> =
    [];
  for (const { line, quantity, locationId } of resolved) {
    let update = trx
      .updateTable('purchase_order_line_items')
      .set((eb) => ({ quantity_received: eb('quantity_received', '+', quantity), updated_at: now }))
      .where('id', '=', line.id);
    if (!options.allow_over_receipt)
      update = update.where((eb) => eb(eb('quantity_received', '+', quantity), '<=', eb.ref('quantity_ordered')));
    const after = await update.returning(['quantity_received', 'quantity_ordered']).executeTakeFirst();
    if (!after) {
      const current = await trx
        .selectFrom('purchase_order_line_items')
        .select(['quantity_received', 'quantity_ordered'])
        .where('id', '=', line.id)
        .executeTakeFirstOrThrow();
      const open = openQuantity(current);
      throw new ConflictError(
        'over_receipt',
        `Line ${line.id} (${line.sku}) expects ${open} more (ordered ${current.quantity_ordered}, received ${current.quantity_received}); receiving ${quantity} would over-receive. Send allow_over_receipt: true to accept it.`,
        { line_item_id: line.id, sku: line.sku, quantity_open: open, requested: quantity },
      );
    }
    const openBefore = Math.max(0, Number(after.quantity_ordered) - (Number(after.quantity_received) - quantity));
    const itemId =
      locationId === row.location_id && line.inventory_item_id
        ? line.inventory_item_id
        : await receivingItem(trx, ctx, line, locationId);
    stock.push({ itemId, line, quantity, incomingDrop: Math.min(quantity, openBefore) });
  }
  for (const s of inItemOrder(stock, (x) => x.itemId)) {
    await receiveStock(trx, ctx, {
      itemId: s.itemId,
      quantity: s.quantity,
      unitCost: Number(s.line.unit_cost),
      reference: { type: 'purchase_order', id: row.id, line_id: s.line.id },
      note: options.note,
    });
  }
  for (const s of inItemOrder(stock, (x) => x.line.inventory_item_id ?? undefined))
    if (s.line.inventory_item_id && s.incomingDrop > 0)
      await adjustIncoming(trx, s.line.inventory_item_id, -s.incomingDrop);
  const updated = await linesOf(trx, [row.id]);
  const allIn = updated.every((l) => Number(l.quantity_received) >= Number(l.quantity_ordered));
  const { to, event } = purchaseOrderMachine.transition(allIn ? 'receive_all' : 'receive', row.status);
  return savePurchaseOrder(trx, ctx, before, row, { status: to, received_at: allIn ? now : row.received_at }, event);
}

async function receivingItem(
  trx: Trx,
  ctx: RequestContext,
  line: PurchaseOrderLineItemsTable,
  locationId: string,
): Promise<string> {
  const item = await findOrCreateItem(trx, line.sku, locationId, { description: line.description });
  if (item.created) await recordEvent(trx, ctx, 'inventory_item.created', await getInventoryItem(trx, item.id));
  return item.id;
}

export async function receivePurchaseOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: { line_items: LineReceipt[]; allow_over_receipt?: boolean },
  expected?: ExpectedVersion,
): Promise<PurchaseOrder> {
  return inTransaction(db, (trx) =>
    receiveAgainstPurchaseOrder(trx, ctx, idOrNumber, input.line_items, {
      allow_over_receipt: input.allow_over_receipt,
      expected,
    }),
  );
}

// ------------------------------------------------------------------ lines as their own resource

export const purchaseOrderLineListSpec: ListSpec = {
  table: 'purchase_order_line_items',
  sortable: ['updated_at'],
  updatedRange: true,
  filters: {
    purchase_order_id: { kind: 'exact', column: 'purchase_order_id' },
    sku: { kind: 'exact', column: 'sku', multi: true },
    inventory_item_id: { kind: 'exact', column: 'inventory_item_id' },
  },
};

export async function listPurchaseOrderLines(db: DB, query: Record<string, unknown>) {
  return toEnvelope(
    await runList<PurchaseOrderLineItemsTable>(db, purchaseOrderLineListSpec, query),
    toPurchaseOrderLine,
  );
}

async function lineRow(db: Executor, id: string): Promise<PurchaseOrderLineItemsTable> {
  const row = await db.selectFrom('purchase_order_line_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('purchase order line item', id);
  return row;
}

export async function getPurchaseOrderLine(db: Executor, id: string): Promise<PurchaseOrderLineItem> {
  return toPurchaseOrderLine(await lineRow(db, id));
}

/** Adds, changes or removes a line of a draft order; answers the line (or its deletion). */
export async function createPurchaseOrderLine(
  db: DB,
  ctx: RequestContext,
  input: {
    purchase_order_id: string;
    sku: string;
    description?: string | null;
    quantity_ordered: number;
    unit_cost: number;
  },
): Promise<PurchaseOrderLineItem> {
  return inTransaction(db, async (trx) => {
    const poId = await resolvePurchaseOrderId(trx, input.purchase_order_id, 'purchase_order_id');
    const { row, lines } = await lockPurchaseOrder(trx, poId, undefined);
    const { event } = purchaseOrderMachine.transition('edit_lines', row.status);
    const line = newLine(row.id, input, nowIso());
    await trx.insertInto('purchase_order_line_items').values(line).execute();
    await savePurchaseOrder(trx, ctx, toPurchaseOrder(row, lines), row, {}, event);
    return toPurchaseOrderLine(line);
  });
}

export async function updatePurchaseOrderLine(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { description?: string | null; quantity_ordered?: number; unit_cost?: number },
): Promise<PurchaseOrderLineItem> {
  return inTransaction(db, async (trx) => {
    const existing = await lineRow(trx, id);
    const { row, lines } = await lockPurchaseOrder(trx, existing.purchase_order_id, undefined);
    const { event } = purchaseOrderMachine.transition('edit_lines', row.status);
    const quantity = input.quantity_ordered ?? Number(existing.quantity_ordered);
    const unitCost = input.unit_cost ?? Number(existing.unit_cost);
    const description = input.description !== undefined ? input.description : existing.description;
    if (
      quantity === Number(existing.quantity_ordered) &&
      unitCost === Number(existing.unit_cost) &&
      description === existing.description
    )
      return toPurchaseOrderLine(existing);
    const now = nowIso();
    await trx
      .updateTable('purchase_order_line_items')
      .set({
        quantity_ordered: quantity,
        unit_cost: unitCost,
        description,
        total: quantity * unitCost,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    await savePurchaseOrder(trx, ctx, toPurchaseOrder(row, lines), row, {}, event);
    return toPurchaseOrderLine(await lineRow(trx, id));
  });
}

export async function deletePurchaseOrderLine(db: DB, ctx: RequestContext, id: string) {
  return inTransaction(db, async (trx) => {
    const existing = await lineRow(trx, id);
    const { row, lines } = await lockPurchaseOrder(trx, existing.purchase_order_id, undefined);
    const { event } = purchaseOrderMachine.transition('edit_lines', row.status);
    await trx.deleteFrom('purchase_order_line_items').where('id', '=', id).execute();
    await savePurchaseOrder(trx, ctx, toPurchaseOrder(row, lines), row, {}, event);
    return { id, object: 'purchase_order_line_item' as const, deleted: true as const };
  });
}
