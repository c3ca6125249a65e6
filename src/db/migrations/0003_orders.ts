import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../connection.js';
import { createCounter } from '../counters.js';

/** Orders and the documents they create: promotions, payments, shipments, refunds, returns. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_number', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payment_status', 'text', (c) => c.notNull())
    .addColumn('fulfillment_status', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('customer_email', 'text', (c) => c.notNull())
    .addColumn('customer_email_normalized', 'text', (c) => c.notNull())
    .addColumn('customer_first_name', 'text')
    .addColumn('customer_last_name', 'text')
    .addColumn('customer_phone', 'text')
    .addColumn('shipping_address', 'text')
    .addColumn('billing_address', 'text')
    .addColumn('payment_method', 'text')
    .addColumn('payment_intent_id', 'text')
    .addColumn('shipping_method', 'text')
    .addColumn('shipping_carrier', 'text')
    .addColumn('shipping_tracking_number', 'text')
    .addColumn('shipping_estimated_delivery', 'text')
    .addColumn('shipping_amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('tax_rate', 'double precision')
    .addColumn('tax_amount', 'bigint')
    .addColumn('subtotal', 'bigint', (c) => c.notNull())
    .addColumn('discount_total', 'bigint', (c) => c.notNull())
    .addColumn('tax_total', 'bigint', (c) => c.notNull())
    .addColumn('shipping_total', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('paid_total', 'bigint', (c) => c.notNull())
    .addColumn('refunded_total', 'bigint', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('tags_index', 'text', (c) => c.notNull())
    .addColumn('notes', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('hold', 'text')
    .addColumn('cancel', 'text')
    .addColumn('split_from_order_id', 'text')
    .addColumn('merged_into_order_id', 'text')
    .addColumn('exchange_for_return_id', 'text')
    .addColumn('allow_backorder', 'integer', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('paid_at', 'text')
    .addColumn('shipped_at', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('cancelled_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    // Money can never be refunded beyond what was paid, whatever the code does.
    .addCheckConstraint(
      'orders_money_non_negative',
      sql`subtotal >= 0 AND discount_total >= 0 AND tax_total >= 0 AND shipping_total >= 0 AND total >= 0 AND paid_total >= 0 AND refunded_total >= 0 AND refunded_total <= paid_total`,
    )
    .execute();
  // Indexes for the selective filters (number, status, customer; customer_email goes through the
  // customers' email index to customer_id) and the default sort, each ending in (created_at, id)
  // so a filtered page is read in order without sorting. The low-cardinality filters
  // (payment/fulfillment status, source, currency) and total ranges walk the created_at index:
  // every index is one more page written per order created, the hot path. Tag and search are
  // substring scans.
  await db.schema.createIndex('orders_created').on('orders').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('orders_status').on('orders').columns(['status', 'created_at', 'id']).execute();
  await db.schema.createIndex('orders_customer').on('orders').columns(['customer_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('order_line_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('location_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('discount', 'bigint', (c) => c.notNull())
    .addColumn('tax', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('quantity_shipped', 'bigint', (c) => c.notNull())
    .addColumn('quantity_returned', 'bigint', (c) => c.notNull())
    .addColumn('quantity_refunded', 'bigint', (c) => c.notNull())
    .addColumn('quantity_backordered', 'bigint', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'order_line_items_quantities',
      sql`quantity > 0 AND price >= 0 AND quantity_shipped >= 0 AND quantity_shipped <= quantity AND quantity_returned >= 0 AND quantity_returned <= quantity_shipped AND quantity_refunded >= 0 AND quantity_refunded <= quantity AND quantity_backordered >= 0 AND quantity_backordered <= quantity - quantity_shipped`,
    )
    .execute();
  await db.schema
    .createIndex('order_line_items_order')
    .on('order_line_items')
    .columns(['order_id', 'position'])
    .execute();
  await db.schema.createIndex('order_line_items_sku').on('order_line_items').columns(['sku', 'order_id']).execute();

  await db.schema
    .createTable('order_discounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('percent_off', 'double precision')
    .addColumn('amount_off', 'bigint')
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('order_discounts_order')
    .on('order_discounts')
    .columns(['order_id', 'position'])
    .execute();

  await db.schema
    .createTable('promotions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('code_normalized', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('percent_off', 'double precision')
    .addColumn('amount_off', 'bigint')
    .addColumn('min_subtotal', 'bigint')
    .addColumn('currency', 'text')
    .addColumn('starts_at', 'text')
    .addColumn('ends_at', 'text')
    .addColumn('usage_limit', 'integer')
    .addColumn('times_used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    // Backs up the conditional increment that enforces the usage limit.
    .addCheckConstraint('promotions_usage', sql`times_used >= 0 AND (usage_limit IS NULL OR times_used <= usage_limit)`)
    .execute();
  await db.schema.createIndex('promotions_created').on('promotions').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('promotions_active').on('promotions').columns(['active', 'created_at']).execute();

  await db.schema
    .createTable('order_promotions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('promotion_id', 'text', (c) => c.notNull().references('promotions.id'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('percent_off', 'double precision')
    .addColumn('amount_off', 'bigint')
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('counts_usage', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('order_promotions_once', ['order_id', 'promotion_id'])
    .execute();
  await db.schema.createIndex('order_promotions_promotion').on('order_promotions').column('promotion_id').execute();

  await db.schema
    .createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('method', 'text')
    .addColumn('payment_intent_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('payments_amount_positive', sql`amount > 0`)
    .execute();
  await db.schema.createIndex('payments_order').on('payments').columns(['order_id', 'created_at']).execute();

  await db.schema
    .createTable('shipments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text')
    .addColumn('tracking_number', 'text')
    .addColumn('tracking_url', 'text')
    .addColumn('method', 'text')
    .addColumn('location_id', 'text')
    .addColumn('line_items', 'text', (c) => c.notNull())
    .addColumn('estimated_delivery', 'text')
    .addColumn('shipped_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .addColumn('cancelled_at', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shipments_order').on('shipments').columns(['order_id', 'created_at']).execute();
  await db.schema.createIndex('shipments_created').on('shipments').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('shipments_status').on('shipments').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('shipments_tracking').on('shipments').column('tracking_number').execute();

  await db.schema
    .createTable('returns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rma', 'text', (c) => c.notNull().unique())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('reason_code', 'text', (c) => c.notNull())
    .addColumn('customer_notes', 'text')
    .addColumn('tracking_number', 'text')
    .addColumn('carrier', 'text')
    .addColumn('inspection', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('refund_subtotal', 'bigint', (c) => c.notNull())
    .addColumn('restocking_fee', 'bigint', (c) => c.notNull())
    .addColumn('refund_total', 'bigint', (c) => c.notNull())
    .addColumn('refund_id', 'text')
    .addColumn('exchange_order_id', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('returns_created').on('returns').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('returns_order').on('returns').columns(['order_id', 'created_at']).execute();
  await db.schema.createIndex('returns_customer').on('returns').columns(['customer_id', 'created_at']).execute();
  await db.schema.createIndex('returns_status').on('returns').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('returns_reason_code').on('returns').columns(['reason_code', 'created_at']).execute();

  await db.schema
    .createTable('return_line_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('return_id', 'text', (c) => c.notNull().references('returns.id'))
    .addColumn('order_line_item_id', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('condition', 'text')
    .addColumn('resellable', 'integer', (c) => c.notNull())
    .addColumn('refund_amount', 'bigint', (c) => c.notNull())
    .addColumn('quantity_received', 'bigint', (c) => c.notNull())
    .addColumn('quantity_restocked', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('return_line_items_quantity_positive', sql`quantity > 0`)
    .execute();
  await db.schema.createIndex('return_line_items_return').on('return_line_items').column('return_id').execute();
  await db.schema
    .createIndex('return_line_items_order_line')
    .on('return_line_items')
    .column('order_line_item_id')
    .execute();

  await db.schema
    .createTable('refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('return_id', 'text')
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('line_items', 'text', (c) => c.notNull())
    .addColumn('exchange_order_id', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('refunds_amount_positive', sql`amount > 0`)
    .execute();
  await db.schema.createIndex('refunds_created').on('refunds').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('refunds_order').on('refunds').columns(['order_id', 'created_at']).execute();
  await db.schema.createIndex('refunds_return').on('refunds').columns(['return_id', 'created_at']).execute();

  await createCounter(db, 'order');
  await createCounter(db, 'rma');
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'refunds',
    'return_line_items',
    'returns',
    'shipments',
    'payments',
    'order_promotions',
    'promotions',
    'order_discounts',
    'order_line_items',
    'orders',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  if (isPostgres(db)) {
    await sql`DROP SEQUENCE IF EXISTS seq_order`.execute(db);
    await sql`DROP SEQUENCE IF EXISTS seq_rma`.execute(db);
  } else {
    await db.deleteFrom('counters').where('name', 'in', ['order', 'rma']).execute();
  }
}
