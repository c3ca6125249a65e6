import { sql, type Kysely } from 'kysely';

/**
 * What transfers in transit are bringing to each inventory item (their destination), kept by the
 * ledger with the transfer: added when a transfer ships, removed when it is received. Filled from
 * the transfers already in transit.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('inventory_items')
    .addColumn('in_transit', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update inventory_items set in_transit = (
      select coalesce(sum(t.quantity), 0) from transfers t where t.to_item_id = inventory_items.id and t.status = 'in_transit')
    where id in (select to_item_id from transfers where status = 'in_transit')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('inventory_items').dropColumn('in_transit').execute();
}
