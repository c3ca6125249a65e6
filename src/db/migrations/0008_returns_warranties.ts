import { sql, type Kysely } from 'kysely';
import { createCounter } from '../counters.js';
import { isPostgres } from '../connection.js';

/**
 * The after-sales workflow. Returns get the money refunded against them (refunded_amount, raised by
 * a conditional update so a return is never refunded past its refund_total) and their lifecycle
 * stamps; warranty claims and their line items are new, numbered WTY-000001.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const [column, type] of [
    ['refunded_amount', 'bigint'],
    ['rejection_reason', 'text'],
    ['approved_at', 'text'],
    ['received_at', 'text'],
    ['inspected_at', 'text'],
    ['restocked_at', 'text'],
    ['completed_at', 'text'],
    ['rejected_at', 'text'],
    ['cancelled_at', 'text'],
    ['closed_at', 'text'],
  ] as const) {
    await db.schema
      .alterTable('returns')
      .addColumn(column, type, (c) => (column === 'refunded_amount' ? c.notNull().defaultTo(0) : c))
      .execute();
  }
  await sql`update returns set refunded_amount = (
      select coalesce(sum(r.amount), 0) from refunds r where r.return_id = returns.id)`.execute(db);

  await db.schema
    .createTable('warranties')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('warranty_number', 'text', (c) => c.notNull().unique())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('order_line_item_id', 'text')
    .addColumn('sku', 'text')
    .addColumn('serial_number', 'text')
    .addColumn('coverage_starts_at', 'text')
    .addColumn('coverage_ends_at', 'text')
    .addColumn('coverage_terms', 'text')
    .addColumn('issue_description', 'text', (c) => c.notNull())
    .addColumn('reported_condition', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text')
    .addColumn('repair', 'text')
    .addColumn('replacement_order_id', 'text')
    .addColumn('inspection', 'text')
    .addColumn('rejection_reason', 'text')
    .addColumn('resolution_notes', 'text')
    .addColumn('coverage_overridden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('approved_at', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('warranties_created').on('warranties').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('warranties_status').on('warranties').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('warranties_customer').on('warranties').columns(['customer_id', 'created_at']).execute();
  await db.schema.createIndex('warranties_order').on('warranties').columns(['order_id', 'created_at']).execute();
  await db.schema.createIndex('warranties_serial').on('warranties').column('serial_number').execute();

  await db.schema
    .createTable('warranty_line_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('warranty_id', 'text', (c) => c.notNull().references('warranties.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('serial_number', 'text')
    .addColumn('condition', 'text')
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('warranty_line_items_quantity_positive', sql`quantity > 0`)
    .execute();
  await db.schema
    .createIndex('warranty_line_items_warranty')
    .on('warranty_line_items')
    .columns(['warranty_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('warranty_line_items_created')
    .on('warranty_line_items')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('return_line_items_created')
    .on('return_line_items')
    .columns(['created_at', 'id'])
    .execute();

  await createCounter(db, 'warranty');
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('warranty_line_items').ifExists().execute();
  await db.schema.dropTable('warranties').ifExists().execute();
  await db.schema.dropIndex('return_line_items_created').ifExists().execute();
  for (const column of [
    'refunded_amount',
    'rejection_reason',
    'approved_at',
    'received_at',
    'inspected_at',
    'restocked_at',
    'completed_at',
    'rejected_at',
    'cancelled_at',
    'closed_at',
  ]) {
    await db.schema.alterTable('returns').dropColumn(column).execute();
  }
  if (isPostgres(db)) await sql`DROP SEQUENCE IF EXISTS seq_warranty`.execute(db);
  else await db.deleteFrom('counters').where('name', '=', 'warranty').execute();
}
