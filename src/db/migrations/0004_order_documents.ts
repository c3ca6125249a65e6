import type { Kysely } from 'kysely';

/**
 * Each order's API rendering, written by the commands that change the order, so a retrieve or a
 * list page sends stored text instead of rebuilding every order from ~50 columns and its lines.
 * Null means "not rendered yet": readers then build it from the tables. A release that changes how
 * orders render sets it back to null in a migration.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orders').addColumn('document', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orders').dropColumn('document').execute();
}
