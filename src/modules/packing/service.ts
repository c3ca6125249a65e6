import type { DB, Executor, Trx } from '../../db/connection.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord, saveVersionedRow } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import { defaultLocationId, resolveLocationId } from '../inventory/index.js';
import { getOrder, getShipment } from '../orders/index.js';
import { getPurchaseOrder, receiveAgainstPurchaseOrder, type PurchaseOrder } from '../purchasing/index.js';
import {
  PACKING_LIST_DIRECTIONS,
  PACKING_LIST_STATUSES,
  type ArriveInput,
  type CreatePackingListInput,
  type CreatePackingListItemInput,
  type PackingList,
  type PackingListItem,
  type UpdatePackingListInput,
  type UpdatePackingListItemInput,
} from './schemas.js';
import type { PackingListItemsTable, PackingListsTable } from './tables.js';
import { packingListMachine, type PackingListAction } from './transitions.js';

export function toPackingListItem(i: PackingListItemsTable): PackingListItem {
  return {
    id: i.id,
    object: 'packing_list_item',
    packing_list_id: i.packing_list_id,
    sku: i.sku,
    description: i.description,
    quantity: Number(i.quantity),
    quantity_arrived: Number(i.quantity_arrived),
    arrived: Number(i.quantity_arrived) >= Number(i.quantity),
    purchase_order_line_item_id: i.purchase_order_line_item_id,
    order_line_item_id: i.order_line_item_id,
    created_at: i.created_at,
    updated_at: i.updated_at,
  };
}

