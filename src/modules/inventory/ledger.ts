import { CompiledQuery, sql } from 'kysely';
import { isPostgres, type Executor, type Trx } from '../../db/connection.js';
import { cachedSql } from '../../db/prepared.js';
import { insertRows } from '../../db/write-batch.js';
import type { RequestContext } from '../../platform/context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import type { InventoryItemsTable, InventoryReservationsTable, MovementReason } from './tables.js';

/**
 * The inventory ledger: the only code that writes on_hand and reserved. Every change appends a
 * movement or reservation row and updates the item's cached totals in the caller's transaction.
 * Limits are enforced by conditional updates (`WHERE on_hand - reserved >= :qty`), never by reading
 * and then writing, so concurrent requests cannot oversell; a CHECK constraint backs this up.
 */

export interface LedgerReference {
  type: string;
  id: string;
  line_id?: string | null;
}

export interface Shortage {
  sku: string;
  location_id: string;
  inventory_item_id: string | null;
  requested: number;
  available: number;
  shortfall: number;
  /** Set by orders, which know the codes and where else the SKU is. */
  location_code?: string;
  /** What was available at each location that has the SKU: this one first, then the others with stock. */
  locations?: Array<{ location_id: string; location_code: string; available: number }>;
}

/** "Short by 4 of MUG-BLUE at DEFAULT, requested 4: 0 available at DEFAULT; 30 available at WH-EAST." */
function describeShortage(s: Shortage): string {
  const where = `Short by ${s.shortfall} of ${s.sku} at ${s.location_code ?? s.location_id}, requested ${s.requested}`;
  if (!s.locations) return `${where}, available ${s.available}.`;
  return `${where}: ${s.locations.map((l) => `${l.available} available at ${l.location_code}`).join('; ')}.`;
}

export class InsufficientInventoryError extends ConflictError {
  constructor(readonly shortages: Shortage[]) {
    super('insufficient_inventory', `Insufficient inventory. ${shortages.map(describeShortage).join(' ')}`, {
      shortages,
    });
  }
}

type ItemTotals = Pick<InventoryItemsTable, 'id' | 'sku' | 'location_id' | 'on_hand' | 'reserved' | 'reorder_point'>;
const TOTALS = ['id', 'sku', 'location_id', 'on_hand', 'reserved', 'reorder_point'] as const;

const available = (i: Pick<ItemTotals, 'on_hand' | 'reserved'>) => Number(i.on_hand) - Number(i.reserved);

/**
 * Emits inventory_item.low_stock / .out_of_stock when a change moves available across the item's
 * reorder point or down to zero (not on every change below it).
 */
async function emitThresholdEvents(trx: Trx, ctx: RequestContext, before: number, after: ItemTotals): Promise<void> {
  const now = available(after);
  if (now >= before) return;
  const reorderPoint = Number(after.reorder_point);
  const object = {
    id: after.id,
    object: 'inventory_item',
    sku: after.sku,
    location_id: after.location_id,
    on_hand: Number(after.on_hand),
    reserved: Number(after.reserved),
    available: now,
    reorder_point: reorderPoint,
  };
  if (before > 0 && now <= 0) await recordEvent(trx, ctx, 'inventory_item.out_of_stock', object, { available: before });
  else if (before > reorderPoint && now <= reorderPoint)
    await recordEvent(trx, ctx, 'inventory_item.low_stock', object, { available: before });
}

function positive(quantity: number, what: string): void {
  if (!Number.isInteger(quantity) || quantity <= 0)
    throw new ValidationError(`${what} must be a positive integer.`, [
      { path: 'quantity', message: 'Must be a positive integer' },
    ]);
}

export async function getItemTotals(trx: Trx, itemId: string): Promise<ItemTotals> {
  const item = await trx.selectFrom('inventory_items').select(TOTALS).where('id', '=', itemId).executeTakeFirst();
  if (!item) throw new NotFoundError('inventory_item', itemId);
  return item;
}

