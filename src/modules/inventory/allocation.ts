import { CompiledQuery } from 'kysely';
import { isPostgres, type Trx } from '../../db/connection.js';
import { cachedSql, placeholders } from '../../db/prepared.js';
import type { RequestContext } from '../../platform/context.js';
import { ApiError, ConflictError, ValidationError, type ErrorDetail } from '../../platform/errors.js';
import {
  consumeReservation,
  InsufficientInventoryError,
  missingItemShortage,
  reserveStock,
  type LedgerReference,
  type Shortage,
} from './ledger.js';
import { locationNamed } from './locations.js';
import type { InventoryReservationsTable, MovementReason } from './tables.js';

/**
 * Stock for documents (orders today; wholesale orders and work orders next): where a line's stock
 * is, reserving a document's lines (all or none, or what is available), and consuming reservations
 * when goods leave. Quantities are only ever written by the ledger's functions.
 */

export const stockKey = (sku: string, locationId: string) => `${locationId}\u0000${sku}`;

/** A location holding an item of a requested SKU, as the stock lookup saw it. */
export interface StockAt {
  location_id: string;
  location_code: string;
  active: boolean;
  is_default: boolean;
  item_id: string;
  available: number;
}

export interface StockLookup {
  /** The location each requested line resolves to (see lookUpStock for the rule). */
  locations: string[];
  /** Inventory item id by (sku, location). */
  itemIds: Map<string, string>;
  /** Every location holding an item of each requested SKU, with what was available there. */
  stockAt: Map<string, StockAt[]>;
  /** Codes of the locations seen, by id (for messages). */
  codes: Map<string, string>;
}

/** 400 unknown_sku: a SKU with no inventory item at any location is a typo or a product never stocked, not a shortage. */
export class UnknownSkuError extends ApiError {
  constructor(unknown: Array<{ sku: string; path: string }>) {
    const skus = [...new Set(unknown.map((u) => u.sku))];
    super(
      400,
      'invalid_request_error',
      'unknown_sku',
      `Unknown SKU${skus.length > 1 ? 's' : ''} ${skus.map((s) => `"${s}"`).join(', ')}: no inventory item at any location. Check the spelling, or create the item (POST /v1/inventory_items) first.`,
      {
        param: unknown[0].path,
        details: unknown.map((u): ErrorDetail => ({
          path: u.path,
          code: 'unknown_sku',
          message: `No inventory item for SKU "${u.sku}" at any location`,
        })),
      },
    );
  }
}

export interface WantedLine {
  sku: string;
  quantity: number;
  location_id?: string | null;
}

/**
 * One query for everything a set of lines needs from inventory: every item of the requested SKUs
 * (with its location and what is available), the default location, and the locations named by id
 * or code. From it, each line gets its location:
 *
 * 1. the line's own `location_id` (id or code), else the document's `location_id`;
 * 2. else the default location, when it can fill the line;
 * 3. else the active location that can fill it with the most available (then by code);
 * 4. else (no location can fill it alone) the location with the most available, the default on a
 *    tie: the line is short there (409 naming where stock is) or, with backorders, reserves what
 *    is there and backorders the rest.
 *
 * A line fills from one location; it never splits across locations. Lines are allocated in order,
 * each seeing what earlier lines of the request took. Availability is read without locks: the
 * reservation's conditional update decides, so a race for the last units is a 409, never an
 * oversell. A SKU with no item anywhere is 400 unknown_sku.
 */
