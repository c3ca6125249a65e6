import { sql, type Kysely } from 'kysely';

/**
 * Replenishment planning: supplier SKUs (what a supplier sells, at what cost, minimum, multiple and
 * lead time; owned by purchasing), and plan runs with their proposals (owned by planning). A plan
 * run is stored so that it can be applied later, and each proposal keeps the figures that made it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('supplier_skus')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('supplier_sku', 'text')
    .addColumn('description', 'text')
    .addColumn('unit_cost', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('min_order_quantity', 'integer', (c) => c.notNull())
    .addColumn('order_multiple', 'integer', (c) => c.notNull())
    .addColumn('lead_time_days', 'integer')
    .addColumn('preferred', 'integer', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('supplier_skus_created').on('supplier_skus').columns(['created_at', 'id']).execute();
  await db.schema
    .createIndex('supplier_skus_supplier_sku')
    .on('supplier_skus')
    .columns(['supplier_id', 'sku'])
    .unique()
    .execute();
  await db.schema.createIndex('supplier_skus_sku').on('supplier_skus').column('sku').execute();
  // One preferred supplier per SKU, whatever races: the database refuses a second.
  await db.schema
    .createIndex('supplier_skus_one_preferred')
    .on('supplier_skus')
    .column('sku')
    .unique()
    .where(sql.ref('preferred'), '=', 1)
    .execute();

  await db.schema
    .createTable('plan_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('location_id', 'text')
    .addColumn('horizon_days', 'integer', (c) => c.notNull())
    .addColumn('sku_in', 'text') // JSON array or null
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('proposal_count', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('applied_at', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('plan_runs_created').on('plan_runs').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('plan_proposals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('plan_run_id', 'text', (c) => c.notNull().references('plan_runs.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('need_by', 'text', (c) => c.notNull())
    .addColumn('order_by', 'text', (c) => c.notNull())
    .addColumn('lead_time_days', 'integer', (c) => c.notNull())
    .addColumn('supplier_id', 'text')
    .addColumn('supplier_sku_id', 'text')
    .addColumn('unit_cost', 'bigint')
    .addColumn('bom_id', 'text')
    .addColumn('explanation', 'text', (c) => c.notNull()) // JSON
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('purchase_order_id', 'text')
    .addColumn('purchase_order_line_item_id', 'text')
    .addColumn('work_order_id', 'text')
    .addColumn('applied_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('plan_proposals_run').on('plan_proposals').columns(['plan_run_id', 'position']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('plan_proposals').execute();
  await db.schema.dropTable('plan_runs').execute();
  await db.schema.dropTable('supplier_skus').execute();
}