/** The item for a SKU at a location, created empty when missing (receipts, transfer destinations). */
export async function ensureItem(
  trx: Trx,
  sku: string,
  locationId: string,
  defaults: { description?: string | null; uom?: string; unit_cost?: number | null } = {},
): Promise<string> {
  return (await findOrCreateItem(trx, sku, locationId, defaults)).id;
}

/** ensureItem that also tells whether this call created the item (so the caller can emit inventory_item.created). */
export async function findOrCreateItem(
  trx: Trx,
  sku: string,
  locationId: string,
  defaults: { description?: string | null; uom?: string; unit_cost?: number | null } = {},
): Promise<{ id: string; created: boolean }> {
  const existing = await trx
    .selectFrom('inventory_items')
    .select('id')
    .where('sku', '=', sku)
    .where('location_id', '=', locationId)
    .executeTakeFirst();
  if (existing) return { id: existing.id, created: false };
  const location = await trx.selectFrom('locations').select('id').where('id', '=', locationId).executeTakeFirst();
  if (!location) throw new NotFoundError('location', locationId);
  const now = nowIso();
  const id = newId('inv');
  const inserted = await trx
    .insertInto('inventory_items')
    .values({
      id,
      sku,
      location_id: locationId,
      description: defaults.description ?? null,
      uom: defaults.uom ?? 'each',
      on_hand: 0,
      reserved: 0,
      incoming: 0,
      in_transit: 0,
      reorder_point: 0,
      safety_stock: 0,
      unit_cost: defaults.unit_cost ?? null,
      lot_tracked: 0,
      serial_tracked: 0,
      metadata: '{}',
      search_text: `${sku} ${defaults.description ?? ''}`.toLowerCase(),
      version: 1,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['sku', 'location_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  // Another transaction created it first.
  const raced = await trx
    .selectFrom('inventory_items')
    .select('id')
    .where('sku', '=', sku)
    .where('location_id', '=', locationId)
    .executeTakeFirstOrThrow();
  return { id: raced.id, created: false };
}

export interface MovementInput {
  itemId: string;
  /** Signed change of on_hand. */
  quantity: number;
  reason: MovementReason;
  reference?: LedgerReference | null;
  note?: string | null;
  unitCost?: number | null;
}

/**
 * Appends a movement and applies it to on_hand. A decrease may not take on_hand below what is
 * reserved (409 insufficient_inventory naming the shortfall).
 */
export async function postMovement(
  trx: Trx,
  ctx: RequestContext,
  input: MovementInput,
): Promise<ItemTotals & { movement_id: string }> {
  if (!Number.isInteger(input.quantity) || input.quantity === 0) {
    throw new ValidationError('A movement quantity must be a non-zero integer.', [
      { path: 'quantity', message: 'Must be a non-zero integer' },
    ]);
  }
  const now = nowIso();
  let update = trx
    .updateTable('inventory_items')
    .set({ on_hand: sql`on_hand + ${input.quantity}`, version: sql`version + 1`, updated_at: now })
    .where('id', '=', input.itemId);
  if (input.quantity < 0) update = update.where(sql<boolean>`on_hand - reserved >= ${-input.quantity}`);
  const after = await update.returning(TOTALS).executeTakeFirst();
  if (!after) {
    const item = await getItemTotals(trx, input.itemId);
    throw new InsufficientInventoryError([
      {
        sku: item.sku,
        location_id: item.location_id,
        inventory_item_id: item.id,
        requested: -input.quantity,
        available: available(item),
        shortfall: -input.quantity - available(item),
      },
    ]);
  }
  const movementId = newId('mov');
  await trx
    .insertInto('inventory_movements')
    .values({
      id: movementId,
      inventory_item_id: input.itemId,
      quantity: input.quantity,
      reason: input.reason,
      reference_type: input.reference?.type ?? null,
      reference_id: input.reference?.id ?? null,
      reference_line_id: input.reference?.line_id ?? null,
      note: input.note ?? null,
      unit_cost: input.unitCost ?? null,
      created_at: now,
    })
    .execute();
  if (input.quantity < 0) await emitThresholdEvents(trx, ctx, available(after) - input.quantity, after);
  return { ...after, movement_id: movementId };
}

/**
 * Counts a transfer's quantity as in transit to its destination item (positive when it ships,
 * negative when it is received), in the transfer's transaction: the item shows what is on its way.
 */
export async function postInTransit(trx: Trx, destinationItemId: string, quantity: number): Promise<void> {
  await trx
    .updateTable('inventory_items')
    .set({ in_transit: sql`in_transit + ${quantity}`, version: sql`version + 1`, updated_at: nowIso() })
    .where('id', '=', destinationItemId)
    .execute();
}

export interface ReserveRequest {
  itemId: string;
  quantity: number;
  reference: LedgerReference;
}

/**
 * Reserves every request or none: on any shortage it throws after checking them all, so the error
 * lists every short SKU, and the caller's transaction rolls back. Requests for the same item (two
 * lines of one SKU) are checked together. One conditional UPDATE covers every item, which on
 * PostgreSQL first locks them in id order, so two multi-SKU reservations cannot deadlock.
 */
export async function reserveStock(
  trx: Trx,
  ctx: RequestContext,
  requests: ReserveRequest[],
): Promise<InventoryReservationsTable[]> {
  for (const r of requests) positive(r.quantity, 'A reservation quantity');
  const perItem = new Map<string, number>();
  for (const r of requests) perItem.set(r.itemId, (perItem.get(r.itemId) ?? 0) + r.quantity);
  const wanted = [...perItem].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const now = nowIso();
  const reserved = new Map((await reserveOnItems(trx, wanted, now)).map((after) => [after.id, after]));
  const shortages: Shortage[] = [];
  for (const [itemId, quantity] of wanted) {
    if (reserved.has(itemId)) continue;
    const item = await getItemTotals(trx, itemId);
    shortages.push({
      sku: item.sku,
      location_id: item.location_id,
      inventory_item_id: item.id,
      requested: quantity,
      available: available(item),
      shortfall: quantity - available(item),
    });
  }
  if (shortages.length) throw new InsufficientInventoryError(shortages);
  for (const [itemId, quantity] of wanted) {
    const after = reserved.get(itemId)!;
    await emitThresholdEvents(trx, ctx, available(after) + quantity, after);
  }
  const made = requests.map((r): InventoryReservationsTable => ({
    id: newId('rsv'),
    inventory_item_id: r.itemId,
    quantity: r.quantity,
    reference_type: r.reference.type,
    reference_id: r.reference.id,
    reference_line_id: r.reference.line_id ?? null,
    status: 'active',
    created_at: now,
    updated_at: now,
  }));
  await insertRows(trx, 'inventory_reservations', made);
  return made;
}

/**
 * `reserved += quantity` on each item that has that much available, in one statement (a round trip
 * to PostgreSQL costs more than the update); answers the items it changed. On PostgreSQL the items
 * are locked in id order first (`wanted` is sorted).
 */
async function reserveOnItems(trx: Trx, wanted: Array<[string, number]>, now: string): Promise<ItemTotals[]> {
  const postgres = isPostgres(trx);
  const text = cachedSql(`${postgres ? 'pg' : 'sqlite'}|reserve|${wanted.length}`, () => {
    const returning = TOTALS.map((c) => `"inventory_items"."${c}"`).join(', ');
    return postgres
      ? `with "w" ("id", "quantity") as (values ${wanted.map((_, i) => `($${2 * i + 1}::text, $${2 * i + 2}::bigint)`).join(', ')}),
          "locked" as (select "i"."id" from "inventory_items" as "i" join "w" on "w"."id" = "i"."id" order by "i"."id" for update of "i")
        update "inventory_items" set "reserved" = "inventory_items"."reserved" + "w"."quantity", "version" = "inventory_items"."version" + 1, "updated_at" = $${2 * wanted.length + 1}
        from "w", "locked"
        where "inventory_items"."id" = "w"."id" and "locked"."id" = "w"."id" and "inventory_items"."on_hand" - "inventory_items"."reserved" >= "w"."quantity"
        returning ${returning}`
      : `update "inventory_items" set "reserved" = "reserved" + "w"."column2", "version" = "version" + 1, "updated_at" = ?
        from (values ${wanted.map(() => '(?, ?)').join(', ')}) as "w"
        where "inventory_items"."id" = "w"."column1" and "inventory_items"."on_hand" - "inventory_items"."reserved" >= "w"."column2"
        returning ${returning}`;
  });
  const pairs = wanted.flat();
  const parameters = postgres ? [...pairs, now] : [now, ...pairs];
  return (await trx.executeQuery<ItemTotals>(CompiledQuery.raw(text, parameters))).rows;
}

/** Raises a shortage for a SKU that has no inventory item at the location at all. */
export function missingItemShortage(sku: string, locationId: string, requested: number): Shortage {
  return { sku, location_id: locationId, inventory_item_id: null, requested, available: 0, shortfall: requested };
}

/** Releases an active reservation (all of it, or `quantity` of it). Returns what was released. */
export async function releaseReservation(
  trx: Trx,
  _ctx: RequestContext,
  reservationId: string,
  quantity?: number,
): Promise<number> {
  const reservation = await trx
    .selectFrom('inventory_reservations')
    .selectAll()
    .where('id', '=', reservationId)
    .executeTakeFirst();
  if (!reservation) throw new NotFoundError('reservation', reservationId);
  const take = quantity ?? Number(reservation.quantity);
  positive(take, 'A release quantity');
  const now = nowIso();
  // Conditional on the reservation still holding enough, so two releases cannot both succeed.
  const updated = await trx
    .updateTable('inventory_reservations')
    .set({
      quantity: sql`quantity - ${take}`,
      status: sql`case when quantity - ${take} = 0 then 'released' else status end`,
      updated_at: now,
    })
    .where('id', '=', reservationId)
    .where('status', '=', 'active')
    .where('quantity', '>=', take)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    throw new ConflictError(
      'reservation_not_active',
      `Reservation ${reservationId} is ${reservation.status} or holds less than ${take}.`,
    );
  }
  if (quantity !== undefined && quantity < Number(reservation.quantity)) {
    await trx
      .insertInto('inventory_reservations')
      .values({
        ...reservation,
        id: newId('rsv'),
        quantity: take,
        status: 'released',
        created_at: now,
        updated_at: now,
      })
      .execute();
  } else {
    // Keep the released row's quantity as it was, for the record.
    await trx.updateTable('inventory_reservations').set({ quantity: take }).where('id', '=', reservationId).execute();
  }
  await trx
    .updateTable('inventory_items')
    .set({ reserved: sql`reserved - ${take}`, version: sql`version + 1`, updated_at: now })
    .where('id', '=', reservation.inventory_item_id)
    .execute();
  return take;
}

/** Active reservations held for a reference (an order, or one of its lines), in item order. */
export async function activeReservations(trx: Trx, reference: LedgerReference): Promise<InventoryReservationsTable[]> {
  let q = trx
    .selectFrom('inventory_reservations')
    .selectAll()
    .where('reference_id', '=', reference.id)
    .where('reference_type', '=', reference.type)
    .where('status', '=', 'active');
  if (reference.line_id) q = q.where('reference_line_id', '=', reference.line_id);
  // In item order: callers that release or consume them all then lock items in the same order as
  // reserveStock, so two such transactions on PostgreSQL cannot deadlock.
  return q.orderBy('inventory_item_id').orderBy('id').execute();
}

/** Releases every active reservation of a reference; returns the total released. */
export async function releaseByReference(trx: Trx, ctx: RequestContext, reference: LedgerReference): Promise<number> {
  let total = 0;
  for (const r of await activeReservations(trx, reference)) total += await releaseReservation(trx, ctx, r.id);
  return total;
}

/**
 * Ships reserved stock: takes `quantity` out of an active reservation and out of on_hand, with a
 * `shipment` movement (or the reason given, e.g. production_consume).
 */
export async function consumeReservation(
  trx: Trx,
  _ctx: RequestContext,
  reservationId: string,
  quantity: number,
  reason: MovementReason = 'shipment',
  reference?: LedgerReference,
): Promise<void> {
  positive(quantity, 'A consumed quantity');
  const reservation = await trx
    .selectFrom('inventory_reservations')
    .selectAll()
    .where('id', '=', reservationId)
    .executeTakeFirst();
  if (!reservation) throw new NotFoundError('reservation', reservationId);
  const now = nowIso();
  const updated = await trx
    .updateTable('inventory_reservations')
    .set({
      quantity: sql`quantity - ${quantity}`,
      status: sql`case when quantity - ${quantity} = 0 then 'consumed' else status end`,
      updated_at: now,
    })
    .where('id', '=', reservationId)
    .where('status', '=', 'active')
    .where('quantity', '>=', quantity)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    throw new ConflictError(
      'reservation_not_active',
      `Reservation ${reservationId} is ${reservation.status} or holds less than ${quantity}.`,
    );
  }
  if (quantity < Number(reservation.quantity)) {
    await trx
      .insertInto('inventory_reservations')
      .values({ ...reservation, id: newId('rsv'), quantity, status: 'consumed', created_at: now, updated_at: now })
      .execute();
  } else {
    await trx.updateTable('inventory_reservations').set({ quantity }).where('id', '=', reservationId).execute();
  }
  // reserved and on_hand fall together, so available is unchanged and the CHECK holds.
  await trx
    .updateTable('inventory_items')
    .set({
      reserved: sql`reserved - ${quantity}`,
      on_hand: sql`on_hand - ${quantity}`,
      version: sql`version + 1`,
      updated_at: now,
    })
    .where('id', '=', reservation.inventory_item_id)
    .execute();
  await trx
    .insertInto('inventory_movements')
    .values({
      id: newId('mov'),
      inventory_item_id: reservation.inventory_item_id,
      quantity: -quantity,
      reason,
      reference_type: (reference ?? { type: reservation.reference_type }).type,
      reference_id: reference?.id ?? reservation.reference_id,
      reference_line_id: reference?.line_id ?? reservation.reference_line_id,
      note: null,
      unit_cost: null,
      created_at: now,
    })
    .execute();
}

/**
 * Hands an active reservation (or `quantity` of it) to another reference, e.g. when an order line
 * moves to a split-off order or into a merged order. Stock totals do not change.
 */
export async function moveReservation(
  trx: Trx,
  reservationId: string,
  to: LedgerReference,
  quantity?: number,
): Promise<string> {
  const reservation = await trx
    .selectFrom('inventory_reservations')
    .selectAll()
    .where('id', '=', reservationId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!reservation) throw new ConflictError('reservation_not_active', `Reservation ${reservationId} is not active.`);
  const now = nowIso();
  const whole = quantity === undefined || quantity === Number(reservation.quantity);
  // Both updates are conditional on the row still being active and holding what was read: the read
  // above takes no lock, and a release or consume committed meanwhile must not be undone by the move
  // (unconditional updates turned released stock back into an active row, so reserved drifted).
  if (whole) {
    const moved = await trx
      .updateTable('inventory_reservations')
      .set({ reference_type: to.type, reference_id: to.id, reference_line_id: to.line_id ?? null, updated_at: now })
      .where('id', '=', reservationId)
      .where('status', '=', 'active')
      .where('quantity', '=', reservation.quantity)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0)
      throw new ConflictError(
        'reservation_not_active',
        `Reservation ${reservationId} changed while it was being moved; retry.`,
      );
    return reservationId;
  }
  positive(quantity, 'A moved quantity');
  if (quantity > Number(reservation.quantity))
    throw new ConflictError(
      'reservation_not_active',
      `Reservation ${reservationId} holds only ${reservation.quantity}.`,
    );
  const split = await trx
    .updateTable('inventory_reservations')
    .set({ quantity: sql`quantity - ${quantity}`, updated_at: now })
    .where('id', '=', reservationId)
    .where('status', '=', 'active')
    .where('quantity', '>=', quantity)
    .executeTakeFirst();
  if (Number(split.numUpdatedRows) === 0)
    throw new ConflictError(
      'reservation_not_active',
      `Reservation ${reservationId} is no longer active or holds less than ${quantity}.`,
    );
  const id = newId('rsv');
  await trx
    .insertInto('inventory_reservations')
    .values({
      ...reservation,
      id,
      quantity,
      reference_type: to.type,
      reference_id: to.id,
      reference_line_id: to.line_id ?? null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

/**
 * What is held now for documents of one type, per document line (a read for rendering documents
 * such as work orders: `quantity_reserved` per line), in one query for many documents.
 */
export async function reservedForDocuments(
  db: Executor,
  referenceType: string,
  referenceIds: string[],
): Promise<Map<string, number>> {
  const held = new Map<string, number>();
  if (referenceIds.length === 0) return held;
  const rows = await db
    .selectFrom('inventory_reservations')
    .select(['reference_line_id', (eb) => eb.fn.sum<number | string>('quantity').as('quantity')])
    .where('reference_type', '=', referenceType)
    .where('reference_id', 'in', referenceIds)
    .where('status', '=', 'active')
    .groupBy('reference_line_id')
    .execute();
  for (const r of rows) if (r.reference_line_id) held.set(r.reference_line_id, Number(r.quantity));
  return held;
}

/**
 * Changes an item's `incoming` (open purchase-order quantity) by `delta`: purchase orders add their
 * open quantities when approved and take them off as they are received, completed or cancelled.
 * Conditional, so incoming never goes below zero whatever runs concurrently.
 */
export async function adjustIncoming(trx: Trx, itemId: string, delta: number): Promise<void> {
  if (!Number.isInteger(delta)) throw new ValidationError('An incoming change must be an integer.');
  if (delta === 0) return;
  const updated = await trx
    .updateTable('inventory_items')
    .set({ incoming: sql`incoming + ${delta}`, version: sql`version + 1`, updated_at: nowIso() })
    .where('id', '=', itemId)
    .where(sql<boolean>`incoming + ${delta} >= 0`)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    await getItemTotals(trx, itemId); // 404 when the item is gone
    throw new ConflictError('incoming_negative', `Inventory item ${itemId} has less than ${-delta} incoming.`);
  }
}

/**
 * Receives stock bought at `unitCost` cents each: the item's unit_cost becomes the moving average
 * of what it held and what arrives (rounded half-up; what it held counts only when positive), then
 * a `receipt` movement raises on_hand. One conditional statement each, in the caller's transaction.
 */
export async function receiveStock(
  trx: Trx,
  ctx: RequestContext,
  input: { itemId: string; quantity: number; unitCost: number | null; reference: LedgerReference; note?: string },
): Promise<ItemTotals & { movement_id: string }> {
  positive(input.quantity, 'A received quantity');
  if (input.unitCost !== null) {
    const q = input.quantity;
    const c = input.unitCost;
    await trx
      .updateTable('inventory_items')
      .set({
        // Parameters are cast: SQLite binds JavaScript numbers as REAL, which would divide exactly.
        unit_cost: sql`case when unit_cost is null or on_hand <= 0 then cast(${c} as bigint)
          else (on_hand * unit_cost + cast(${q * c} as bigint) + (on_hand + cast(${q} as bigint)) / 2) / (on_hand + cast(${q} as bigint)) end`,
      })
      .where('id', '=', input.itemId)
      .execute();
  }
  return postMovement(trx, ctx, {
    itemId: input.itemId,
    quantity: input.quantity,
    reason: 'receipt',
    reference: input.reference,
    note: input.note ?? null,
    unitCost: input.unitCost,
  });
}
