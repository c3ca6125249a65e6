/**
 * `npm run bench -- planning`: the replenishment plan at scale. Seeds a fresh database (SQLite, or
 * PostgreSQL when DATABASE_URL is a postgres URL) in bulk with direct inserts: 10,000 SKUs at one
 * location, 2,000 active BOMs five levels deep, 100,000 open order lines (20,000 orders; some
 * backordered, the rest reserved), open purchase orders (drafts included), open work orders and a
 * supplier SKU for every bought SKU. Then computes and stores the plan in-process (the service the
 * GET calls) a few times and prints each time.
 *
 * Settings: BENCH_PLAN_SKUS (default 10000), BENCH_PLAN_BOMS (2000), BENCH_PLAN_ORDER_LINES
 * (100000), BENCH_PLAN_RUNS (3).
 */
import { openDatabase, type DB, type Trx } from '../src/db/connection.js';
import { newId, nowIso } from '../src/db/ids.js';
import { insertRows } from '../src/db/write-batch.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import { createCustomer } from '../src/modules/customers/service.js';
import { defaultLocationId } from '../src/modules/inventory/index.js';
import type { InventoryItemsTable, InventoryReservationsTable } from '../src/modules/inventory/tables.js';
import type {
  BillsOfMaterialsTable,
  BomLineItemsTable,
  WorkOrderLineItemsTable,
  WorkOrdersTable,
} from '../src/modules/manufacturing/tables.js';
import type { OrderLineItemsTable, OrdersTable } from '../src/modules/orders/tables.js';
import { runReplenishmentPlan } from '../src/modules/planning/service.js';
import type {
  PurchaseOrderLineItemsTable,
  PurchaseOrdersTable,
  SupplierSkusTable,
  SuppliersTable,
} from '../src/modules/purchasing/tables.js';

const SKUS = Number(process.env.BENCH_PLAN_SKUS ?? 10_000);
const BOMS = Number(process.env.BENCH_PLAN_BOMS ?? 2_000);
const ORDER_LINES = Number(process.env.BENCH_PLAN_ORDER_LINES ?? 100_000);
const RUNS = Number(process.env.BENCH_PLAN_RUNS ?? 3);
const LEVELS = 5;
const LINES_PER_ORDER = 5;

