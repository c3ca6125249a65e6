import type { Kysely } from 'kysely';

/**
 * What was refunded because an edit brought the total below what was paid (Refunds with reason
 * order_edited). Unlike refunds for returned units or goodwill, that money no longer counts as paid
 * toward the order: if its total rises again, the difference is due again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('orders')
    .addColumn('edit_refunded_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orders').dropColumn('edit_refunded_total').execute();
}