export function toPackingList(row: PackingListsTable, items: PackingListItemsTable[]): PackingList {
  return {
    id: row.id,
    object: 'packing_list',
    packing_list_number: row.packing_list_number,
    direction: row.direction,
    purchase_order_id: row.purchase_order_id,
    order_id: row.order_id,
    shipment_id: row.shipment_id,
    location_id: row.location_id,
    status: row.status,
    carrier: row.carrier,
    tracking_number: row.tracking_number,
    ship_date: row.ship_date,
    delivery_date: row.delivery_date,
    invoice_number: row.invoice_number,
    notes: row.notes,
    line_items: items.map(toPackingListItem),
    submitted_at: row.submitted_at,
    shipped_at: row.shipped_at,
    arrived_at: row.arrived_at,
    verified_at: row.verified_at,
    cancelled_at: row.cancelled_at,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const isListNumber = (v: string) => /^PKL-\d+$/i.test(v);

async function resolvePackingListId(db: Executor, idOrNumber: string, param = 'id'): Promise<string> {
  const byNumber = isListNumber(idOrNumber);
  const row = await db
    .selectFrom('packing_lists')
    .select('id')
    .where(byNumber ? 'packing_list_number' : 'id', '=', byNumber ? idOrNumber.toUpperCase() : idOrNumber)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('packing list', idOrNumber, param);
  return row.id;
}

async function itemsOf(db: Executor, ids: string[]): Promise<PackingListItemsTable[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('packing_list_items')
    .selectAll()
    .where('packing_list_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function getPackingList(db: Executor, idOrNumber: string): Promise<PackingList> {
  const id = await resolvePackingListId(db, idOrNumber);
  const row = await db.selectFrom('packing_lists').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return toPackingList(row, await itemsOf(db, [id]));
}

export const packingListListSpec: ListSpec = {
  table: 'packing_lists',
  sortable: ['updated_at'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: PACKING_LIST_STATUSES },
    direction: { kind: 'exact', column: 'direction', values: PACKING_LIST_DIRECTIONS },
    purchase_order_id: { kind: 'exact', column: 'purchase_order_id' },
    order_id: { kind: 'exact', column: 'order_id' },
    shipment_id: { kind: 'exact', column: 'shipment_id' },
    location_id: { kind: 'exact', column: 'location_id' },
    tracking_number: { kind: 'exact', column: 'tracking_number' },
  },
};

export async function listPackingLists(db: DB, query: Record<string, unknown>) {
  const result = await runList<PackingListsTable>(db, packingListListSpec, query);
  const items = await itemsOf(
    db,
    result.rows.map((r) => r.id),
  );
  return toEnvelope(result, (r) =>
    toPackingList(
      r,
      items.filter((i) => i.packing_list_id === r.id),
    ),
  );
}

/** The purchase order line an inbound item names, by line id or by a SKU only one line has. */
function poLineFor(
  po: PurchaseOrder,
  ref: { purchase_order_line_item_id?: string; sku?: string },
  path: string,
): PurchaseOrder['line_items'][number] {
  if (ref.purchase_order_line_item_id) {
    const line = po.line_items.find((l) => l.id === ref.purchase_order_line_item_id);
    if (!line) throw new NotFoundError('purchase order line item', ref.purchase_order_line_item_id, path);
    if (ref.sku && ref.sku !== line.sku)
      throw new ValidationError(`Line ${line.id} is for ${line.sku}, not ${ref.sku}.`, [
        { path, message: 'SKU does not match the purchase order line' },
      ]);
    return line;
  }
  const bySku = po.line_items.filter((l) => l.sku === ref.sku);
  if (bySku.length === 1) return bySku[0];
  throw new ValidationError(
    ref.sku
      ? `Purchase order ${po.po_number} has ${bySku.length} lines for ${ref.sku}; name the line by purchase_order_line_item_id.`
      : 'An inbound item names its purchase order line: purchase_order_line_item_id or sku.',
    [{ path, message: 'Name the purchase order line' }],
  );
}

function newItem(
  listId: string,
  fields: Pick<PackingListItemsTable, 'sku' | 'description' | 'quantity'> &
    Partial<Pick<PackingListItemsTable, 'purchase_order_line_item_id' | 'order_line_item_id'>>,
  now: string,
): PackingListItemsTable {
  return {
    id: newId('pli'),
    packing_list_id: listId,
    sku: fields.sku,
    description: fields.description ?? null,
    quantity: fields.quantity,
    quantity_arrived: 0,
    purchase_order_line_item_id: fields.purchase_order_line_item_id ?? null,
    order_line_item_id: fields.order_line_item_id ?? null,
    created_at: now,
    updated_at: now,
  };
}

const RECEIVABLE = ['approved', 'partially_received'];

/**
 * Inbound: against an approved purchase order, its lines (or the items given) with what they
 * still expect. Outbound: the lines of an order's shipment, read through the orders module.
 */
export async function createPackingList(
  db: DB,
  ctx: RequestContext,
  input: CreatePackingListInput,
): Promise<PackingList> {
  return inTransaction(db, async (trx) => {
    const now = nowIso();
    const id = newId('pkl');
    let items: PackingListItemsTable[];
    let links: Pick<PackingListsTable, 'purchase_order_id' | 'order_id' | 'shipment_id' | 'location_id'>;
    if (input.direction === 'inbound') {
      if (!input.purchase_order_id || input.shipment_id || input.order_id)
        throw new ValidationError('An inbound packing list names a purchase_order_id (and no shipment or order).', [
          { path: 'purchase_order_id', message: 'Required for an inbound list' },
        ]);
      const po = await getPurchaseOrder(trx, input.purchase_order_id).catch((err) => {
        if (err instanceof NotFoundError)
          throw new NotFoundError('purchase order', input.purchase_order_id!, 'purchase_order_id');
        throw err;
      });
      if (!RECEIVABLE.includes(po.status))
        throw new ConflictError(
          'purchase_order_not_receivable',
          `Purchase order ${po.po_number} is ${po.status}; packing lists arrive against approved or partially received orders.`,
          undefined,
          'purchase_order_id',
        );
      items = input.line_items
        ? input.line_items.map((i, n) => {
            const line = poLineFor(po, i, `line_items[${n}]`);
            return newItem(
              id,
              {
                sku: line.sku,
                description: i.description ?? line.description,
                quantity: i.quantity,
                purchase_order_line_item_id: line.id,
              },
              now,
            );
          })
        : po.line_items
            .filter((l) => l.quantity_open > 0)
            .map((l) =>
              newItem(
                id,
                {
                  sku: l.sku,
                  description: l.description,
                  quantity: l.quantity_open,
                  purchase_order_line_item_id: l.id,
                },
                now,
              ),
            );
      if (items.length === 0)
        throw new ConflictError('nothing_to_pack', `Purchase order ${po.po_number} expects nothing more.`);
      links = {
        purchase_order_id: po.id,
        order_id: null,
        shipment_id: null,
        location_id: input.location_id
          ? await resolveLocationId(trx, input.location_id, 'location_id')
          : po.location_id,
      };
    } else {
      if (!input.shipment_id || input.purchase_order_id || input.line_items)
        throw new ValidationError(
          "An outbound packing list names a shipment_id and lists that shipment's lines (no purchase order, no line_items).",
          [{ path: 'shipment_id', message: 'Required for an outbound list' }],
        );
      const shipment = await getShipment(trx, input.shipment_id).catch((err) => {
        if (err instanceof NotFoundError) throw new NotFoundError('shipment', input.shipment_id!, 'shipment_id');
        throw err;
      });
      if (input.order_id) {
        const order = await getOrder(trx, input.order_id);
        if (order.id !== shipment.order_id)
          throw new ValidationError(`Shipment ${shipment.id} belongs to order ${shipment.order_id}, not ${order.id}.`, [
            { path: 'order_id', message: "Must be the shipment's order" },
          ]);
      }
      if (shipment.status === 'cancelled')
        throw new ConflictError(
          'shipment_cancelled',
          `Shipment ${shipment.id} is cancelled.`,
          undefined,
          'shipment_id',
        );
      items = (shipment.line_items as Array<{ order_line_item_id: string; sku: string; quantity: number }>).map((l) =>
        newItem(
          id,
          { sku: l.sku, description: null, quantity: l.quantity, order_line_item_id: l.order_line_item_id },
          now,
        ),
      );
      links = {
        purchase_order_id: null,
        order_id: shipment.order_id,
        shipment_id: shipment.id,
        location_id: input.location_id
          ? await resolveLocationId(trx, input.location_id, 'location_id')
          : (shipment.location_id ?? (await defaultLocationId(trx))),
      };
    }
    const row: PackingListsTable = {
      id,
      packing_list_number: formatNumber('PKL', await nextNumber(trx, 'packing_list')),
      direction: input.direction,
      ...links,
      status: 'draft',
      carrier: input.carrier ?? null,
      tracking_number: input.tracking_number ?? null,
      ship_date: input.ship_date ?? null,
      delivery_date: input.delivery_date ?? null,
      invoice_number: input.invoice_number ?? null,
      notes: input.notes ?? null,
      submitted_at: null,
      shipped_at: null,
      arrived_at: null,
      verified_at: null,
      cancelled_at: null,
      metadata: toJson(input.metadata ?? {}),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('packing_lists').values(row).execute();
    if (items.length) await trx.insertInto('packing_list_items').values(items).execute();
    const list = toPackingList(row, items);
    await recordEvent(trx, ctx, 'packing_list.created', list);
    return list;
  });
}

async function lockPackingList(trx: Trx, idOrNumber: string, expected: ExpectedVersion, param = 'id') {
  const id = await resolvePackingListId(trx, idOrNumber, param);
  const row = await lockRecord(trx, 'packing_lists', 'packing list', id, expected);
  return { row, items: await itemsOf(trx, [id]) };
}

async function savePackingList(
  trx: Trx,
  ctx: RequestContext,
  before: PackingList,
  row: PackingListsTable,
  changes: Partial<PackingListsTable>,
  event: string,
): Promise<PackingList> {
  const next = await saveVersionedRow(trx, 'packing_lists', row, changes);
  const after = toPackingList(next, await itemsOf(trx, [row.id]));
  await recordEvent(
    trx,
    ctx,
    event,
    after,
    changedAttributes(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>),
  );
  return after;
}

export async function updatePackingList(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: UpdatePackingListInput,
  expected?: ExpectedVersion,
): Promise<PackingList> {
  return inTransaction(db, async (trx) => {
    const { row, items } = await lockPackingList(trx, idOrNumber, expected);
    const before = toPackingList(row, items);
    const { event } = packingListMachine.transition('update', row.status);
    const changes: Partial<PackingListsTable> = {};
    for (const key of ['carrier', 'tracking_number', 'ship_date', 'delivery_date', 'invoice_number', 'notes'] as const)
      if (input[key] !== undefined) changes[key] = input[key];
    if (input.metadata !== undefined) changes.metadata = toJson(mergeMetadata(before.metadata, input.metadata));
    if (Object.entries(changes).every(([k, v]) => (row as any)[k] === v)) return before;
    return savePackingList(trx, ctx, before, row, changes, event);
  });
}

export async function deletePackingList(db: DB, ctx: RequestContext, idOrNumber: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const { row, items } = await lockPackingList(trx, idOrNumber, expected);
    const { event } = packingListMachine.transition('delete', row.status);
    await trx.deleteFrom('packing_list_items').where('packing_list_id', '=', row.id).execute();
    await trx.deleteFrom('packing_lists').where('id', '=', row.id).execute();
    await recordEvent(trx, ctx, event, toPackingList(row, items));
    return { id: row.id, object: 'packing_list' as const, deleted: true as const };
  });
}

function resolveItem(items: PackingListItemsTable[], ref: string, path: string): PackingListItemsTable {
  const byId = items.find((i) => i.id === ref);
  if (byId) return byId;
  const bySku = items.filter((i) => i.sku === ref);
  if (bySku.length === 1) return bySku[0];
  if (bySku.length > 1)
    throw new ValidationError(`Several items have SKU ${ref}; name the item by its id.`, [
      { path, message: 'Ambiguous SKU: use the pli_... id' },
    ]);
  throw new NotFoundError('packing list item', ref, path);
}

/** submit, ship, arrive, verify and cancel. */
export async function packingListAction(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  action: Extract<PackingListAction, 'submit' | 'ship' | 'arrive' | 'verify' | 'cancel'>,
  input: ArriveInput = {},
  expected?: ExpectedVersion,
): Promise<PackingList> {
  return inTransaction(db, async (trx) => {
    const { row, items } = await lockPackingList(trx, idOrNumber, expected);
    const before = toPackingList(row, items);
    let { to, event } = packingListMachine.transition(action, row.status);
    const now = nowIso();
    const changes: Partial<PackingListsTable> = {};
    if (action === 'submit') {
      if (items.length === 0)
        throw new ConflictError('packing_list_empty', `Packing list ${row.packing_list_number} has no items.`);
      changes.submitted_at = now;
    } else if (action === 'ship') {
      changes.shipped_at = now;
      changes.ship_date = row.ship_date ?? now;
    } else if (action === 'arrive') {
      ({ to, event } = await arrive(trx, ctx, row, items, input, now));
      if (to === 'arrived') {
        changes.arrived_at = now;
        changes.delivery_date = row.delivery_date ?? now;
      }
    } else if (action === 'verify') {
      changes.verified_at = now;
    } else if (action === 'cancel') {
      changes.cancelled_at = now;
    }
    changes.status = to;
    return savePackingList(trx, ctx, before, row, changes, event);
  });
}

/**
 * Records what arrived. Each item's quantity_arrived rises by a conditional update that cannot pass
 * its quantity, so the same units never arrive twice; an inbound list then receives them into
 * stock against its purchase order (purchasing's receive, in this transaction).
 */
async function arrive(
  trx: Trx,
  ctx: RequestContext,
  row: PackingListsTable,
  items: PackingListItemsTable[],
  input: ArriveInput,
  now: string,
) {
  const arrivals = input.line_items
    ? input.line_items.map((a, i) => ({ item: resolveItem(items, a.id, `line_items[${i}].id`), quantity: a.quantity }))
    : items
        .filter((i) => Number(i.quantity_arrived) < Number(i.quantity))
        .map((item) => ({ item, quantity: Number(item.quantity) - Number(item.quantity_arrived) }));
  if (arrivals.length === 0)
    throw new ConflictError('nothing_to_arrive', `Everything on packing list ${row.packing_list_number} has arrived.`);
  for (const { item, quantity } of arrivals) {
    const updated = await trx
      .updateTable('packing_list_items')
      .set((eb) => ({ quantity_arrived: eb('quantity_arrived', '+', quantity), updated_at: now }))
      .where('id', '=', item.id)
      .where((eb) => eb(eb('quantity_arrived', '+', quantity), '<=', eb.ref('quantity')))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      const current = await trx
        .selectFrom('packing_list_items')
        .select(['quantity', 'quantity_arrived'])
        .where('id', '=', item.id)
        .executeTakeFirstOrThrow();
      const left = Number(current.quantity) - Number(current.quantity_arrived);
      throw new ConflictError(
        'over_arrival',
        `Item ${item.id} (${item.sku}) expects ${left} more (listed ${current.quantity}, arrived ${current.quantity_arrived}); ${quantity} cannot arrive.`,
        { item_id: item.id, sku: item.sku, quantity_left: left, requested: quantity },
      );
    }
  }
  if (row.direction === 'inbound' && row.purchase_order_id) {
    await receiveAgainstPurchaseOrder(
      trx,
      ctx,
      row.purchase_order_id,
      arrivals.map(({ item, quantity }) => ({
        id: item.purchase_order_line_item_id!,
        quantity,
        location_id: row.location_id,
      })),
      { note: `Packing list ${row.packing_list_number}` },
    );
  }
  const after = await itemsOf(trx, [row.id]);
  const all = after.every((i) => Number(i.quantity_arrived) >= Number(i.quantity));
  return packingListMachine.transition(all ? 'arrive_all' : 'arrive', row.status);
}

