import { sql } from 'kysely';
import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { isPostgres } from '../../db/connection.js';
import { lockRecord, selectForUpdate } from '../../platform/db-helpers.js';
import {
  ConflictError,
  isForeignKeyViolation,
  NotFoundError,
  refuseDuplicate,
  ValidationError,
} from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson, toJson } from '../../platform/json.js';
import { containsText, runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import { postMovement, releaseReservation, reserveStock } from './ledger.js';
import { defaultLocationId, locationFilters, resolveLocationId } from './locations.js';
import {
  MOVEMENT_REASONS,
  RESERVATION_STATUSES,
  type AdjustInput,
  type CreateInventoryItemInput,
  type InventoryItem,
  type InventorySummary,
  type Movement,
  type ReleaseInput,
  type Reservation,
  type ReserveInput,
  type UpdateInventoryItemInput,
} from './schemas.js';
import type { InventoryItemsTable, InventoryMovementsTable, InventoryReservationsTable } from './tables.js';
import { inTransaction } from '../../db/transaction.js';

export function toInventoryItem(row: InventoryItemsTable): InventoryItem {
  const onHand = Number(row.on_hand);
  const reserved = Number(row.reserved);
  return {
    id: row.id,
    object: 'inventory_item',
    sku: row.sku,
    location_id: row.location_id,
    description: row.description,
    uom: row.uom,
    on_hand: onHand,
    reserved,
    available: onHand - reserved,
    incoming: Number(row.incoming),
    in_transit: Number(row.in_transit),
    reorder_point: Number(row.reorder_point),
    safety_stock: Number(row.safety_stock),
    unit_cost: row.unit_cost === null ? null : Number(row.unit_cost),
    lot_tracked: Boolean(row.lot_tracked),
    serial_tracked: Boolean(row.serial_tracked),
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toMovement(row: InventoryMovementsTable): Movement {
  return {
    id: row.id,
    object: 'inventory_movement',
    inventory_item_id: row.inventory_item_id,
    quantity: Number(row.quantity),
    reason: row.reason,
    reference:
      row.reference_type && row.reference_id
        ? { type: row.reference_type, id: row.reference_id, line_id: row.reference_line_id }
        : null,
    note: row.note,
    unit_cost: row.unit_cost === null ? null : Number(row.unit_cost),
    created_at: row.created_at,
  };
}

export function toReservation(row: InventoryReservationsTable): Reservation {
  return {
    id: row.id,
    object: 'reservation',
    inventory_item_id: row.inventory_item_id,
    quantity: Number(row.quantity),
    reference: { type: row.reference_type, id: row.reference_id, line_id: row.reference_line_id },
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const searchText = (sku: string, description: string | null | undefined) => `${sku} ${description ?? ''}`.toLowerCase();

export const inventoryItemListSpec: ListSpec = {
  table: 'inventory_items',
  sortable: ['sku', 'on_hand', 'reserved', 'reorder_point', 'updated_at'],
  updatedRange: true,
  filters: {
    sku: { kind: 'exact', column: 'sku', multi: true },
    ...locationFilters('location_id', 'inventory_items.location_id'),
    on_hand: { kind: 'range', column: 'on_hand' },
    low_stock: {
      kind: 'custom',
      schema: z.enum(['true', 'false']).describe('true: available <= reorder_point; false: above it'),
      apply: (qb, v: string) =>
        qb.where(
          v === 'true'
            ? sql<boolean>`on_hand - reserved <= reorder_point`
            : sql<boolean>`on_hand - reserved > reorder_point`,
        ),
    },
    search: {
      kind: 'custom',
      schema: z.string().min(1).describe('Text in the SKU or description'),
      apply: (qb, term: string) => qb.where(containsText('search_text', term)),
    },
  },
};

export const movementListSpec: ListSpec = {
  table: 'inventory_movements',
  filters: {
    reason: { kind: 'exact', column: 'reason', multi: true, values: MOVEMENT_REASONS },
    reference_id: { kind: 'exact', column: 'reference_id' },
  },
};

export const reservationListSpec: ListSpec = {
  table: 'inventory_reservations',
  sortable: ['updated_at'],
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: RESERVATION_STATUSES },
    reference_type: { kind: 'exact', column: 'reference_type' },
    reference_id: { kind: 'exact', column: 'reference_id' },
  },
};

// ---------------------------------------------------------------------------------- reading

async function loadItemRow(db: Executor, id: string): Promise<InventoryItemsTable> {
  const row = await db.selectFrom('inventory_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('inventory_item', id);
  return row;
}

export async function getInventoryItem(db: Executor, id: string): Promise<InventoryItem> {
  return toInventoryItem(await loadItemRow(db, id));
}

export async function listInventoryItems(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<InventoryItemsTable>(db, inventoryItemListSpec, query), toInventoryItem);
}

export async function listMovements(db: DB, itemId: string, query: Record<string, unknown>) {
  await loadItemRow(db, itemId);
  return toEnvelope(
    await runList<InventoryMovementsTable>(db, movementListSpec, query, (qb) =>
      qb.where('inventory_item_id', '=', itemId),
    ),
    toMovement,
  );
}

export async function listReservations(db: DB, itemId: string, query: Record<string, unknown>) {
  await loadItemRow(db, itemId);
  return toEnvelope(
    await runList<InventoryReservationsTable>(db, reservationListSpec, query, (qb) =>
      qb.where('inventory_item_id', '=', itemId),
    ),
    toReservation,
  );
}

/**
 * One SKU across every location. A SKU with no items answers zeros rather than 404: "how much of
 * X do we have" has an answer even for a SKU never stocked.
 */
export async function inventorySummary(db: DB, sku: string): Promise<InventorySummary> {
  const [rows, transit] = await Promise.all([
    db
      .selectFrom('inventory_items as i')
      .innerJoin('locations as l', 'l.id', 'i.location_id')
      .select(['i.id', 'i.location_id', 'l.code', 'i.on_hand', 'i.reserved', 'i.incoming', 'i.in_transit'])
      .where('i.sku', '=', sku)
      .orderBy('l.is_default', 'desc')
      .orderBy('l.code')
      .execute(),
    db
      .selectFrom('transfers')
      .select((eb) => eb.fn.sum<number | string | null>('quantity').as('quantity'))
      .where('sku', '=', sku)
      .where('status', '=', 'in_transit')
      .executeTakeFirst(),
  ]);
  const locations = rows.map((r) => ({
    location_id: r.location_id,
    location_code: r.code,
    inventory_item_id: r.id,
    on_hand: Number(r.on_hand),
    reserved: Number(r.reserved),
    available: Number(r.on_hand) - Number(r.reserved),
    incoming: Number(r.incoming),
    in_transit: Number(r.in_transit),
  }));
  const total = (key: 'on_hand' | 'reserved' | 'available' | 'incoming') => locations.reduce((n, l) => n + l[key], 0);
  return {
    object: 'inventory_summary',
    sku,
    on_hand: total('on_hand'),
    reserved: total('reserved'),
    available: total('available'),
    incoming: total('incoming'),
    in_transit: Number(transit?.quantity ?? 0),
    locations,
  };
}

// ---------------------------------------------------------------------------------- commands

/** Locks several items in id order, the order the ledger uses, so two commands cannot deadlock. */
export async function lockItems(trx: Trx, ids: string[]): Promise<InventoryItemsTable[]> {
  let query = trx.selectFrom('inventory_items').selectAll().where('id', 'in', ids).orderBy('id');
  if (isPostgres(trx)) query = query.forUpdate();
  return query.execute();
}

export async function createInventoryItem(
  db: DB,
  ctx: RequestContext,
  input: CreateInventoryItemInput,
): Promise<InventoryItem> {
  return inTransaction(db, async (trx) => {
    const locationId = input.location_id
      ? await resolveLocationId(trx, input.location_id, 'location_id')
      : await defaultLocationId(trx);
    const location = await trx
      .selectFrom('locations')
      .select(['id', 'active'])
      .where('id', '=', locationId)
      .executeTakeFirst();
    if (!location) throw new NotFoundError('location', locationId, 'location_id');
    if (!location.active)
      throw new ConflictError(
        'location_inactive',
        `Location ${locationId} is inactive; activate it before adding items.`,
        undefined,
        'location_id',
      );
    const now = nowIso();
    const initial = input.on_hand ?? 0;
    const row: InventoryItemsTable = {
      id: newId('inv'),
      sku: input.sku,
      location_id: locationId,
      description: input.description ?? null,
      uom: input.uom ?? 'each',
      on_hand: 0,
      reserved: 0,
      incoming: 0,
      in_transit: 0,
      reorder_point: input.reorder_point ?? 0,
      safety_stock: input.safety_stock ?? 0,
      unit_cost: input.unit_cost ?? null,
      lot_tracked: input.lot_tracked ? 1 : 0,
      serial_tracked: input.serial_tracked ? 1 : 0,
      metadata: toJson(input.metadata ?? {}),
      search_text: searchText(input.sku, input.description),
      // The ledger bumps the version when it posts the initial stock; creating is still one write.
      version: initial > 0 ? 0 : 1,
      created_at: now,
      updated_at: now,
    };
    await refuseDuplicate(
      trx.insertInto('inventory_items').values(row).execute(),
      () =>
        new ConflictError(
          'already_exists',
          `An inventory item for SKU "${input.sku}" already exists at location ${locationId}.`,
          undefined,
          'sku',
        ),
    );
    if (initial > 0) {
      await postMovement(trx, ctx, {
        itemId: row.id,
        quantity: initial,
        reason: 'receipt',
        note: 'Initial stock',
        unitCost: input.unit_cost ?? null,
      });
    }
    const item = toInventoryItem(await loadItemRow(trx, row.id));
    await recordEvent(trx, ctx, 'inventory_item.created', item);
    return item;
  });
}

export async function updateInventoryItem(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateInventoryItemInput,
  expected?: ExpectedVersion,
): Promise<InventoryItem> {
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'inventory_items', 'inventory_item', id, expected);
    const before = toInventoryItem(row);
    const next = { ...before };
    for (const key of [
      'description',
      'uom',
      'reorder_point',
      'safety_stock',
      'unit_cost',
      'lot_tracked',
      'serial_tracked',
    ] as const) {
      if (input[key] !== undefined) (next as any)[key] = input[key];
    }
    next.metadata = mergeMetadata(before.metadata, input.metadata);
    const previous = changedAttributes(before, next);
    if (Object.keys(previous).length === 0) return before;
    next.version = row.version + 1;
    next.updated_at = nowIso();
    await trx
      .updateTable('inventory_items')
      .set({
        description: next.description,
        uom: next.uom,
        reorder_point: next.reorder_point,
        safety_stock: next.safety_stock,
        unit_cost: next.unit_cost,
        lot_tracked: next.lot_tracked ? 1 : 0,
        serial_tracked: next.serial_tracked ? 1 : 0,
        metadata: toJson(next.metadata),
        search_text: searchText(next.sku, next.description),
        version: next.version,
        updated_at: next.updated_at,
      })
      .where('id', '=', id)
      .execute();
    await recordEvent(trx, ctx, 'inventory_item.updated', next, previous);
    return next;
  });
}

