import { sql, type Kysely } from 'kysely';
import { createCounter } from '../counters.js';

/**
 * Wholesale orders (with their lines and shipments), leads, and cases with their notes. Wholesale
 * shipments are their own table: the orders module's `shipments` belong to orders (order_id
 * references orders), and a wholesale order is another document.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('wholesale_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('wholesale_order_number', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('financial_status', 'text', (c) => c.notNull())
    .addColumn('fulfillment_status', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('po_number', 'text')
    .addColumn('payment_terms', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text')
    .addColumn('requested_delivery_date', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('subtotal', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('paid_total', 'bigint', (c) => c.notNull())
    .addColumn('invoice_number', 'text', (c) => c.unique())
    .addColumn('invoice_issued_at', 'text')
    .addColumn('due_at', 'text')
    .addColumn('payment_method', 'text')
    .addColumn('payment_reference', 'text')
    .addColumn('memo', 'text')
    .addColumn('cancel_reason', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('shipped_at', 'text')
    .addColumn('paid_at', 'text')
    .addColumn('cancelled_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('wholesale_orders_money', sql`subtotal >= 0 AND total >= 0 AND paid_total >= 0`)
    .execute();
  await db.schema
    .createIndex('wholesale_orders_created')
    .on('wholesale_orders')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('wholesale_orders_customer')
    .on('wholesale_orders')
    .columns(['customer_id', 'created_at', 'id'])
    .execute();
  // financial_status=overdue compares due_at with the current time.
  await db.schema
    .createIndex('wholesale_orders_due')
    .on('wholesale_orders')
    .columns(['financial_status', 'due_at'])
    .execute();

  await db.schema
    .createTable('wholesale_order_line_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('wholesale_order_id', 'text', (c) => c.notNull().references('wholesale_orders.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('unit_price', 'bigint', (c) => c.notNull())
    .addColumn('price_breaks', 'text', (c) => c.notNull())
    .addColumn('effective_unit_price', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('quantity_shipped', 'bigint', (c) => c.notNull())
    .addColumn('location_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'wholesale_lines_shipped',
      sql`quantity > 0 AND quantity_shipped >= 0 AND quantity_shipped <= quantity`,
    )
    .execute();
  await db.schema
    .createIndex('wholesale_order_line_items_order')
    .on('wholesale_order_line_items')
    .columns(['wholesale_order_id', 'id'])
    .execute();

  await db.schema
    .createTable('wholesale_shipments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('wholesale_order_id', 'text', (c) => c.notNull().references('wholesale_orders.id'))
    .addColumn('carrier', 'text')
    .addColumn('tracking_number', 'text')
    .addColumn('line_items', 'text', (c) => c.notNull())
    .addColumn('shipped_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('wholesale_shipments_order')
    .on('wholesale_shipments')
    .columns(['wholesale_order_id', 'id'])
    .execute();

  await db.schema
    .createTable('leads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_normalized', 'text', (c) => c.notNull().unique())
    .addColumn('phone', 'text')
    .addColumn('company', 'text')
    .addColumn('title', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('description', 'text')
    .addColumn('address', 'text')
    .addColumn('do_not_call', 'integer', (c) => c.notNull())
    .addColumn('email_opt_out', 'integer', (c) => c.notNull())
    .addColumn('rejection_reason', 'text')
    .addColumn('converted_customer_id', 'text') // a lead records who it became; it does not keep the customer from being deleted
    .addColumn('converted_at', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('leads_created').on('leads').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_number', 'text', (c) => c.notNull().unique())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('order_id', 'text')
    .addColumn('return_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('assignee', 'text')
    .addColumn('submitter', 'text')
    .addColumn('resolver', 'text')
    .addColumn('resolution', 'text')
    .addColumn('escalation_level', 'integer', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cases_created').on('cases').columns(['created_at', 'id']).execute();
  // A customer's timeline looks up its cases.
  await db.schema.createIndex('cases_customer').on('cases').columns(['customer_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('case_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('author', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_notes_case').on('case_notes').columns(['case_id', 'created_at', 'id']).execute();

  await createCounter(db, 'wholesale_order');
  await createCounter(db, 'wholesale_invoice');
  await createCounter(db, 'case');
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'case_notes',
    'cases',
    'leads',
    'wholesale_shipments',
    'wholesale_order_line_items',
    'wholesale_orders',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
