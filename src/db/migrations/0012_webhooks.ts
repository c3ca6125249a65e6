import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../connection.js';

/**
 * Webhooks: endpoints, deliveries (one per event and endpoint, made by the delivery worker, never
 * by the command that wrote the event) with their attempts, and the worker's cursor into events.
 *
 * The cursor needs an order in which events become visible. SQLite has one writer, so the rowid
 * is that order. On PostgreSQL concurrent transactions commit out of id order, so each event
 * carries its transaction id (xid8, a column default: no work in the command's code) and the
 * worker reads only below the oldest transaction still running (pg_snapshot_xmin): every event
 * there is committed or gone for good. Events written before this migration have no xid and are
 * never delivered (the cursor starts at now).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  if (pg) {
    await sql`alter table events add column txid xid8`.execute(db);
    await sql`alter table events alter column txid set default pg_current_xact_id()`.execute(db);
    await sql`create index events_txid on events (txid, id)`.execute(db);
  }

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('enabled_events', 'text', (c) => c.notNull()) // JSON array of patterns
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'text')
    .addColumn('failing_since', 'text')
    .addColumn('disabled_reason', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt_count', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text')
    .addColumn('claim_token', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    // JSON array: one {attempted_at, status_code, duration_ms, response_excerpt, error, next_retry_at}
    // per attempt (at most 8 plus manual retries), written with the delivery's state in one update.
    .addColumn('attempts', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'endpoint_id', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_order')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'object_id', 'seq'])
    .execute();
  await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').columns(['event_id']).execute();
  await db.schema
    .createIndex('webhook_deliveries_created')
    .on('webhook_deliveries')
    .columns(['created_at', 'id'])
    .execute();

  // One row: how far the worker has fanned events out into deliveries, and the next delivery seq.
  await db.schema
    .createTable('webhook_cursor')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'text', (c) => c.notNull()) // SQLite: a rowid; PostgreSQL: "<xid8>:<event id>"
    .addColumn('next_seq', 'bigint', (c) => c.notNull())
    .execute();
  const start = pg
    ? (await sql<{ p: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text || ':' as p`.execute(db)).rows[0].p
    : String((await sql<{ p: number | null }>`select max(rowid) as p from events`.execute(db)).rows[0].p ?? 0);
  await db.insertInto('webhook_cursor').values({ name: 'events', position: start, next_seq: 1 }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['webhook_cursor', 'webhook_deliveries', 'webhook_endpoints']) await db.schema.dropTable(t).execute();
  if (isPostgres(db)) {
    await sql`drop index events_txid`.execute(db);
    await sql`alter table events drop column txid`.execute(db);
  }
}