/**
 * Deletes an item created by mistake. Refused (409) while it holds stock or reservations, and once
 * its ledger has history (movements, reservations, transfers): the ledger is append-only, so an
 * item that ever moved stock stays, at zero, as the record those rows belong to.
 */
export async function deleteInventoryItem(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'inventory_items', 'inventory_item', id, expected);
    const item = toInventoryItem(row);
    if (item.on_hand > 0 || item.reserved > 0) {
      throw new ConflictError(
        'inventory_item_has_stock',
        `Inventory item ${id} holds stock (on_hand ${item.on_hand}, reserved ${item.reserved}); adjust or transfer it out first.`,
        { on_hand: item.on_hand, reserved: item.reserved },
      );
    }
    const history = await sql<{ n: number }>`
      select (select count(*) from inventory_movements where inventory_item_id = ${id})
           + (select count(*) from inventory_reservations where inventory_item_id = ${id})
           + (select count(*) from transfers where from_item_id = ${id} or to_item_id = ${id}) as n`.execute(trx);
    if (Number(history.rows[0].n) > 0) {
      throw new ConflictError(
        'inventory_item_has_history',
        `Inventory item ${id} has ledger history (movements, reservations or transfers), which is kept; it stays at zero stock.`,
      );
    }
    // Documents that name the item (a purchase order line, a cycle count line) keep it, too.
    await trx
      .deleteFrom('inventory_items')
      .where('id', '=', id)
      .execute()
      .catch((err) => {
        if (!isForeignKeyViolation(err)) throw err;
        throw new ConflictError(
          'inventory_item_in_use',
          `Inventory item ${id} is named by other records (a purchase order or a cycle count); it stays at zero stock.`,
        );
      });
    await recordEvent(trx, ctx, 'inventory_item.deleted', item);
    return { id, object: 'inventory_item' as const, deleted: true as const };
  });
}

