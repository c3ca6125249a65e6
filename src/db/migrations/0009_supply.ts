import { sql, type Kysely } from 'kysely';
import { createCounter } from '../counters.js';

/**
 * Supply and warehouse: suppliers, purchase orders and their lines, packing lists and their items,
 * cycle counts and their lines. Stock itself stays in the inventory tables, written by the ledger.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('suppliers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.unique())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('address', 'text')
    .addColumn('payment_terms', 'text')
    .addColumn('lead_time_days', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('notes', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('suppliers_created').on('suppliers').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('purchase_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('po_number', 'text', (c) => c.notNull().unique())
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('locations.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('order_date', 'text')
    .addColumn('expected_date', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('subtotal', 'bigint', (c) => c.notNull())
    .addColumn('tax', 'bigint', (c) => c.notNull())
    .addColumn('shipping', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('financer', 'text')
    .addColumn('financed_at', 'text')
    .addColumn('notes', 'text')
    .addColumn('submitted_at', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('received_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('cancelled_at', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'purchase_orders_money_non_negative',
      sql`subtotal >= 0 AND tax >= 0 AND shipping >= 0 AND total >= 0`,
    )
    .execute();
  await db.schema.createIndex('purchase_orders_created').on('purchase_orders').columns(['created_at', 'id']).execute();
  await db.schema
    .createIndex('purchase_orders_supplier')
    .on('purchase_orders')
    .columns(['supplier_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('purchase_order_line_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purchase_order_id', 'text', (c) => c.notNull().references('purchase_orders.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('quantity_ordered', 'bigint', (c) => c.notNull())
    .addColumn('quantity_received', 'bigint', (c) => c.notNull())
    .addColumn('unit_cost', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    // The ship-to location's item, set when the order is approved (its incoming counts this line).
    .addColumn('inventory_item_id', 'text', (c) => c.references('inventory_items.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'purchase_order_lines_quantities',
      sql`quantity_ordered > 0 AND quantity_received >= 0 AND unit_cost >= 0 AND total >= 0`,
    )
    .execute();
  await db.schema
    .createIndex('purchase_order_lines_order')
    .on('purchase_order_line_items')
    .columns(['purchase_order_id', 'id'])
    .execute();

  await db.schema
    .createTable('packing_lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('packing_list_number', 'text', (c) => c.notNull().unique())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('purchase_order_id', 'text', (c) => c.references('purchase_orders.id'))
    .addColumn('order_id', 'text', (c) => c.references('orders.id'))
    .addColumn('shipment_id', 'text', (c) => c.references('shipments.id'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('locations.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text')
    .addColumn('tracking_number', 'text')
    .addColumn('ship_date', 'text')
    .addColumn('delivery_date', 'text')
    .addColumn('invoice_number', 'text')
    .addColumn('notes', 'text')
    .addColumn('submitted_at', 'text')
    .addColumn('shipped_at', 'text')
    .addColumn('arrived_at', 'text')
    .addColumn('verified_at', 'text')
    .addColumn('cancelled_at', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('packing_lists_created').on('packing_lists').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('packing_list_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('packing_list_id', 'text', (c) => c.notNull().references('packing_lists.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('quantity_arrived', 'bigint', (c) => c.notNull())
    .addColumn('purchase_order_line_item_id', 'text', (c) => c.references('purchase_order_line_items.id'))
    .addColumn('order_line_item_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    // An item never records more arrived than it lists: arrivals are conditional updates, this backs them up.
    .addCheckConstraint(
      'packing_list_items_quantities',
      sql`quantity > 0 AND quantity_arrived >= 0 AND quantity_arrived <= quantity`,
    )
    .execute();
  await db.schema
    .createIndex('packing_list_items_list')
    .on('packing_list_items')
    .columns(['packing_list_id', 'id'])
    .execute();

  await db.schema
    .createTable('cycle_counts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('cycle_count_number', 'text', (c) => c.notNull().unique())
    .addColumn('location_id', 'text', (c) => c.notNull().references('locations.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('scheduled_date', 'text')
    .addColumn('counter', 'text')
    .addColumn('sku_filter', 'text')
    .addColumn('skus', 'text')
    .addColumn('notes', 'text')
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('reconciled_at', 'text')
    .addColumn('cancelled_at', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cycle_counts_created').on('cycle_counts').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('cycle_count_lines')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('cycle_count_id', 'text', (c) => c.notNull().references('cycle_counts.id'))
    .addColumn('inventory_item_id', 'text', (c) => c.notNull().references('inventory_items.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('expected_quantity', 'bigint')
    .addColumn('counted_quantity', 'bigint')
    .addColumn('movements_since_snapshot', 'bigint')
    .addColumn('adjustment', 'bigint')
    .addColumn('counted_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('cycle_count_lines_count')
    .on('cycle_count_lines')
    .columns(['cycle_count_id', 'sku', 'id'])
    .execute();

  await createCounter(db, 'purchase_order');
  await createCounter(db, 'packing_list');
  await createCounter(db, 'cycle_count');
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'cycle_count_lines',
    'cycle_counts',
    'packing_list_items',
    'packing_lists',
    'purchase_order_line_items',
    'purchase_orders',
    'suppliers',
  ])
    await db.schema.dropTable(table).execute();
}
