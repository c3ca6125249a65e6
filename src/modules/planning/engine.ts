/**
 * The replenishment computation, in memory and free of I/O: given every SKU's position at each
 * location (inputs.ts loads them with a few GROUP BY queries), the active BOMs and the buying
 * terms, it nets requirements level by level and answers the proposals.
 *
 * Net requirement of a SKU at a location:
 *   demand = reserved + backordered + component_demand + max(safety_stock, reorder_point)
 *   supply = on_hand + incoming + in_transit + planned_output
 *   net    = max(0, demand - supply)
 * Stock is planned back up to the reorder point (or to the safety stock when that is higher).
 * Supply expected after the horizon (a purchase order's expected_date, a work order's due_date)
 * arrives too late to count; the explanation shows it apart.
 *
 * Levels (low-level codes): a SKU's level is its deepest position in any active BOM tree (0 = no
 * parent), so it is netted once, after every parent whose shortage becomes its demand. A SKU with
 * an active BOM is made (a work order for exactly the net requirement, whose component needs are
 * the BOM's, rounded as work orders round them) unless the BOM lines that name it all say
 * supply_type "buy", as manufacturing's explode reads them; any other SKU is bought from its
 * supplier SKU, rounded up to the minimum order quantity and then to the order multiple.
 *
 * Dates, scheduled forward from the plan date: a buy is ordered today and needed by today + its
 * lead time; a make starts (order_by) when the last of its proposed components arrives (today at
 * the earliest) and is needed by that date + the BOM's lead time. So order_by = need_by - lead time
 * everywhere, and a parent never starts before its components arrive.
 */

import type { PlanProposalsTable } from './tables.js';

export interface Position {
  sku: string;
  location_id: string;
  on_hand: number;
  /** Every active reservation of the item (orders, wholesale orders, work orders, others). */
  reserved: number;
  /** Order lines' unshipped units that hold no reservation. */
  backordered: number;
  /** Open work orders' component needs not yet issued nor reserved. */
  work_order_demand: number;
  safety_stock: number;
  reorder_point: number;
  /** Open purchase-order quantity (drafts included) expected within the horizon or undated. */
  incoming: number;
  incoming_after_horizon: number;
  in_transit: number;
  /** Remaining output of open work orders (planned ones included) due within the horizon or undated. */
  planned_output: number;
  planned_output_after_horizon: number;
}

export interface PlanBom {
  id: string;
  sku: string;
  output_quantity: number;
  lead_time_days: number;
  lines: Array<{ component_sku: string; quantity: number; scrap_percent: number; supply_type: 'buy' | 'make' }>;
}

export interface BuyTerms {
  id: string;
  supplier_id: string;
  unit_cost: number;
  min_order_quantity: number;
  order_multiple: number;
  lead_time_days: number;
}

export interface PlanInputs {
  /** The plan date, YYYY-MM-DD (UTC). */
  today: string;
  positions: Position[];
  boms: Map<string, PlanBom>;
  terms: Map<string, BuyTerms>;
  /** Only these SKUs and, through their BOMs, their components; every SKU when absent. */
  skuIn?: readonly string[];
  /** Units of a component for a parent quantity (the work orders' rounding rule). */
  requiredQuantity: (
    line: { quantity: number; scrap_percent: number },
    parentQuantity: number,
    output: number,
  ) => number;
}

export interface Explanation {
  on_hand: number;
  reserved: number;
  backordered: number;
  component_demand: number;
  /** The part of component_demand from this plan's own make proposals (the rest: open work orders). */
  component_demand_from_plan: number;
  safety_stock: number;
  reorder_point: number;
  incoming: number;
  incoming_after_horizon: number;
  in_transit: number;
  planned_output: number;
  planned_output_after_horizon: number;
  demand: number;
  supply: number;
  net_requirement: number;
  min_order_quantity: number | null;
  order_multiple: number | null;
}