/** Posts an `adjustment` movement; the ledger refuses to take on_hand below what is reserved. */
export async function adjustInventoryItem(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: AdjustInput,
  expected?: ExpectedVersion,
): Promise<InventoryItem> {
  return inTransaction(db, async (trx) => {
    const before = toInventoryItem(await lockRecord(trx, 'inventory_items', 'inventory_item', id, expected));
    await postMovement(trx, ctx, {
      itemId: id,
      quantity: input.quantity_change,
      reason: 'adjustment',
      reference: input.reference_number ? { type: 'adjustment', id: input.reference_number } : null,
      note: input.reason,
      unitCost: input.unit_cost ?? null,
    });
    const item = toInventoryItem(await loadItemRow(trx, id));
    await recordEvent(trx, ctx, 'inventory_item.adjusted', item, {
      on_hand: before.on_hand,
      available: before.available,
    });
    return item;
  });
}

/** Reserves stock of one item for a caller outside orders; answers the item with the reservation. */
/**
 * Reservations that a document (an order...) makes and releases through its own actions; the
 * reserve/release routes may neither create nor release them, or the document's lines and its
 * reservations would fall out of step.
 */
const DOCUMENT_RESERVATION_TYPES = new Set(['order', 'wholesale_order', 'work_order']);

export async function reserveInventory(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: ReserveInput,
  expected?: ExpectedVersion,
) {
  if (DOCUMENT_RESERVATION_TYPES.has(input.reference.type)) {
    throw new ValidationError(
      `reference.type "${input.reference.type}" is reserved for the ${input.reference.type}s' own actions.`,
      [{ path: 'reference.type', message: 'Use a type of your own, e.g. "manual" or "quote"' }],
    );
  }
  return inTransaction(db, async (trx) => {
    const before = toInventoryItem(await lockRecord(trx, 'inventory_items', 'inventory_item', id, expected));
    const [reservation] = await reserveStock(trx, ctx, [
      { itemId: id, quantity: input.quantity, reference: input.reference },
    ]);
    const result = { ...toInventoryItem(await loadItemRow(trx, id)), reservation: toReservation(reservation) };
    await recordEvent(trx, ctx, 'inventory_item.reserved', result, {
      reserved: before.reserved,
      available: before.available,
    });
    return result;
  });
}

