import { sql, type Kysely } from 'kysely';
import { createCounter } from '../counters.js';

/** Manufacturing: bills of materials, work orders and manufacture orders (issue 14). */
export async function up(db: Kysely<any>): Promise<void> {
  const stamps = (t: any) =>
    t.addColumn('created_at', 'text', (c: any) => c.notNull()).addColumn('updated_at', 'text', (c: any) => c.notNull());

  await stamps(
    db.schema
      .createTable('bills_of_materials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('bom_number', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('output_quantity', 'bigint', (c) => c.notNull())
      .addColumn('uom', 'text', (c) => c.notNull())
      .addColumn('revision', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('lead_time_days', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('labor_hours', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('activated_at', 'text')
      .addColumn('obsoleted_at', 'text')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addCheckConstraint('bills_of_materials_output_positive', sql`output_quantity > 0`),
  ).execute();
  await db.schema
    .createIndex('bills_of_materials_created')
    .on('bills_of_materials')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema.createIndex('bills_of_materials_sku').on('bills_of_materials').columns(['sku', 'status']).execute();
  // One active BOM per SKU, whatever races: the database refuses a second.
  await db.schema
    .createIndex('bills_of_materials_one_active')
    .on('bills_of_materials')
    .column('sku')
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await stamps(
    db.schema
      .createTable('bom_line_items')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('bill_of_materials_id', 'text', (c) => c.notNull().references('bills_of_materials.id'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('component_sku', 'text', (c) => c.notNull())
      .addColumn('quantity', 'bigint', (c) => c.notNull())
      .addColumn('uom', 'text', (c) => c.notNull())
      .addColumn('scrap_percent', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('supply_type', 'text', (c) => c.notNull())
      .addColumn('notes', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)),
  ).execute();
  await db.schema
    .createIndex('bom_line_items_bom')
    .on('bom_line_items')
    .columns(['bill_of_materials_id', 'position'])
    .execute();
  await db.schema.createIndex('bom_line_items_created').on('bom_line_items').columns(['created_at', 'id']).execute();

  await stamps(
    db.schema
      .createTable('manufacture_orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('manufacture_order_number', 'text', (c) => c.notNull().unique())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('bill_of_materials_id', 'text', (c) => c.notNull().references('bills_of_materials.id'))
      .addColumn('quantity', 'bigint', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('location_id', 'text', (c) => c.notNull().references('locations.id'))
      .addColumn('yield_location_id', 'text', (c) => c.notNull().references('locations.id'))
      .addColumn('due_date', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('memo', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('planned_at', 'text')
      .addColumn('started_at', 'text')
      .addColumn('completed_at', 'text')
      .addColumn('cancelled_at', 'text')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)),
  ).execute();
  await db.schema
    .createIndex('manufacture_orders_created')
    .on('manufacture_orders')
    .columns(['created_at', 'id'])
    .execute();

  await stamps(
    db.schema
      .createTable('work_orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('work_order_number', 'text', (c) => c.notNull().unique())
      .addColumn('bill_of_materials_id', 'text', (c) => c.notNull().references('bills_of_materials.id'))
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('quantity', 'bigint', (c) => c.notNull())
      .addColumn('quantity_completed', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('location_id', 'text', (c) => c.notNull().references('locations.id'))
      .addColumn('output_location_id', 'text', (c) => c.notNull().references('locations.id'))
      .addColumn('manufacture_order_id', 'text', (c) => c.references('manufacture_orders.id'))
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('assignee', 'text')
      .addColumn('due_date', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('previous_status', 'text')
      .addColumn('standard_labor_hours', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('actual_labor_hours', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('memo', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('released_at', 'text')
      .addColumn('started_at', 'text')
      .addColumn('completed_at', 'text')
      .addColumn('cancelled_at', 'text')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addCheckConstraint(
        'work_orders_completed_within',
        sql`quantity_completed >= 0 AND quantity_completed <= quantity`,
      ),
  ).execute();
  await db.schema.createIndex('work_orders_created').on('work_orders').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('work_orders_mo').on('work_orders').columns(['manufacture_order_id']).execute();
  await db.schema.createIndex('work_orders_bom').on('work_orders').columns(['bill_of_materials_id']).execute();

  await stamps(
    db.schema
      .createTable('work_order_line_items')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('bom_line_item_id', 'text')
      .addColumn('component_sku', 'text', (c) => c.notNull())
      .addColumn('uom', 'text', (c) => c.notNull())
      .addColumn('quantity_per', 'bigint', (c) => c.notNull())
      .addColumn('bom_output_quantity', 'bigint', (c) => c.notNull())
      .addColumn('scrap_percent', 'double precision', (c) => c.notNull())
      .addColumn('quantity_required', 'bigint', (c) => c.notNull())
      .addColumn('quantity_issued', 'bigint', (c) => c.notNull().defaultTo(0))
      .addCheckConstraint(
        'work_order_line_items_issued_within',
        sql`quantity_issued >= 0 AND quantity_issued <= quantity_required`,
      ),
  ).execute();
  await db.schema
    .createIndex('work_order_line_items_wo')
    .on('work_order_line_items')
    .columns(['work_order_id', 'position'])
    .execute();
  await db.schema
    .createIndex('work_order_line_items_created')
    .on('work_order_line_items')
    .columns(['created_at', 'id'])
    .execute();

  await stamps(
    db.schema
      .createTable('manufacture_order_line_items')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('manufacture_order_id', 'text', (c) => c.notNull().references('manufacture_orders.id'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('quantity', 'bigint', (c) => c.notNull())
      .addColumn('output_type', 'text', (c) => c.notNull())
      .addColumn('level', 'integer', (c) => c.notNull())
      .addColumn('bill_of_materials_id', 'text')
      .addColumn('work_order_id', 'text')
      .addColumn('due_date', 'text'),
  ).execute();
  await db.schema
    .createIndex('manufacture_order_line_items_mo')
    .on('manufacture_order_line_items')
    .columns(['manufacture_order_id', 'position'])
    .execute();
  await db.schema
    .createIndex('manufacture_order_line_items_created')
    .on('manufacture_order_line_items')
    .columns(['created_at', 'id'])
    .execute();

  await createCounter(db, 'bom');
  await createCounter(db, 'work_order');
  await createCounter(db, 'manufacture_order');
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'manufacture_order_line_items',
    'work_order_line_items',
    'work_orders',
    'manufacture_orders',
    'bom_line_items',
    'bills_of_materials',
  ])
    await db.schema.dropTable(t).execute();
}
