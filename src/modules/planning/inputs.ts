import { sql } from 'kysely';
import type { Executor } from '../../db/connection.js';
import { buyingTermsBySku } from '../purchasing/index.js';
import { emptyPosition, type BuyTerms, type PlanBom, type Position } from './engine.js';

/**
 * The plan's inputs, loaded set-based: one GROUP BY query per source of demand or supply (never
 * one per SKU), read from the tables of the modules that own them. Planning only reads them;
 * everything it creates goes through purchasing and manufacturing.
 */

const OPEN_ORDER_STATUSES = ['pending', 'processing', 'on_hold', 'partially_shipped'] as const;
const OPEN_PO_STATUSES = ['draft', 'submitted', 'approved', 'partially_received'] as const;
const OPEN_WORK_ORDER_STATUSES = ['planned', 'released', 'in_progress', 'on_hold'] as const;

export interface LoadedInputs {
  positions: Position[];
  boms: Map<string, PlanBom>;
  terms: Map<string, BuyTerms>;
}

const keyOf = (sku: string, locationId: string) => `${sku}\u0000${locationId}`;

export async function loadPlanInputs(
  db: Executor,
  locationId: string | null,
  horizonEnd: string,
): Promise<LoadedInputs> {
  const positions = new Map<string, Position>();
  const at = (sku: string, location: string): Position => {
    const key = keyOf(sku, location);
    let p = positions.get(key);
    if (!p) {
      p = emptyPosition(sku, location);
      positions.set(key, p);
    }
    return p;
  };
  // A date column's day (YYYY-MM-DD) is within the horizon, or the row has no date.
  const dueInHorizon = (column: string) =>
    sql<number>`case when ${sql.ref(column)} is null or substr(${sql.ref(column)}, 1, 10) <= ${horizonEnd} then 1 else 0 end`;

  const [items, backorders, incoming, output, components, workOrderReserved, bomRows] = await Promise.all([
    db
      .selectFrom('inventory_items')
      .select(['sku', 'location_id', 'on_hand', 'reserved', 'in_transit', 'safety_stock', 'reorder_point'])
      .$if(!!locationId, (q) => q.where('location_id', '=', locationId!))
      .execute(),
    db
      .selectFrom('order_line_items as l')
      .innerJoin('orders as o', 'o.id', 'l.order_id')
      .select(['l.sku', 'l.location_id', sql<number>`sum(l.quantity_backordered)`.as('quantity')])
      .where('l.quantity_backordered', '>', 0)
      .where('o.status', 'in', OPEN_ORDER_STATUSES)
      .$if(!!locationId, (q) => q.where('l.location_id', '=', locationId!))
      .groupBy(['l.sku', 'l.location_id'])
      .execute(),
    db
      .selectFrom('purchase_order_line_items as l')
      .innerJoin('purchase_orders as po', 'po.id', 'l.purchase_order_id')
      .select([
        'l.sku',
        'po.location_id',
        dueInHorizon('po.expected_date').as('in_horizon'),
        sql<number>`sum(case when l.quantity_ordered > l.quantity_received then l.quantity_ordered - l.quantity_received else 0 end)`.as(
          'quantity',
        ),
      ])
      .where('po.status', 'in', OPEN_PO_STATUSES)
      .$if(!!locationId, (q) => q.where('po.location_id', '=', locationId!))
      .groupBy(['l.sku', 'po.location_id', sql`in_horizon`])
      .execute(),
    db
      .selectFrom('work_orders')
      .select([
        'sku',
        'output_location_id',
        dueInHorizon('due_date').as('in_horizon'),
        sql<number>`sum(case when quantity > quantity_completed then quantity - quantity_completed else 0 end)`.as(
          'quantity',
        ),
      ])
      .where('status', 'in', OPEN_WORK_ORDER_STATUSES)
      .$if(!!locationId, (q) => q.where('output_location_id', '=', locationId!))
      .groupBy(['sku', 'output_location_id', sql`in_horizon`])
      .execute(),
    db
      .selectFrom('work_order_line_items as l')
      .innerJoin('work_orders as w', 'w.id', 'l.work_order_id')
      .select([
        'l.component_sku',
        'w.location_id',
        sql<number>`sum(case when l.quantity_required > l.quantity_issued then l.quantity_required - l.quantity_issued else 0 end)`.as(
          'quantity',
        ),
      ])
      .where('w.status', 'in', OPEN_WORK_ORDER_STATUSES)
      .$if(!!locationId, (q) => q.where('w.location_id', '=', locationId!))
      .groupBy(['l.component_sku', 'w.location_id'])
      .execute(),
    // What open work orders already hold reserved: in `reserved`, so not counted again as their demand.
    db
      .selectFrom('work_orders as w')
      .innerJoin('inventory_reservations as r', (j) =>
        j.onRef('r.reference_id', '=', 'w.id').on('r.status', '=', 'active'),
      )
      .innerJoin('inventory_items as i', 'i.id', 'r.inventory_item_id')
      .select(['i.sku', 'i.location_id', sql<number>`sum(r.quantity)`.as('quantity')])
      .where('w.status', 'in', OPEN_WORK_ORDER_STATUSES)
      .$if(!!locationId, (q) => q.where('i.location_id', '=', locationId!))
      .groupBy(['i.sku', 'i.location_id'])
      .execute(),
    db
      .selectFrom('bills_of_materials as b')
      .innerJoin('bom_line_items as l', 'l.bill_of_materials_id', 'b.id')
      .select([
        'b.id',
        'b.sku',
        'b.output_quantity',
        'b.lead_time_days',
        'l.component_sku',
        'l.quantity',
        'l.scrap_percent',
        'l.supply_type',
      ])
      .where('b.status', '=', 'active')
      .orderBy('b.id')
      .orderBy('l.position')
      .execute(),
  ]);

  for (const r of items) {
    const p = at(r.sku, r.location_id);
    p.on_hand = Number(r.on_hand);
    p.reserved = Number(r.reserved);
    p.in_transit = Number(r.in_transit);
    p.safety_stock = Number(r.safety_stock);
    p.reorder_point = Number(r.reorder_point);
  }
  for (const r of backorders) at(r.sku, r.location_id).backordered += Number(r.quantity);
  for (const r of incoming) {
    const p = at(r.sku, r.location_id);
    if (Number(r.in_horizon) === 1) p.incoming += Number(r.quantity);
    else p.incoming_after_horizon += Number(r.quantity);
  }
  for (const r of output) {
    const p = at(r.sku, r.output_location_id);
    if (Number(r.in_horizon) === 1) p.planned_output += Number(r.quantity);
    else p.planned_output_after_horizon += Number(r.quantity);
  }
  const held = new Map<string, number>();
  for (const r of workOrderReserved) held.set(keyOf(r.sku, r.location_id), Number(r.quantity));
  for (const r of components) {
    const p = at(r.component_sku, r.location_id);
    const unreserved = Number(r.quantity) - (held.get(keyOf(r.component_sku, r.location_id)) ?? 0);
    p.work_order_demand += Math.max(0, unreserved);
  }

  const boms = new Map<string, PlanBom>();
  for (const r of bomRows) {
    let bom = boms.get(r.sku);
    if (!bom) {
      bom = {
        id: r.id,
        sku: r.sku,
        output_quantity: Number(r.output_quantity),
        lead_time_days: Number(r.lead_time_days),
        lines: [],
      };
      boms.set(r.sku, bom);
    }
    bom.lines.push({
      component_sku: r.component_sku,
      quantity: Number(r.quantity),
      scrap_percent: Number(r.scrap_percent),
      supply_type: r.supply_type,
    });
  }
  return { positions: [...positions.values()], boms, terms: await buyingTermsBySku(db) };
}