/** Releases a reservation of this item (all of it, or `quantity`); answers the item with the reservation as it now stands. */
export async function releaseInventory(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: ReleaseInput,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    // Reservation before item: the ledger's release and consume lock in that order too.
    const held = await selectForUpdate(trx, 'inventory_reservations', input.reservation_id);
    const before = toInventoryItem(await lockRecord(trx, 'inventory_items', 'inventory_item', id, expected));
    if (!held || held.inventory_item_id !== id)
      throw new NotFoundError('reservation', input.reservation_id, 'reservation_id');
    if (DOCUMENT_RESERVATION_TYPES.has(held.reference_type)) {
      // The document keeps its lines and reservations in step; releasing behind its back would not.
      throw new ConflictError(
        'reservation_held_by_document',
        `Reservation ${held.id} belongs to ${held.reference_type} ${held.reference_id}; change that ${held.reference_type} instead.`,
        { reference_type: held.reference_type, reference_id: held.reference_id },
        'reservation_id',
      );
    }
    await releaseReservation(trx, ctx, held.id, input.quantity);
    const reservation = await trx
      .selectFrom('inventory_reservations')
      .selectAll()
      .where('id', '=', held.id)
      .executeTakeFirstOrThrow();
    const result = { ...toInventoryItem(await loadItemRow(trx, id)), reservation: toReservation(reservation) };
    await recordEvent(trx, ctx, 'inventory_item.released', result, {
      reserved: before.reserved,
      available: before.available,
    });
    return result;
  });
}
