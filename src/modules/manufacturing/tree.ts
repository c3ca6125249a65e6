import type { Executor } from '../../db/connection.js';
import { ApiError, ValidationError } from '../../platform/errors.js';
import { InsufficientInventoryError } from '../inventory/index.js';
import type { BillsOfMaterialsTable, BomLineItemsTable } from './tables.js';

/**
 * The multi-level structure of bills of materials: loading the active BOMs a tree needs (one query
 * per level, never one per node), the rounding rule for requirements, and cycle detection.
 */

export interface BomWithLines {
  bom: BillsOfMaterialsTable;
  lines: BomLineItemsTable[];
}

/** scrap_percent in hundredths of a percent: exact integer arithmetic for the rounding rule. */
const scrapBasisPoints = (scrapPercent: number) => Math.round(Number(scrapPercent) * 100);

/**
 * Units of a component needed for `parentQuantity` units of its parent:
 * ceil(quantity x parentQuantity x (1 + scrap_percent/100) / output_quantity), computed exactly.
 */
export function requiredQuantity(
  line: { quantity: number; scrap_percent: number },
  parentQuantity: number,
  outputQuantity: number,
): number {
  const numerator =
    BigInt(line.quantity) * BigInt(parentQuantity) * BigInt(10_000 + scrapBasisPoints(line.scrap_percent));
  const denominator = BigInt(outputQuantity) * 10_000n;
  const required = (numerator + denominator - 1n) / denominator;
  if (required > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ValidationError('The quantity asks for more units of a component than can be counted exactly.', [
      { path: 'quantity', message: 'Too large for the bill of materials' },
    ]);
  return Number(required);
}

/** Units per unit of the parent, scrap included, unrounded (for costs). */
export function quantityPerUnit(line: { quantity: number; scrap_percent: number }, outputQuantity: number): number {
  return (Number(line.quantity) * (10_000 + scrapBasisPoints(line.scrap_percent))) / (10_000 * Number(outputQuantity));
}

/** 400 bom_cycle naming the loop: "A -> B -> C -> A". */
export class BomCycleError extends ApiError {
  constructor(cycle: string[], param?: string) {
    const path = cycle.join(' -> ');
    super(400, 'invalid_request_error', 'bom_cycle', `The bill of materials would contain itself: ${path}.`, {
      param,
      details: { cycle, path },
    });
  }
}

/**
 * The active BOMs (with their lines, in position order) of the SKUs reachable from `startSkus`,
 * level by level: one query per level of the tree. `follow` says which lines lead further down;
 * `exclude` is a SKU whose active BOM is replaced by the candidate being checked.
 */
export async function loadActiveBoms(
  db: Executor,
  startSkus: string[],
  follow: (line: BomLineItemsTable) => boolean,
  exclude?: string,
): Promise<Map<string, BomWithLines>> {
  const found = new Map<string, BomWithLines>();
  const seen = new Set<string>(exclude ? [exclude] : []);
  let frontier = [...new Set(startSkus)].filter((s) => !seen.has(s));
  while (frontier.length) {
    for (const s of frontier) seen.add(s);
    const rows = await db
      .selectFrom('bills_of_materials as b')
      .leftJoin('bom_line_items as l', 'l.bill_of_materials_id', 'b.id')
      .selectAll('b')
      .select([
        'l.id as l_id',
        'l.position as l_position',
        'l.component_sku as l_component_sku',
        'l.quantity as l_quantity',
        'l.uom as l_uom',
        'l.scrap_percent as l_scrap_percent',
        'l.supply_type as l_supply_type',
        'l.notes as l_notes',
        'l.metadata as l_metadata',
        'l.version as l_version',
        'l.created_at as l_created_at',
        'l.updated_at as l_updated_at',
      ])
      .where('b.status', '=', 'active')
      .where('b.sku', 'in', frontier)
      .orderBy('b.sku')
      .orderBy('l.position')
      .execute();
    const next = new Set<string>();
    for (const r of rows) {
      let entry = found.get(r.sku);
      if (!entry) {
        const {
          l_id,
          l_position,
          l_component_sku,
          l_quantity,
          l_uom,
          l_scrap_percent,
          l_supply_type,
          l_notes,
          l_metadata,
          l_version,
          l_created_at,
          l_updated_at,
          ...bom
        } = r;
        entry = { bom: bom as BillsOfMaterialsTable, lines: [] };
        found.set(r.sku, entry);
      }
      if (!r.l_id) continue;
      const line: BomLineItemsTable = {
        id: r.l_id,
        bill_of_materials_id: r.id,
        position: Number(r.l_position),
        component_sku: r.l_component_sku!,
        quantity: Number(r.l_quantity),
        uom: r.l_uom!,
        scrap_percent: Number(r.l_scrap_percent),
        supply_type: r.l_supply_type!,
        notes: r.l_notes,
        metadata: r.l_metadata!,
        version: Number(r.l_version),
        created_at: r.l_created_at!,
        updated_at: r.l_updated_at!,
      };
      entry.lines.push(line);
      if (follow(line) && !seen.has(line.component_sku)) next.add(line.component_sku);
    }
    frontier = [...next];
  }
  return found;
}

/**
 * Refuses (400 bom_cycle) a BOM for `sku` with `lines` when it would contain itself at any depth,
 * through the active BOMs of its components (every line counts, bought or made: a bought SKU with
 * an active BOM could be switched to make at any time).
 */
export async function assertNoCycle(
  db: Executor,
  sku: string,
  lines: Array<{ component_sku: string }>,
  param?: string,
): Promise<void> {
  const boms = await loadActiveBoms(
    db,
    lines.map((l) => l.component_sku),
    () => true,
    sku,
  );
  const children = (s: string) =>
    s === sku ? lines.map((l) => l.component_sku) : (boms.get(s)?.lines.map((l) => l.component_sku) ?? []);
  // Depth-first from the candidate, with the path so far: the first way back to `sku` is the cycle.
  const done = new Set<string>();
  const path: string[] = [sku];
  const visit = (s: string): string[] | null => {
    for (const c of children(s)) {
      if (c === sku) return [...path, c];
      if (done.has(c) || path.includes(c)) continue;
      path.push(c);
      const found = visit(c);
      path.pop();
      if (found) return found;
      done.add(c);
    }
    return null;
  };
  const cycle = visit(sku);
  if (cycle) throw new BomCycleError(cycle, param);
}

/**
 * Runs a reservation and, when it is short, names each shortage's location by its code ("short at
 * DEFAULT", not at loc_...): the ledger reports ids when no stock lookup was made.
 */
export async function namingLocations<T>(db: Executor, reserve: () => Promise<T>): Promise<T> {
  try {
    return await reserve();
  } catch (err) {
    if (!(err instanceof InsufficientInventoryError) || err.shortages.every((s) => s.location_code)) throw err;
    const ids = [...new Set(err.shortages.map((s) => s.location_id))];
    const rows = await db.selectFrom('locations').select(['id', 'code']).where('id', 'in', ids).execute();
    const codes = new Map(rows.map((r) => [r.id, r.code]));
    throw new InsufficientInventoryError(
      err.shortages.map((s) => ({ ...s, location_code: s.location_code ?? codes.get(s.location_id) ?? s.location_id })),
    );
  }
}