// ------------------------------------------------------------------ items as their own resource

export const packingListItemListSpec: ListSpec = {
  table: 'packing_list_items',
  sortable: ['updated_at'],
  updatedRange: true,
  filters: {
    packing_list_id: { kind: 'exact', column: 'packing_list_id' },
    sku: { kind: 'exact', column: 'sku', multi: true },
    purchase_order_line_item_id: { kind: 'exact', column: 'purchase_order_line_item_id' },
  },
};

export async function listPackingListItems(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<PackingListItemsTable>(db, packingListItemListSpec, query), toPackingListItem);
}

async function itemRow(db: Executor, id: string): Promise<PackingListItemsTable> {
  const row = await db.selectFrom('packing_list_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('packing list item', id);
  return row;
}

export async function getPackingListItem(db: Executor, id: string): Promise<PackingListItem> {
  return toPackingListItem(await itemRow(db, id));
}

export async function createPackingListItem(
  db: DB,
  ctx: RequestContext,
  input: CreatePackingListItemInput,
): Promise<PackingListItem> {
  return inTransaction(db, async (trx) => {
    const { row, items } = await lockPackingList(trx, input.packing_list_id, undefined, 'packing_list_id');
    const { event } = packingListMachine.transition('edit_items', row.status);
    const now = nowIso();
    let item: PackingListItemsTable;
    if (row.direction === 'inbound') {
      const po = await getPurchaseOrder(trx, row.purchase_order_id!);
      const line = poLineFor(po, input, 'purchase_order_line_item_id');
      item = newItem(
        row.id,
        {
          sku: line.sku,
          description: input.description ?? line.description,
          quantity: input.quantity,
          purchase_order_line_item_id: line.id,
        },
        now,
      );
    } else {
      if (!input.sku)
        throw new ValidationError('An outbound item needs a sku.', [{ path: 'sku', message: 'Required' }]);
      item = newItem(row.id, { sku: input.sku, description: input.description ?? null, quantity: input.quantity }, now);
    }
    await trx.insertInto('packing_list_items').values(item).execute();
    await savePackingList(trx, ctx, toPackingList(row, items), row, {}, event);
    return toPackingListItem(item);
  });
}

export async function updatePackingListItem(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdatePackingListItemInput,
): Promise<PackingListItem> {
  return inTransaction(db, async (trx) => {
    const existing = await itemRow(trx, id);
    const { row, items } = await lockPackingList(trx, existing.packing_list_id, undefined);
    const { event } = packingListMachine.transition('edit_items', row.status);
    const quantity = input.quantity ?? Number(existing.quantity);
    const description = input.description !== undefined ? input.description : existing.description;
    if (quantity === Number(existing.quantity) && description === existing.description)
      return toPackingListItem(existing);
    await trx
      .updateTable('packing_list_items')
      .set({ quantity, description, updated_at: nowIso() })
      .where('id', '=', id)
      .execute();
    await savePackingList(trx, ctx, toPackingList(row, items), row, {}, event);
    return toPackingListItem(await itemRow(trx, id));
  });
}

export async function deletePackingListItem(db: DB, ctx: RequestContext, id: string) {
  return inTransaction(db, async (trx) => {
    const existing = await itemRow(trx, id);
    const { row, items } = await lockPackingList(trx, existing.packing_list_id, undefined);
    const { event } = packingListMachine.transition('edit_items', row.status);
    await trx.deleteFrom('packing_list_items').where('id', '=', id).execute();
    await savePackingList(trx, ctx, toPackingList(row, items), row, {}, event);
    return { id, object: 'packing_list_item' as const, deleted: true as const };
  });
}
