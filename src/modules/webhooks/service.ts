import { randomBytes } from 'node:crypto';
import type { DB, Executor, Trx } from '../../db/connection.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord, patchRecord, selectForUpdate } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import type {
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  WebhookDelivery,
  WebhookEndpoint,
} from './schemas.js';
import type { WebhookAttempt, WebhookDeliveriesTable, WebhookEndpointsTable } from './tables.js';

/** The old secret keeps signing this long after rotate_secret, so receivers can switch over. */
export const SECRET_OVERLAP_MS = 24 * 3600_000;

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export function toWebhookEndpoint(row: WebhookEndpointsTable, withSecret = false): WebhookEndpoint {
  const overlapping = row.previous_secret_expires_at && row.previous_secret_expires_at > nowIso();
  return {
    id: row.id,
    object: 'webhook_endpoint',
    url: row.url,
    description: row.description,
    enabled_events: parseJson<string[]>(row.enabled_events, []),
    status: row.status,
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since,
    ...(withSecret ? { secret: row.secret } : {}),
    previous_secret_expires_at: overlapping ? row.previous_secret_expires_at : null,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Whether an endpoint subscribed to `patterns` wants an event of `type`. */
export function matchesEventType(patterns: readonly string[], type: string): boolean {
  for (const p of patterns) {
    if (p === '*' || p === type) return true;
    if (p.endsWith('.*') && type.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}

export const webhookEndpointListSpec: ListSpec = {
  table: 'webhook_endpoints',
  updatedRange: true,
  filters: { status: { kind: 'exact', column: 'status', values: ['enabled', 'disabled'] } },
};

export async function createWebhookEndpoint(
  db: DB,
  ctx: RequestContext,
  input: CreateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  return inTransaction(db, async (trx) => {
    const now = nowIso();
    const row: WebhookEndpointsTable = {
      id: newId('we'),
      url: input.url,
      description: input.description ?? null,
      enabled_events: toJson(input.enabled_events),
      status: input.status ?? 'enabled',
      secret: newSecret(),
      previous_secret: null,
      previous_secret_expires_at: null,
      failing_since: null,
      disabled_reason: null,
      metadata: toJson(input.metadata ?? {}),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('webhook_endpoints').values(row).execute();
    await recordEvent(trx, ctx, 'webhook_endpoint.created', toWebhookEndpoint(row));
    return toWebhookEndpoint(row, true);
  });
}

export async function getWebhookEndpoint(db: Executor, id: string): Promise<WebhookEndpoint> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('webhook_endpoint', id);
  return toWebhookEndpoint(row);
}

export async function listWebhookEndpoints(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<WebhookEndpointsTable>(db, webhookEndpointListSpec, query), (row) =>
    toWebhookEndpoint(row),
  );
}

export async function updateWebhookEndpoint(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateWebhookEndpointInput,
  expected?: ExpectedVersion,
): Promise<WebhookEndpoint> {
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'webhook_endpoints', 'webhook_endpoint', id, expected);
    const reenabled = input.status === 'enabled' && row.status === 'disabled';
    return patchRecord(trx, ctx, {
      table: 'webhook_endpoints',
      before: toWebhookEndpoint(row),
      input,
      fields: ['url', 'description', 'enabled_events', 'status'],
      toRow: (next) => ({
        url: next.url,
        description: next.description,
        enabled_events: toJson(next.enabled_events),
        status: next.status,
        // Enabling again starts a fresh failure clock.
        ...(reenabled ? { failing_since: null, disabled_reason: null } : {}),
        metadata: toJson(next.metadata),
        version: next.version,
        updated_at: next.updated_at,
      }),
      amend: (next) => {
        if (reenabled) {
          next.failing_since = null;
          next.disabled_reason = null;
        }
      },
      event: 'webhook_endpoint.updated',
    });
  });
}

export async function rotateWebhookSecret(
  db: DB,
  ctx: RequestContext,
  id: string,
  expected?: ExpectedVersion,
): Promise<WebhookEndpoint> {
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'webhook_endpoints', 'webhook_endpoint', id, expected);
    const now = nowIso();
    const next: WebhookEndpointsTable = {
      ...row,
      secret: newSecret(),
      previous_secret: row.secret,
      previous_secret_expires_at: new Date(Date.parse(now) + SECRET_OVERLAP_MS).toISOString(),
      version: row.version + 1,
      updated_at: now,
    };
    await trx
      .updateTable('webhook_endpoints')
      .set({
        secret: next.secret,
        previous_secret: next.previous_secret,
        previous_secret_expires_at: next.previous_secret_expires_at,
        version: next.version,
        updated_at: now,
      })
      .where('id', '=', row.id)
      .execute();
    await recordEvent(trx, ctx, 'webhook_endpoint.secret_rotated', toWebhookEndpoint(next));
    return toWebhookEndpoint(next, true);
  });
}