export async function lookUpStock(
  trx: Trx,
  wanted: WantedLine[],
  paths: { location: (index: number) => string; sku: (index: number) => string },
  documentLocation?: { idOrCode: string; path: string } | null,
): Promise<StockLookup> {
  const named = [
    ...new Set([...wanted.map((w) => w.location_id), documentLocation?.idOrCode].filter((l): l is string => !!l)),
  ];
  const skus = [...new Set(wanted.map((w) => w.sku))];
  // Built once per (dialect, number of SKUs, number of locations): it runs for every order created.
  const postgres = isPostgres(trx);
  const n = skus.length;
  const m = named.length;
  const text = cachedSql(
    `${postgres ? 'pg' : 'sqlite'}|stock|${n}|${m}`,
    () =>
      `select "l"."id" as "location_id", "l"."code", "l"."is_default", "l"."active", "i"."id" as "item_id", "i"."sku", "i"."on_hand" - "i"."reserved" as "available"
      from "inventory_items" as "i" join "locations" as "l" on "l"."id" = "i"."location_id"
      where "i"."sku" in (${placeholders(postgres, n)})
    union all
    select "l"."id", "l"."code", "l"."is_default", "l"."active", null, null, null from "locations" as "l"
      where "l"."is_default" = 1${m ? ` or "l"."id" in (${placeholders(postgres, m, n + 1)}) or "l"."code" in (${placeholders(postgres, m, n + m + 1)})` : ''}`,
  );
  const { rows } = await trx.executeQuery<{
    location_id: string;
    code: string;
    is_default: number;
    active: number;
    item_id: string | null;
    sku: string | null;
    available: number | string | null;
  }>(CompiledQuery.raw(text, [...skus, ...named, ...named]));

  const locationsSeen = new Map<string, { id: string; code: string; is_default: boolean }>();
  const itemIds = new Map<string, string>();
  const stockAt = new Map<string, StockAt[]>();
  const left = new Map<string, number>();
  for (const r of rows) {
    locationsSeen.set(r.location_id, { id: r.location_id, code: r.code, is_default: Number(r.is_default) === 1 });
    if (!r.item_id || !r.sku) continue;
    const at: StockAt = {
      location_id: r.location_id,
      location_code: r.code,
      active: Number(r.active) === 1,
      is_default: Number(r.is_default) === 1,
      item_id: r.item_id,
      available: Number(r.available),
    };
    itemIds.set(stockKey(r.sku, r.location_id), r.item_id);
    left.set(stockKey(r.sku, r.location_id), at.available);
    const list = stockAt.get(r.sku);
    if (list) list.push(at);
    else stockAt.set(r.sku, [at]);
  }

  const resolve = (idOrCode: string, path: string) => {
    const location = locationNamed(locationsSeen.values(), idOrCode);
    if (!location)
      throw new ValidationError(`No location with id or code "${idOrCode}".`, [
        { path, code: 'resource_missing', message: `No location with id or code "${idOrCode}"` },
      ]);
    return location.id;
  };
  const forDocument = documentLocation ? resolve(documentLocation.idOrCode, documentLocation.path) : undefined;
  const own = wanted.map((w, i) => (w.location_id ? resolve(w.location_id, paths.location(i)) : undefined));

  const unknown = wanted.flatMap((w, i) => (stockAt.has(w.sku) ? [] : [{ sku: w.sku, path: paths.sku(i) }]));
  if (unknown.length) throw new UnknownSkuError(unknown);
  const defaultLocation = [...locationsSeen.values()].find((l) => l.is_default)?.id;

  const allocate = (sku: string, quantity: number): string => {
    const here = (locationId: string) => left.get(stockKey(sku, locationId)) ?? 0;
    if (defaultLocation && here(defaultLocation) >= quantity) return defaultLocation;
    const candidates = (stockAt.get(sku) ?? [])
      .filter((s) => s.active || s.is_default)
      .sort(
        (a, b) =>
          here(b.location_id) - here(a.location_id) ||
          Number(b.is_default) - Number(a.is_default) ||
          (a.location_code < b.location_code ? -1 : 1),
      );
    const best = candidates[0];
    if (best && (here(best.location_id) > 0 || !defaultLocation)) return best.location_id;
    if (!defaultLocation)
      throw new ConflictError('no_default_location', 'No default location is set; give each line a location_id.');
    return defaultLocation;
  };

  const locations = wanted.map((w, i) => {
    const chosen = own[i] ?? forDocument ?? allocate(w.sku, w.quantity);
    left.set(stockKey(w.sku, chosen), (left.get(stockKey(w.sku, chosen)) ?? 0) - w.quantity);
    return chosen;
  });
  return { locations, itemIds, stockAt, codes: new Map([...locationsSeen.values()].map((l) => [l.id, l.code])) };
}

/**
 * Shortages told with where the SKU is: the line's location first, then every active location
 * with stock of it (as the lookup saw it), so "short at DEFAULT" also says "30 available at WH-EAST".
 */
export function withWhereStockIs(stock: StockLookup, shortages: Shortage[]): Shortage[] {
  return shortages.map((s) => {
    const elsewhere = (stock.stockAt.get(s.sku) ?? [])
      .filter((a) => a.location_id !== s.location_id && a.active && a.available > 0)
      .sort((a, b) => b.available - a.available || (a.location_code < b.location_code ? -1 : 1));
    const code = stock.codes.get(s.location_id) ?? s.location_id;
    return {
      ...s,
      location_code: code,
      locations: [
        { location_id: s.location_id, location_code: code, available: s.available },
        ...elsewhere.map((a) => ({
          location_id: a.location_id,
          location_code: a.location_code,
          available: a.available,
        })),
      ],
    };
  });
}

export const itemIdOf = (stock: StockLookup, sku: string, locationId: string) =>
  stock.itemIds.get(stockKey(sku, locationId));

