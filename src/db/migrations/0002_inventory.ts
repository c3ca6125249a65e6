import { sql, type Kysely } from 'kysely';
import { newId, nowIso } from '../ids.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('locations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('inventory_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text', (c) => c.notNull().references('locations.id'))
    .addColumn('description', 'text')
    .addColumn('uom', 'text', (c) => c.notNull())
    .addColumn('on_hand', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('reserved', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('incoming', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('reorder_point', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('safety_stock', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('unit_cost', 'bigint')
    .addColumn('lot_tracked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('serial_tracked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('inventory_items_sku_location', ['sku', 'location_id'])
    // The database itself refuses a reservation beyond what is on hand, whatever the code does.
    .addCheckConstraint('inventory_items_available_non_negative', sql`reserved >= 0 AND on_hand >= reserved`)
    .execute();
  await db.schema
    .createIndex('inventory_items_location')
    .on('inventory_items')
    .columns(['location_id', 'sku'])
    .execute();
  await db.schema.createIndex('inventory_items_created').on('inventory_items').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('inventory_movements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('inventory_item_id', 'text', (c) => c.notNull().references('inventory_items.id'))
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('reference_type', 'text')
    .addColumn('reference_id', 'text')
    .addColumn('reference_line_id', 'text')
    .addColumn('note', 'text')
    .addColumn('unit_cost', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('inventory_movements_item')
    .on('inventory_movements')
    .columns(['inventory_item_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('inventory_movements_reference')
    .on('inventory_movements')
    .columns(['reference_id'])
    .execute();

  await db.schema
    .createTable('inventory_reservations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('inventory_item_id', 'text', (c) => c.notNull().references('inventory_items.id'))
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('reference_type', 'text', (c) => c.notNull())
    .addColumn('reference_id', 'text', (c) => c.notNull())
    .addColumn('reference_line_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('inventory_reservations_quantity_non_negative', sql`quantity >= 0`)
    .execute();
  await db.schema
    .createIndex('inventory_reservations_item')
    .on('inventory_reservations')
    .columns(['inventory_item_id', 'status'])
    .execute();
  await db.schema
    .createIndex('inventory_reservations_reference')
    .on('inventory_reservations')
    .columns(['reference_id', 'status'])
    .execute();

  await db.schema
    .createTable('transfers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('from_item_id', 'text', (c) => c.notNull().references('inventory_items.id'))
    .addColumn('to_item_id', 'text', (c) => c.notNull().references('inventory_items.id'))
    .addColumn('from_location_id', 'text', (c) => c.notNull())
    .addColumn('to_location_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // One default location exists from the first start.
  const now = nowIso();
  await db
    .insertInto('locations')
    .values({
      id: newId('loc'),
      code: 'DEFAULT',
      name: 'Default location',
      type: 'warehouse',
      address: null,
      active: 1,
      is_default: 1,
      metadata: '{}',
      version: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['transfers', 'inventory_reservations', 'inventory_movements', 'inventory_items', 'locations']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