/** A small deterministic generator, so every run seeds the same data. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 3266489909) >>> 0;
    return ((s ^ (s >>> 16)) >>> 0) % n;
  };
}

const skuName = (i: number) => `PLN-${String(i).padStart(5, '0')}`;

async function bulk(db: DB, table: string, rows: object[]): Promise<void> {
  const columns = rows.length ? Object.keys(rows[0]).length : 1;
  const chunk = Math.max(1, Math.floor(30_000 / columns));
  await db.transaction().execute(async (trx: Trx) => {
    for (let i = 0; i < rows.length; i += chunk) await insertRows(trx, table, rows.slice(i, i + chunk));
  });
}

async function seed(db: DB): Promise<void> {
  const rand = prng(19);
  const now = nowIso();
  const today = now.slice(0, 10);
  const location = await defaultLocationId(db);
  const ctx = { requestId: 'bench' };
  const customer = await createCustomer(db, ctx, { email: 'planner@example.com' } as any);

  // SKUs 0..BOMS-1 are made (a BOM each, LEVELS levels of BOMS/LEVELS); the rest are bought.
  const perLevel = Math.floor(BOMS / LEVELS);
  const levelOf = (i: number) => Math.min(LEVELS - 1, Math.floor(i / perLevel));
  const reserved = new Array<number>(SKUS).fill(0);
  const items: InventoryItemsTable[] = [];
  const itemIds: string[] = [];
  for (let i = 0; i < SKUS; i++) {
    const id = newId('inv');
    itemIds.push(id);
    items.push({
      id,
      sku: skuName(i),
      location_id: location,
      description: null,
      uom: 'each',
      on_hand: 0, // set below, after the reservations that must fit in it
      reserved: 0,
      incoming: 0,
      in_transit: 0,
      reorder_point: i >= BOMS ? rand(40) : 0,
      safety_stock: i >= BOMS ? rand(20) : 0,
      unit_cost: 100,
      lot_tracked: 0,
      serial_tracked: 0,
      metadata: '{}',
      search_text: skuName(i).toLowerCase(),
      version: 1,
      created_at: now,
      updated_at: now,
    });
  }

  const boms: BillsOfMaterialsTable[] = [];
  const bomLines: BomLineItemsTable[] = [];
  for (let i = 0; i < BOMS; i++) {
    const id = newId('bom');
    boms.push({
      id,
      bom_number: `BOM-${String(i + 1).padStart(6, '0')}`,
      name: `Assembly ${skuName(i)}`,
      sku: skuName(i),
      description: null,
      output_quantity: 1,
      uom: 'each',
      revision: 'A',
      status: 'active',
      lead_time_days: 1 + rand(5),
      labor_hours: 0,
      metadata: '{}',
      activated_at: now,
      obsoleted_at: null,
      version: 1,
      created_at: now,
      updated_at: now,
    });
    const level = levelOf(i);
    const components = new Set<number>();
    // Two sub-assemblies from the next level down (none at the bottom), and bought parts.
    if (level < LEVELS - 1) {
      const start = (level + 1) * perLevel;
      const end = level + 1 === LEVELS - 1 ? BOMS : start + perLevel;
      while (components.size < 2) components.add(start + rand(end - start));
    }
    while (components.size < 5) components.add(BOMS + rand(SKUS - BOMS));
    let position = 1;
    for (const c of components)
      bomLines.push({
        id: newId('bli'),
        bill_of_materials_id: id,
        position: position++,
        component_sku: skuName(c),
        quantity: 1 + rand(3),
        uom: 'each',
        scrap_percent: 0,
        supply_type: c < BOMS ? 'make' : 'buy',
        notes: null,
        metadata: '{}',
        version: 1,
        created_at: now,
        updated_at: now,
      });
  }

  const suppliers: SuppliersTable[] = [];
  for (let s = 0; s < 50; s++)
    suppliers.push({
      id: newId('sup'),
      name: `Supplier ${s}`,
      code: `SUP-${s}`,
      email: null,
      phone: null,
      address: null,
      payment_terms: null,
      lead_time_days: 5 + rand(20),
      status: 'active',
      notes: null,
      metadata: '{}',
      search_text: `supplier ${s}`,
      version: 1,
      created_at: now,
      updated_at: now,
    });
  const supplierSkus: SupplierSkusTable[] = [];
  for (let i = BOMS; i < SKUS; i++)
    supplierSkus.push({
      id: newId('ssk'),
      supplier_id: suppliers[i % suppliers.length].id,
      sku: skuName(i),
      supplier_sku: null,
      description: null,
      unit_cost: 50 + rand(500),
      currency: 'USD',
      min_order_quantity: [1, 10, 50, 100][rand(4)],
      order_multiple: [1, 5, 10, 25][rand(4)],
      lead_time_days: rand(2) ? 3 + rand(20) : null,
      preferred: 1,
      metadata: '{}',
      version: 1,
      created_at: now,
      updated_at: now,
    });

  // Open orders: finished goods (the top level) and spare parts; a tenth of the units backordered.
  const orders: OrdersTable[] = [];
  const orderLines: OrderLineItemsTable[] = [];
  const reservations: InventoryReservationsTable[] = [];
  const sellable = (k: number) => (k % 2 === 0 ? rand(perLevel) : BOMS + rand(SKUS - BOMS));
  for (let o = 0; o * LINES_PER_ORDER < ORDER_LINES; o++) {
    const orderId = newId('ord');
    orders.push({
      id: orderId,
      order_number: `ORD-${String(o + 1).padStart(6, '0')}`,
      status: 'processing',
      payment_status: 'paid',
      fulfillment_status: 'unfulfilled',
      customer_id: customer.id,
      customer_email: 'planner@example.com',
      customer_email_normalized: 'planner@example.com',
      customer_first_name: null,
      customer_last_name: null,
      customer_phone: null,
      shipping_address: null,
      billing_address: null,
      payment_method: null,
      payment_intent_id: null,
      shipping_method: null,
      shipping_carrier: null,
      shipping_tracking_number: null,
      shipping_estimated_delivery: null,
      shipping_amount: 0,
      currency: 'USD',
      tax_rate: null,
      tax_amount: null,
      subtotal: 0,
      discount_total: 0,
      tax_total: 0,
      shipping_total: 0,
      total: 0,
      paid_total: 0,
      refunded_total: 0,
      edit_refunded_total: 0,
      tags: '[]',
      tags_index: '',
      notes: null,
      source: 'api',
      hold: null,
      cancel: null,
      split_from_order_id: null,
      merged_into_order_id: null,
      exchange_for_return_id: null,
      allow_backorder: 1,
      metadata: '{}',
      search_text: '',
      paid_at: now,
      shipped_at: null,
      delivered_at: null,
      cancelled_at: null,
      version: 1,
      created_at: now,
      updated_at: now,
      document: null,
    });
    for (let k = 0; k < LINES_PER_ORDER && orderLines.length < ORDER_LINES; k++) {
      const i = sellable(k);
      const quantity = 1 + rand(4);
      const backordered = rand(10) === 0 ? quantity : 0;
      const lineId = newId('oli');
      orderLines.push({
        id: lineId,
        order_id: orderId,
        position: k + 1,
        sku: skuName(i),
        name: null,
        location_id: location,
        quantity,
        price: 1000,
        discount: 0,
        tax: 0,
        total: 1000 * quantity,
        quantity_shipped: 0,
        quantity_returned: 0,
        quantity_refunded: 0,
        quantity_backordered: backordered,
        metadata: '{}',
        created_at: now,
        updated_at: now,
      });
      if (quantity > backordered) {
        reserved[i] += quantity - backordered;
        reservations.push({
          id: newId('rsv'),
          inventory_item_id: itemIds[i],
          quantity: quantity - backordered,
          reference_type: 'order',
          reference_id: orderId,
          reference_line_id: lineId,
          status: 'active',
          created_at: now,
          updated_at: now,
        });
      }
    }
  }
  for (let i = 0; i < SKUS; i++) {
    items[i].reserved = reserved[i];
    // On hand covers what is reserved, plus a random margin that leaves some SKUs short of their reorder point.
    items[i].on_hand = reserved[i] + rand(30);
  }

  // Open purchase orders (a third of them drafts) for bought SKUs, some expected after the horizon.
  const pos: PurchaseOrdersTable[] = [];
  const poLines: PurchaseOrderLineItemsTable[] = [];
  const poStatuses = ['draft', 'submitted', 'approved'] as const;
  for (let p = 0; p < 1_000; p++) {
    const id = newId('po');
    const expected = new Date(Date.parse(`${today}T00:00:00Z`) + rand(60) * 86_400_000).toISOString().slice(0, 10);
    pos.push({
      id,
      po_number: `PO-${String(p + 1).padStart(6, '0')}`,
      supplier_id: suppliers[p % suppliers.length].id,
      location_id: location,
      status: poStatuses[p % 3],
      order_date: today,
      expected_date: expected,
      currency: 'USD',
      subtotal: 0,
      tax: 0,
      shipping: 0,
      total: 0,
      financer: null,
      financed_at: null,
      notes: null,
      submitted_at: null,
      approved_at: null,
      received_at: null,
      completed_at: null,
      cancelled_at: null,
      metadata: '{}',
      version: 1,
      created_at: now,
      updated_at: now,
    });
    for (let l = 0; l < 5; l++)
      poLines.push({
        id: newId('pol'),
        purchase_order_id: id,
        sku: skuName(BOMS + rand(SKUS - BOMS)),
        description: null,
        quantity_ordered: 10 + rand(100),
        quantity_received: 0,
        unit_cost: 100,
        total: 0,
        inventory_item_id: null,
        created_at: now,
        updated_at: now,
      });
  }

  // Open work orders (planned, not yet reserving) for a tenth of the assemblies.
  const workOrders: WorkOrdersTable[] = [];
  const workOrderLines: WorkOrderLineItemsTable[] = [];
  for (let w = 0; w < BOMS / 10; w++) {
    const b = rand(BOMS);
    const id = newId('wko');
    const quantity = 1 + rand(10);
    workOrders.push({
      id,
      work_order_number: `WO-${String(w + 1).padStart(6, '0')}`,
      bill_of_materials_id: boms[b].id,
      sku: boms[b].sku,
      quantity,
      quantity_completed: 0,
      location_id: location,
      output_location_id: location,
      manufacture_order_id: null,
      priority: 'normal',
      assignee: null,
      due_date: today,
      status: 'planned',
      previous_status: null,
      standard_labor_hours: 0,
      actual_labor_hours: 0,
      memo: null,
      metadata: '{}',
      released_at: null,
      started_at: null,
      completed_at: null,
      cancelled_at: null,
      version: 1,
      created_at: now,
      updated_at: now,
    });
    let position = 1;
    for (const l of bomLines.filter((x) => x.bill_of_materials_id === boms[b].id))
      workOrderLines.push({
        id: newId('wkl'),
        work_order_id: id,
        position: position++,
        bom_line_item_id: l.id,
        component_sku: l.component_sku,
        uom: 'each',
        quantity_per: l.quantity,
        bom_output_quantity: 1,
        scrap_percent: 0,
        quantity_required: l.quantity * quantity,
        quantity_issued: 0,
        created_at: now,
        updated_at: now,
      });
  }

  await bulk(db, 'inventory_items', items);
  await bulk(db, 'bills_of_materials', boms);
  await bulk(db, 'bom_line_items', bomLines);
  await bulk(db, 'suppliers', suppliers);
  await bulk(db, 'supplier_skus', supplierSkus);
  await bulk(db, 'orders', orders);
  await bulk(db, 'order_line_items', orderLines);
  await bulk(db, 'inventory_reservations', reservations);
  await bulk(db, 'purchase_orders', pos);
  await bulk(db, 'purchase_order_line_items', poLines);
  await bulk(db, 'work_orders', workOrders);
  await bulk(db, 'work_order_line_items', workOrderLines);
  console.log(
    `seeded: ${SKUS} SKUs, ${BOMS} BOMs (${LEVELS} levels, ${bomLines.length} lines), ${orders.length} orders with ${orderLines.length} open lines, ${pos.length} open POs (${poLines.length} lines), ${workOrders.length} open work orders`,
  );
}

export async function benchPlanning(): Promise<void> {
  const baseUrl = process.env.DATABASE_URL ?? '';
  const dialect = /^postgres(ql)?:\/\//.test(baseUrl) ? 'postgres' : 'sqlite';
  const throwaway = await createThrowawayDatabase(baseUrl, 'bench_planning');
  const database = openDatabase(throwaway.url);
  try {
    await migrateToLatest(database.db);
    const seeding = performance.now();
    await seed(database.db);
    console.log(`seeding took ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const started = performance.now();
      const plan = await runReplenishmentPlan(database.db, { requestId: `bench-plan-${r}` }, { horizon_days: 30 });
      const ms = performance.now() - started;
      times.push(ms);
      const makes = plan.proposals.filter((p) => p.action === 'make').length;
      console.log(
        `plan ${r + 1}: ${ms.toFixed(0)} ms (computed in ${plan.duration_ms} ms before storing), ${plan.proposals.length} proposals (${makes} make, ${plan.proposals.length - makes} buy), ${Math.max(...plan.proposals.map((p) => p.level)) + 1} levels`,
      );
    }
    console.log(
      `Opsline planning bench (${dialect}): best ${Math.min(...times).toFixed(0)} ms, median ${times.sort((a, b) => a - b)[Math.floor(times.length / 2)].toFixed(0)} ms for ${SKUS} SKUs, ${BOMS} BOMs, ${ORDER_LINES} open order lines`,
    );
  } finally {
    await database.close();
    await throwaway.drop();
  }
}