/** Item ids for lines whose location is known (lines already on a document), by stockKey(sku, location). */
export async function itemIdsFor(
  trx: Trx,
  lines: Array<{ sku: string; location_id: string }>,
): Promise<Map<string, string>> {
  if (lines.length === 0) return new Map();
  const rows = await trx
    .selectFrom('inventory_items')
    .select(['id', 'sku', 'location_id'])
    .where('sku', 'in', [...new Set(lines.map((l) => l.sku))])
    .where('location_id', 'in', [...new Set(lines.map((l) => l.location_id))])
    .execute();
  return new Map(rows.map((r) => [stockKey(r.sku, r.location_id), r.id]));
}

/** What one line of a document needs reserved, and the item it is reserved on (none: no item at that location). */
export interface StockNeed {
  lineId: string;
  sku: string;
  locationId: string;
  quantity: number;
  itemId: string | undefined;
}

/** The document a reservation or movement is for (`order`, `wholesale_order`, `work_order`, ...). */
export interface DocumentRef {
  type: string;
  id: string;
}

const referenceOf = (document: DocumentRef, lineId: string): LedgerReference => ({
  type: document.type,
  id: document.id,
  line_id: lineId,
});

/**
 * Reserves every need or none: one reserveStock call, whose shortages are reported together with
 * the SKUs that have no inventory item at their location at all (and, given the lookup, where else
 * each short SKU is).
 */
export async function reserveForDocument(
  trx: Trx,
  ctx: RequestContext,
  document: DocumentRef,
  needs: StockNeed[],
  stock?: StockLookup,
): Promise<InventoryReservationsTable[]> {
  const missing: Shortage[] = needs
    .filter((n) => !n.itemId)
    .map((n) => missingItemShortage(n.sku, n.locationId, n.quantity));
  const requests = needs
    .filter((n) => n.itemId)
    .map((n) => ({ itemId: n.itemId!, quantity: n.quantity, reference: referenceOf(document, n.lineId) }));
  let made: InventoryReservationsTable[] = [];
  let shortages = missing;
  try {
    if (requests.length) made = await reserveStock(trx, ctx, requests);
  } catch (err) {
    if (!(err instanceof InsufficientInventoryError)) throw err;
    shortages = [...err.shortages, ...missing];
  }
  if (shortages.length) throw new InsufficientInventoryError(stock ? withWhereStockIs(stock, shortages) : shortages);
  return made;
}

/**
 * A copy of `list` in inventory-item id order: the order every command locks items in on
 * PostgreSQL (src/db/transaction.ts), as reserveStock does, so two commands cannot deadlock on them.
 */
export function inItemOrder<T>(list: readonly T[], itemIdOf: (entry: T) => string | undefined): T[] {
  return [...list].sort((a, b) => {
    const x = itemIdOf(a) ?? '';
    const y = itemIdOf(b) ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * Reserves what is available for each need (the caller backorders the rest) and answers how many
 * units each need got, in the order given. Needs are taken in item order, as reserveStock does, so
 * concurrent documents lock items in one order.
 */
export async function reserveAvailable(
  trx: Trx,
  ctx: RequestContext,
  document: DocumentRef,
  needs: StockNeed[],
): Promise<number[]> {
  const got = new Map<StockNeed, number>();
  for (const need of inItemOrder(needs, (n) => n.itemId)) {
    let reserved = 0;
    let ask = need.quantity;
    // A failed attempt writes nothing; retry with what was available then, in case it shrank meanwhile.
    for (let attempt = 0; need.itemId && ask > 0 && attempt < 3; attempt++) {
      try {
        await reserveStock(trx, ctx, [
          { itemId: need.itemId, quantity: ask, reference: referenceOf(document, need.lineId) },
        ]);
        reserved = ask;
        break;
      } catch (err) {
        if (!(err instanceof InsufficientInventoryError)) throw err;
        ask = Math.min(ask - 1, Math.max(0, err.shortages[0]?.available ?? 0));
      }
    }
    got.set(need, reserved);
  }
  return needs.map((n) => got.get(n) ?? 0);
}

/**
 * Takes `quantity` of a line out of stock: consumes its active reservations (lowering reserved and
 * on_hand with a movement of `reason`, `shipment` by default). Units not reserved must be reserved
 * first (see reserveForDocument).
 */
export async function consume(
  trx: Trx,
  ctx: RequestContext,
  reservations: InventoryReservationsTable[],
  lineId: string,
  quantity: number,
  reference: LedgerReference,
  reason: MovementReason = 'shipment',
): Promise<void> {
  let left = quantity;
  for (const r of reservations) {
    if (left === 0) break;
    if (r.reference_line_id !== lineId || r.status !== 'active' || Number(r.quantity) === 0) continue;
    const take = Math.min(left, Number(r.quantity));
    await consumeReservation(trx, ctx, r.id, take, reason, reference);
    r.quantity = Number(r.quantity) - take;
    left -= take;
  }
  if (left > 0)
    throw new ConflictError(
      'reservation_missing',
      `Line ${lineId} holds ${quantity - left} reserved unit(s), ${quantity} needed.`,
    );
}
