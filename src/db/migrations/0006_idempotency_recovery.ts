import type { Kysely } from 'kysely';

/**
 * A command's events carry the token of the Idempotency-Key claim it runs under, written in the
 * command's own transaction. A claim whose process died before storing its answer can then tell
 * whether its command committed (its events exist) instead of running it a second time.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').addColumn('token', 'text').execute();
  await db.schema.alterTable('events').addColumn('idempotency_token', 'text').execute();
  // Only requests with an Idempotency-Key set it, so the index holds only those events.
  await db.schema
    .createIndex('events_idempotency_token')
    .on('events')
    .column('idempotency_token')
    .where('idempotency_token', 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_idempotency_token').execute();
  await db.schema.alterTable('events').dropColumn('idempotency_token').execute();
  await db.schema.alterTable('idempotency_keys').dropColumn('token').execute();
}