/** A proposal as computed: the stored row's fields (tables.ts) before it is numbered and stored. */
export type ComputedProposal = Pick<
  PlanProposalsTable,
  | 'sku'
  | 'location_id'
  | 'action'
  | 'quantity'
  | 'level'
  | 'need_by'
  | 'order_by'
  | 'lead_time_days'
  | 'supplier_id'
  | 'supplier_sku_id'
  | 'unit_cost'
  | 'bom_id'
> & { explanation: Explanation };

const keyOf = (sku: string, locationId: string) => `${sku}\u0000${locationId}`;

/** YYYY-MM-DD plus n days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Low-level codes: each SKU's deepest position under any active BOM (absent = 0). */
export function lowLevelCodes(boms: Map<string, PlanBom>): Map<string, number> {
  const children = new Map<string, Set<string>>();
  const parents = new Map<string, number>();
  for (const bom of boms.values()) {
    const set = children.get(bom.sku) ?? new Set<string>();
    for (const l of bom.lines) set.add(l.component_sku);
    children.set(bom.sku, set);
  }
  for (const set of children.values()) for (const c of set) parents.set(c, (parents.get(c) ?? 0) + 1);
  // Kahn's order over parent -> component edges (active BOMs never form a cycle).
  const level = new Map<string, number>();
  const ready: string[] = [];
  for (const sku of children.keys()) if (!parents.has(sku)) ready.push(sku);
  while (ready.length) {
    const sku = ready.pop()!;
    const mine = level.get(sku) ?? 0;
    for (const c of children.get(sku) ?? []) {
      if ((level.get(c) ?? 0) < mine + 1) level.set(c, mine + 1);
      const left = parents.get(c)! - 1;
      parents.set(c, left);
      if (left === 0) ready.push(c);
    }
  }
  return level;
}

/**
 * The SKUs planned as made: an active BOM, and either no BOM names them as a component (finished
 * goods) or some line does with supply_type "make" (lines default to "buy", as in manufacturing).
 */
export function madeSkus(boms: Map<string, PlanBom>): Set<string> {
  const asComponent = new Map<string, boolean>();
  for (const bom of boms.values())
    for (const l of bom.lines)
      asComponent.set(l.component_sku, (asComponent.get(l.component_sku) ?? false) || l.supply_type === 'make');
  const made = new Set<string>();
  for (const sku of boms.keys()) if (asComponent.get(sku) ?? true) made.add(sku);
  return made;
}

/** The SKUs asked for and every component below them. */
function withComponents(skus: readonly string[], boms: Map<string, PlanBom>, made: Set<string>): Set<string> {
  const out = new Set<string>();
  const stack = [...skus];
  while (stack.length) {
    const sku = stack.pop()!;
    if (out.has(sku)) continue;
    out.add(sku);
    if (made.has(sku)) for (const l of boms.get(sku)!.lines) stack.push(l.component_sku);
  }
  return out;
}

/** Buy quantity: at least the minimum order quantity, then up to a multiple of the order multiple. */
export function roundBuyQuantity(net: number, minOrderQuantity: number, orderMultiple: number): number {
  const atLeast = Math.max(net, minOrderQuantity);
  return orderMultiple > 1 ? Math.ceil(atLeast / orderMultiple) * orderMultiple : atLeast;
}

/** A SKU at a location with nothing on hand, nothing wanted and nothing coming. */
export function emptyPosition(sku: string, locationId: string): Position {
  return {
    sku,
    location_id: locationId,
    on_hand: 0,
    reserved: 0,
    backordered: 0,
    work_order_demand: 0,
    safety_stock: 0,
    reorder_point: 0,
    incoming: 0,
    incoming_after_horizon: 0,
    in_transit: 0,
    planned_output: 0,
    planned_output_after_horizon: 0,
  };
}