/** Deletes the endpoint with its deliveries. */
export async function deleteWebhookEndpoint(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'webhook_endpoints', 'webhook_endpoint', id, expected);
    await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', row.id).execute();
    await trx.deleteFrom('webhook_endpoints').where('id', '=', row.id).execute();
    await recordEvent(trx, ctx, 'webhook_endpoint.deleted', toWebhookEndpoint(row));
    return { id: row.id, object: 'webhook_endpoint' as const, deleted: true as const };
  });
}

// ---------------------------------------------------------------- deliveries

export const webhookDeliveryListSpec: ListSpec = {
  table: 'webhook_deliveries',
  updatedRange: true,
  filters: {
    endpoint_id: { kind: 'exact', column: 'endpoint_id' },
    event_id: { kind: 'exact', column: 'event_id' },
    event_type: { kind: 'exact', column: 'event_type' },
    status: { kind: 'exact', column: 'status', multi: true, values: ['pending', 'succeeded', 'failed'] },
  },
};

export function toDelivery(row: WebhookDeliveriesTable): WebhookDelivery {
  return {
    id: row.id,
    object: 'webhook_delivery',
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempt_count: Number(row.attempt_count),
    next_retry_at: row.status === 'pending' ? row.next_attempt_at : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    attempts: parseJson<WebhookAttempt[]>(row.attempts, []),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export async function listWebhookDeliveries(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<WebhookDeliveriesTable>(db, webhookDeliveryListSpec, query), toDelivery);
}

export async function getWebhookDelivery(db: Executor, id: string): Promise<WebhookDelivery> {
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('webhook_delivery', id);
  return toDelivery(row);
}

/**
 * Sends a delivery again (same Webhook-Id) as soon as the worker gets to it, whatever its status;
 * refused while an attempt is in flight.
 */
export async function retryWebhookDelivery(db: DB, id: string): Promise<WebhookDelivery> {
  const row = await inTransaction(db, async (trx) => {
    const row = await selectForUpdate(trx, 'webhook_deliveries', id);
    if (!row) throw new NotFoundError('webhook_delivery', id);
    const now = nowIso();
    if (row.claimed_until && row.claimed_until > now)
      throw new ConflictError('delivery_in_progress', `Delivery ${id} is being attempted right now; retry it after.`);
    const next = {
      ...row,
      status: 'pending' as const,
      next_attempt_at: now,
      claim_token: null,
      claimed_until: null,
      updated_at: now,
    };
    await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at: now, claim_token: null, claimed_until: null, updated_at: now })
      .where('id', '=', id)
      .execute();
    return next;
  });
  return toDelivery(row);
}

/**
 * Delivers an event again as new deliveries (new Webhook-Ids): to one endpoint, or to every
 * enabled endpoint whose subscription matches it.
 */
export async function resendEvent(db: DB, eventId: string, endpointId?: string): Promise<WebhookDelivery[]> {
  const rows = await inTransaction(db, async (trx) => {
    const event = await trx
      .selectFrom('events')
      .select(['id', 'type', 'object_id'])
      .where('id', '=', eventId)
      .executeTakeFirst();
    if (!event) throw new NotFoundError('event', eventId);
    let endpoints: WebhookEndpointsTable[];
    if (endpointId) {
      const one = await trx.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpointId).executeTakeFirst();
      if (!one) throw new NotFoundError('webhook_endpoint', endpointId);
      endpoints = [one];
    } else {
      endpoints = (
        await trx.selectFrom('webhook_endpoints').selectAll().where('status', '=', 'enabled').execute()
      ).filter((e) => matchesEventType(parseJson<string[]>(e.enabled_events, []), event.type));
    }
    const seq = await takeSeqs(trx, endpoints.length);
    const now = nowIso();
    const made = endpoints.map((e, i) => newDelivery(e.id, event, seq + i, now));
    if (made.length) await trx.insertInto('webhook_deliveries').values(made).execute();
    return made;
  });
  return rows.map(toDelivery);
}

export function newDelivery(
  endpointId: string,
  event: { id: string; type: string; object_id: string },
  seq: number,
  now: string,
): WebhookDeliveriesTable {
  return {
    id: newId('whd'),
    endpoint_id: endpointId,
    event_id: event.id,
    event_type: event.type,
    object_id: event.object_id,
    seq,
    status: 'pending',
    attempt_count: 0,
    next_attempt_at: now,
    claim_token: null,
    claimed_until: null,
    last_status_code: null,
    last_error: null,
    attempts: '[]',
    created_at: now,
    updated_at: now,
  };
}

/** Reserves `count` delivery sequence numbers (the cursor row holds the next one). */
export async function takeSeqs(trx: Trx, count: number): Promise<number> {
  const row = await trx
    .updateTable('webhook_cursor')
    .set((eb) => ({ next_seq: eb('next_seq', '+', count) }))
    .where('name', '=', 'events')
    .returning('next_seq')
    .executeTakeFirstOrThrow();
  return Number(row.next_seq) - count;
}
