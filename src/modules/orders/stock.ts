import { CompiledQuery } from 'kysely';
import { isPostgres, type Executor } from '../../db/connection.js';
import { cachedSql, placeholders } from '../../db/prepared.js';
import type { RequestContext } from '../../platform/context.js';
import { ConflictError, ValidationError } from '../../platform/errors.js';
import {
  consumeReservation, InsufficientInventoryError, missingItemShortage, reserveStock, type LedgerReference, type Shortage,
} from '../inventory/ledger.js';
import type { InventoryReservationsTable } from '../inventory/tables.js';
import type { OrderLineItemsTable } from './tables.js';

/**
 * How orders use the inventory ledger: where a line's stock is, reserving lines (all or none, or
 * with backorders), and consuming reservations when shipping. Quantities are only ever written by
 * the ledger's functions.
 */

const key = (sku: string, locationId: string) => `${locationId}\u0000${sku}`;

export interface StockLookup {
  /** The location each requested line resolves to (its own, or the default). */
  locations: string[];
  /** Inventory item id by (sku, location). */
  itemIds: Map<string, string>;
}

export const lineReference = (orderId: string, lineId: string): LedgerReference => ({ type: 'order', id: orderId, line_id: lineId });

/**
 * One query for everything a set of lines needs from inventory: the default location, that every
 * named location exists, and the item of each (sku, location).
 */
export async function lookUpStock(
  trx: Executor,
  wanted: Array<{ sku: string; location_id?: string | null }>,
  pathOf: (index: number) => string,
): Promise<StockLookup> {
  const named = [...new Set(wanted.map((w) => w.location_id).filter((l): l is string => !!l))];
  const skus = [...new Set(wanted.map((w) => w.sku))];
  // Built once per (dialect, number of SKUs, number of locations): it runs for every order created.
  const postgres = isPostgres(trx);
  const text = cachedSql(`${postgres ? 'pg' : 'sqlite'}|stock|${skus.length}|${named.length}`, () =>
    `select "l"."id" as "location_id", "l"."is_default", "i"."id" as "item_id", "i"."sku" from "locations" as "l"
      left join "inventory_items" as "i" on "i"."location_id" = "l"."id" and "i"."sku" in (${placeholders(postgres, skus.length)})
      where "l"."is_default" = 1${named.length ? ` or "l"."id" in (${placeholders(postgres, named.length, skus.length + 1)})` : ''}`);
  const { rows } = await trx.executeQuery<{ location_id: string; is_default: number; item_id: string | null; sku: string | null }>(CompiledQuery.raw(text, [...skus, ...named]));
  const known = new Set(rows.map((r) => r.location_id));
  const defaultLocation = rows.find((r) => r.is_default === 1)?.location_id;
  const itemIds = new Map<string, string>();
  for (const r of rows) if (r.item_id && r.sku) itemIds.set(key(r.sku, r.location_id), r.item_id);
  const locations = wanted.map((w, i) => {
    if (w.location_id) {
      if (!known.has(w.location_id)) {
        throw new ValidationError(`No location with id "${w.location_id}".`, [{ path: pathOf(i), code: 'resource_missing', message: `No location with id "${w.location_id}"` }]);
      }
      return w.location_id;
    }
    if (!defaultLocation) throw new ConflictError('no_default_location', 'No default location is set; give each line a location_id.');
    return defaultLocation;
  });
  return { locations, itemIds };
}

export const itemIdOf = (stock: StockLookup, sku: string, locationId: string) => stock.itemIds.get(key(sku, locationId));

/** Item ids for lines already on an order (their location is known). */
export async function itemIdsForLines(trx: Executor, lines: Array<Pick<OrderLineItemsTable, 'sku' | 'location_id'>>): Promise<Map<string, string>> {
  if (lines.length === 0) return new Map();
  const rows = await trx
    .selectFrom('inventory_items')
    .select(['id', 'sku', 'location_id'])
    .where('sku', 'in', [...new Set(lines.map((l) => l.sku))])
    .where('location_id', 'in', [...new Set(lines.map((l) => l.location_id))])
    .execute();
  return new Map(rows.map((r) => [key(r.sku, r.location_id), r.id]));
}

export interface LineNeed {
  line: OrderLineItemsTable;
  quantity: number;
  itemId: string | undefined;
}

/**
 * Reserves every need or none: one reserveStock call, whose shortages are reported together with
 * the SKUs that have no inventory item at their location at all.
 */
export async function reserveAllOrNothing(trx: Executor, ctx: RequestContext, orderId: string, needs: LineNeed[]): Promise<InventoryReservationsTable[]> {
  const missing: Shortage[] = needs.filter((n) => !n.itemId).map((n) => missingItemShortage(n.line.sku, n.line.location_id, n.quantity));
  const requests = needs.filter((n) => n.itemId).map((n) => ({ itemId: n.itemId!, quantity: n.quantity, reference: lineReference(orderId, n.line.id) }));
  let made: InventoryReservationsTable[] = [];
  try {
    if (requests.length) made = await reserveStock(trx, ctx, requests);
  } catch (err) {
    if (err instanceof InsufficientInventoryError && missing.length) throw new InsufficientInventoryError([...err.shortages, ...missing]);
    throw err;
  }
  if (missing.length) throw new InsufficientInventoryError(missing);
  return made;
}

/**
 * Reserves what is available for each need and records the rest on the line as backordered. Needs
 * are taken in item order, as reserveStock does, so concurrent orders lock items in one order.
 */
export async function reserveWithBackorder(trx: Executor, ctx: RequestContext, orderId: string, needs: LineNeed[]): Promise<void> {
  const sorted = [...needs].sort((a, b) => ((a.itemId ?? '') < (b.itemId ?? '') ? -1 : (a.itemId ?? '') > (b.itemId ?? '') ? 1 : 0));
  for (const need of sorted) {
    let reserved = 0;
    let ask = need.quantity;
    // A failed attempt writes nothing; retry with what was available then, in case it shrank meanwhile.
    for (let attempt = 0; need.itemId && ask > 0 && attempt < 3; attempt++) {
      try {
        await reserveStock(trx, ctx, [{ itemId: need.itemId, quantity: ask, reference: lineReference(orderId, need.line.id) }]);
        reserved = ask;
        break;
      } catch (err) {
        if (!(err instanceof InsufficientInventoryError)) throw err;
        ask = Math.min(ask - 1, Math.max(0, err.shortages[0]?.available ?? 0));
      }
    }
    need.line.quantity_backordered = Number(need.line.quantity_backordered) + need.quantity - reserved;
  }
}

/**
 * Ships `quantity` of a line: consumes its reservations (lowering reserved and on_hand with a
 * `shipment` movement). Backordered units must have been reserved first (see reserveAllOrNothing).
 */
export async function consumeForLine(
  trx: Executor,
  ctx: RequestContext,
  reservations: InventoryReservationsTable[],
  lineId: string,
  quantity: number,
  reference: LedgerReference,
): Promise<void> {
  let left = quantity;
  for (const r of reservations) {
    if (left === 0) break;
    if (r.reference_line_id !== lineId || r.status !== 'active' || Number(r.quantity) === 0) continue;
    const take = Math.min(left, Number(r.quantity));
    await consumeReservation(trx, ctx, r.id, take, 'shipment', reference);
    r.quantity = Number(r.quantity) - take;
    left -= take;
  }
  if (left > 0) throw new ConflictError('reservation_missing', `Line ${lineId} holds ${quantity - left} reserved unit(s), ${quantity} needed to ship.`);
}