export function computePlan(inputs: PlanInputs): ComputedProposal[] {
  const { boms, terms, today } = inputs;
  const levels = lowLevelCodes(boms);
  const made = madeSkus(boms);
  const scope = inputs.skuIn ? withComponents(inputs.skuIn, boms, made) : null;

  const positions = new Map<string, Position>();
  for (const p of inputs.positions) if (!scope || scope.has(p.sku)) positions.set(keyOf(p.sku, p.location_id), p);
  const fromPlan = new Map<string, number>();

  // Buckets by level; components reached through a parent's proposal join their bucket on the way.
  const buckets: Array<Set<string>> = [];
  const enqueue = (key: string, sku: string) => {
    const level = levels.get(sku) ?? 0;
    (buckets[level] ??= new Set()).add(key);
  };
  for (const [key, p] of positions) enqueue(key, p.sku);

  const proposals: ComputedProposal[] = [];
  const byKey = new Map<string, ComputedProposal>();
  for (let level = 0; level < buckets.length; level++) {
    // Sorted so a plan lists its proposals in a stable order (level, SKU, location).
    const keys = [...(buckets[level] ?? [])].sort();
    for (const key of keys) {
      const p = positions.get(key)!;
      const planned = fromPlan.get(key) ?? 0;
      const componentDemand = p.work_order_demand + planned;
      const demand = p.reserved + p.backordered + componentDemand + Math.max(p.safety_stock, p.reorder_point);
      const supply = p.on_hand + p.incoming + p.in_transit + p.planned_output;
      const net = Math.max(0, demand - supply);
      if (net === 0) continue;
      const bom = made.has(p.sku) ? boms.get(p.sku) : undefined;
      const buy = bom ? undefined : terms.get(p.sku);
      const quantity = buy ? roundBuyQuantity(net, buy.min_order_quantity, buy.order_multiple) : net;
      const proposal: ComputedProposal = {
        sku: p.sku,
        location_id: p.location_id,
        action: bom ? 'make' : 'buy',
        quantity,
        level,
        need_by: today,
        order_by: today,
        lead_time_days: bom ? Number(bom.lead_time_days) : (buy?.lead_time_days ?? 0),
        supplier_id: buy?.supplier_id ?? null,
        supplier_sku_id: buy?.id ?? null,
        unit_cost: buy?.unit_cost ?? null,
        bom_id: bom?.id ?? null,
        explanation: {
          on_hand: p.on_hand,
          reserved: p.reserved,
          backordered: p.backordered,
          component_demand: componentDemand,
          component_demand_from_plan: planned,
          safety_stock: p.safety_stock,
          reorder_point: p.reorder_point,
          incoming: p.incoming,
          incoming_after_horizon: p.incoming_after_horizon,
          in_transit: p.in_transit,
          planned_output: p.planned_output,
          planned_output_after_horizon: p.planned_output_after_horizon,
          demand,
          supply,
          net_requirement: net,
          min_order_quantity: buy?.min_order_quantity ?? null,
          order_multiple: buy?.order_multiple ?? null,
        },
      };
      proposals.push(proposal);
      byKey.set(key, proposal);
      if (!bom) continue;
      for (const line of bom.lines) {
        const childKey = keyOf(line.component_sku, p.location_id);
        const need = inputs.requiredQuantity(line, quantity, Number(bom.output_quantity));
        fromPlan.set(childKey, (fromPlan.get(childKey) ?? 0) + need);
        if (!positions.has(childKey)) positions.set(childKey, emptyPosition(line.component_sku, p.location_id));
        enqueue(childKey, line.component_sku);
      }
    }
  }

  // Dates, deepest level first: a make starts when its last proposed component arrives.
  for (let i = proposals.length - 1; i >= 0; i--) {
    const proposal = proposals[i];
    let start = today;
    if (proposal.action === 'make')
      for (const line of boms.get(proposal.sku)!.lines) {
        const component = byKey.get(keyOf(line.component_sku, proposal.location_id));
        if (component && component.need_by > start) start = component.need_by;
      }
    proposal.order_by = start;
    proposal.need_by = addDays(start, proposal.lead_time_days);
  }
  return proposals;
}
