import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { isPostgres, type DB, type Trx } from '../../db/connection.js';
import { newId } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import { insertJsonRows } from '../../db/write-batch.js';
import { recordEvent } from '../../platform/events.js';
import { parseJson } from '../../platform/json.js';
import { matchesEventType, newDelivery, takeSeqs, toWebhookEndpoint } from './service.js';
import { Sender, succeeded, type SendOutcome, type SendRequest, type SendResult } from './sender.js';
import type { WebhookAttempt, WebhookDeliveriesTable, WebhookEndpointsTable } from './tables.js';

/** The spec's schedule: the waits after the 1st, 2nd, ... failed attempt; then the delivery fails. */
export const DEFAULT_RETRY_SCHEDULE_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 86_400_000];

export interface WebhookWorkerOptions {
  /** Wait between polls when there was nothing to do (ms). */
  pollMs?: number;
  /** Time a receiver has to answer (ms). */
  timeoutMs?: number;
  retryScheduleMs?: readonly number[];
  /** Each wait is multiplied by a factor in [1 - jitter, 1 + jitter]. */
  jitter?: number;
  /** An endpoint whose attempts have all failed for this long is disabled (3 days). */
  disableAfterMs?: number;
  /** Deliveries claimed per round. */
  batchSize?: number;
  /** Endpoint-and-object groups sent at once. */
  concurrency?: number;
  /** Groups of one endpoint sent at once. */
  perEndpoint?: number;
  /** The dice, for tests. */
  random?: () => number;
  log?: { warn(obj: unknown, msg: string): void };
}

export interface WebhookWorker {
  /** Stops polling, aborts sends in flight (their claims are released), records the rest and resolves when idle. */
  stop(): Promise<void>;
  /** Polls now instead of at the next interval. */
  wake(): void;
}

/** At most this many deliveries of one object to one endpoint per round (they go one after another). */
const GROUP_LIMIT = 5;
const NONE = { fannedOut: 0, claimedNow: [] };
const EXCERPT_BYTES = 1024;

interface EventRow {
  id: string;
  type: string;
  object_id: string;
  data: string;
  request_id: string | null;
  created_at: string;
}

interface Claimed {
  delivery: WebhookDeliveriesTable;
  event: EventRow;
  endpoint: WebhookEndpointsTable;
}

/** A claimed delivery handed to the sender, until its outcome is recorded. */
interface InFlight extends Claimed {
  token: string;
}

type OutcomeUpdate = Pick<
  WebhookDeliveriesTable,
  | 'id'
  | 'claim_token'
  | 'status'
  | 'attempt_count'
  | 'next_attempt_at'
  | 'last_status_code'
  | 'last_error'
  | 'attempts'
  | 'updated_at'
>;

/** A delivery of one object to one endpoint, by its place in their order. */
interface Place {
  endpoint_id: string;
  object_id: string;
  seq: number;
}

/** A delivery to be retried at `until`: the later ones of its object wait as long. */
interface HeldBehind extends Place {
  until: string;
}

/**
 * Delivers events to webhook endpoints from the events table (the outbox). Each round, in one
 * transaction holding the cursor row (FOR UPDATE SKIP LOCKED on PostgreSQL, so with several server
 * processes one of them dispatches at a time and none waits), it turns the events committed since
 * the cursor into deliveries for the endpoints that subscribe to them, and claims due deliveries
 * with a lease (claim token + claimed_until). After that commits the sender thread (sender.ts)
 * sends them, and the next round records the attempts that have finished, in its transaction, before
 * it claims more: the rounds do not wait for the sending, so an endpoint that answers slowly delays
 * only its own deliveries. A process killed mid-send leaves claims whose lease runs out, so another
 * round sends them again: at least once, with a Webhook-Id (the delivery id) for receivers to
 * de-duplicate.
 *
 * Order: a delivery is claimed only when every earlier pending delivery of the same object to the
 * same endpoint is claimed with it; those are sent one after another, and the rest of the group
 * stops at the first failure. So the events of one resource reach an endpoint in the order they
 * were committed (a retry holds back the later ones).
 */
export function startWebhookWorker(db: DB, options: WebhookWorkerOptions = {}): WebhookWorker {
  const pollMs = options.pollMs ?? 100;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
  const jitter = options.jitter ?? 0.1;
  const disableAfterMs = options.disableAfterMs ?? 3 * 24 * 3600_000;
  const batchSize = options.batchSize ?? 500;
  const concurrency = options.concurrency ?? 64;
  const perEndpoint = options.perEndpoint ?? 16;
  const random = options.random ?? Math.random;
  // A claimed group starts sending within a timeout or goes back unsent (start_by), and then sends
  // at most GROUP_LIMIT deliveries in a row, each within the timeout.
  const leaseMs = (GROUP_LIMIT + 1) * timeoutMs + 2_000;
  // Claimed and not yet recorded, at most. Two batches of an endpoint: one is claimed while the
  // other is sent. More of a slow endpoint's backlog would only wait in the sender.
  const inFlightLimit = 4 * batchSize;
  const endpointInFlightLimit = 2 * batchSize;
  const postgres = isPostgres(db);
  const iso = (ms: number) => new Date(ms).toISOString();

  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  /** Woken during a round: the next one goes without waiting. */
  let woken = false;

  function wake(): void {
    woken = true;
    if (timer) clearTimeout(timer);
    wakeUp?.();
  }

  /** Delivery id -> the claimed delivery, from its claim until its outcome is recorded. */
  const inFlight = new Map<string, InFlight>();
  const inFlightByEndpoint = new Map<string, number>();
  const inFlightByGroup = new Map<string, number>();
  /** What the sender has settled since the last round took it. */
  let settled: SendResult = { outcomes: [], unsent: [] };
  /** The last round left due deliveries for want of room: what settles makes room, go at once. */
  let waitingForRoom = false;
  const sender = new Sender(
    { timeoutMs, excerptBytes: EXCERPT_BYTES, concurrency, perEndpoint },
    (result, idle) => {
      for (const o of result.outcomes) settled.outcomes.push(o);
      for (const id of result.unsent) settled.unsent.push(id);
      // Enough room made for a round worth its transaction.
      if (waitingForRoom && (idle || settled.outcomes.length + settled.unsent.length >= batchSize)) wake();
    },
    options.log,
  );

  function remember(c: InFlight): void {
    inFlight.set(c.delivery.id, c);
    count(inFlightByEndpoint, c.delivery.endpoint_id, 1);
    count(inFlightByGroup, groupKey(c.delivery.endpoint_id, c.delivery.object_id), 1);
  }

  /** Takes settled deliveries out of the in-flight state; answers them by id. */
  function forget({ outcomes, unsent }: SendResult): Map<string, InFlight> {
    const taken = new Map<string, InFlight>();
    for (const id of [...outcomes.map((o) => o.delivery_id), ...unsent]) {
      const c = inFlight.get(id)!;
      taken.set(id, c);
      inFlight.delete(id);
      count(inFlightByEndpoint, c.delivery.endpoint_id, -1);
      count(inFlightByGroup, groupKey(c.delivery.endpoint_id, c.delivery.object_id), -1);
    }
    return taken;
  }

  /** Fans out and claims; `more`: it stopped at a batch's size (more is waiting: go again at once). */
  async function dispatch(trx: Trx, token: string): Promise<{ more: boolean; claimed: Claimed[] }> {
    let cursorQuery = trx.selectFrom('webhook_cursor').selectAll().where('name', '=', 'events');
    if (postgres) cursorQuery = cursorQuery.forUpdate().skipLocked();
    const cursor = await cursorQuery.executeTakeFirst();
    if (!cursor) return { more: false, claimed: [] }; // another process is dispatching
    // PostgreSQL gives each statement its own snapshot: the horizon is read before the endpoints,
    // so every event below it was committed before the endpoints were read. Read after, it let
    // orders committed just after an endpoint was enabled pass the cursor with no delivery.
    const horizon = postgres
      ? (await sql<{ h: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as h`.execute(trx)).rows[0].h
      : '';
    const endpoints = await trx.selectFrom('webhook_endpoints').selectAll().where('status', '=', 'enabled').execute();
    // Claimed per endpoint, in flight and by this round. An endpoint with its fill (a slow one, or
    // a backlog) waits for some of it to settle.
    const taken = new Map(inFlightByEndpoint);
    const roomOf = (e: WebhookEndpointsTable) => endpointInFlightLimit - (taken.get(e.id) ?? 0);
    const room = inFlightLimit - inFlight.size;
    // No more events than the endpoint with the most room can take: beyond that they would wait
    // unclaimed, for the costlier claim query, where in the outbox they cost nothing.
    const events = Math.min(batchSize, room, endpoints.length ? Math.max(...endpoints.map(roomOf)) : batchSize);
    const { fannedOut, claimedNow } =
      events > 0 ? await fanOut(trx, cursor.position, horizon, endpoints, token, events, room, taken) : NONE;
    // Claims of a batch at a time: the claim query costs about the same for a few rows as for many.
    const open = endpoints.filter((e) => roomOf(e) >= batchSize);
    const limit = Math.min(batchSize, room - claimedNow.length);
    const claimed = open.length && limit > 0 ? await claim(trx, token, open, limit, taken) : [];
    waitingForRoom = events < batchSize || open.length < endpoints.length || claimed.length >= limit;
    return {
      // A limit of room, not of batch size: the next round waits for what settles (waitingForRoom).
      more: (events === batchSize && fannedOut >= events) || (limit === batchSize && claimed.length >= limit),
      claimed: [...claimedNow, ...claimed],
    };
  }

  /**
   * Events after the cursor (on PostgreSQL, of transactions below `horizon`: finished when the
   * round began) -> deliveries; moves the cursor. New deliveries to an endpoint whose pending
   * deliveries are all in flight from this process are claimed as they are inserted, unless one of
   * their object is in flight (nothing else can be ahead of them; at most `room` of them), which
   * saves the claim's read and update for the common case.
   */
  async function fanOut(
    trx: Trx,
    position: string,
    horizon: string,
    endpoints: WebhookEndpointsTable[],
    token: string,
    limit: number,
    room: number,
    taken: Map<string, number>,
  ): Promise<{ fannedOut: number; claimedNow: Claimed[] }> {
    let events: Array<EventRow & { pos: string }>;
    let nextPosition: string;
    if (postgres) {
      const [fromTx, fromId] = splitPosition(position);
      if (BigInt(horizon) <= BigInt(fromTx) && fromId === '') return NONE;
      if (endpoints.length === 0) {
        if (BigInt(horizon) > BigInt(fromTx)) await moveCursor(trx, `${horizon}:`);
        return NONE;
      }
      events = (
        await sql<
          EventRow & { pos: string }
        >`select txid::text || ':' || id as pos, id, type, object_id, data, request_id, created_at
          from events where (txid, id) > (${fromTx}::xid8, ${fromId}) and txid < ${horizon}::xid8
          order by txid, id limit ${limit}`.execute(trx)
      ).rows;
      nextPosition = events.length === limit ? events[events.length - 1].pos : `${horizon}:`;
    } else {
      if (endpoints.length === 0) {
        const last = (await sql<{ p: number | null }>`select max(rowid) as p from events`.execute(trx)).rows[0].p ?? 0;
        if (String(last) !== position) await moveCursor(trx, String(last));
        return NONE;
      }
      events = (
        await sql<EventRow & { pos: string }>`select rowid as pos, id, type, object_id, data, request_id, created_at
          from events where rowid > ${Number(position)} order by rowid limit ${limit}`.execute(trx)
      ).rows;
      if (events.length === 0) return NONE;
      nextPosition = String(events[events.length - 1].pos);
    }
    const subscriptions = endpoints.map((e) => ({ endpoint: e, patterns: parseJson<string[]>(e.enabled_events, []) }));
    const wanted: Array<{ endpointId: string; event: EventRow }> = [];
    for (const event of events) {
      for (const { endpoint, patterns } of subscriptions) {
        // An endpoint receives the events that happened after it was made.
        if (event.created_at >= endpoint.created_at && matchesEventType(patterns, event.type))
          wanted.push({ endpointId: endpoint.id, event });
      }
    }
    const claimedNow: Claimed[] = [];
    if (wanted.length) {
      const first = await takeSeqs(trx, wanted.length);
      const at = iso(Date.now());
      const clear = new Set<string>();
      for (const e of endpoints) {
        // Every in-flight delivery is pending: no more pending than in flight means none other.
        const ours = inFlightByEndpoint.get(e.id) ?? 0;
        const pending = await sql<{ n: number | string }>`select count(*) as n from (select 1 from webhook_deliveries
            where status = 'pending' and endpoint_id = ${e.id} limit ${ours + 1}) as p`.execute(trx);
        if (Number(pending.rows[0].n) === ours) clear.add(e.id);
      }
      const retryAt = await waitingRetries(trx, wanted, clear, at);
      const endpointById = new Map(endpoints.map((e) => [e.id, e]));
      const take = taker(taken);
      const claimedUntil = iso(Date.now() + leaseMs);
      const rows = wanted.map((w, i) => {
        const row = newDelivery(w.endpointId, w.event, first + i, at);
        const key = groupKey(w.endpointId, w.event.object_id);
        if (!clear.has(w.endpointId)) {
          row.next_attempt_at = retryAt.get(key) ?? at;
          return row;
        }
        if (claimedNow.length >= room || inFlightByGroup.has(key) || !take(w.endpointId, w.event.object_id)) return row;
        row.claim_token = token;
        row.claimed_until = claimedUntil;
        claimedNow.push({ delivery: row, event: w.event, endpoint: endpointById.get(w.endpointId)! });
        return row;
      });
      await insertJsonRows(trx, 'webhook_deliveries', rows);
    }
    await moveCursor(trx, nextPosition);
    return { fannedOut: events.length, claimedNow };
  }

  /**
   * For the new deliveries to endpoints with pending ones: the retry time of an earlier delivery
   * of the same object that waits for one (groupKey -> time). The new one cannot go
   * before it, so it waits as long, rather than being due and passed over by every claim until
   * then (during an outage that was every round, over every event since it began).
   */
  async function waitingRetries(
    trx: Trx,
    wanted: Array<{ endpointId: string; event: EventRow }>,
    clear: Set<string>,
    at: string,
  ): Promise<Map<string, string>> {
    const objectsByEndpoint = new Map<string, Set<string>>();
    for (const w of wanted) {
      if (clear.has(w.endpointId)) continue;
      const objects = objectsByEndpoint.get(w.endpointId) ?? new Set<string>();
      objects.add(w.event.object_id);
      objectsByEndpoint.set(w.endpointId, objects);
    }
    const retryAt = new Map<string, string>();
    for (const [endpointId, objects] of objectsByEndpoint) {
      const waiting = await trx
        .selectFrom('webhook_deliveries')
        .select(['object_id', (eb) => eb.fn.max('next_attempt_at').as('until')])
        .where('endpoint_id', '=', endpointId)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '>', at)
        .where('object_id', 'in', [...objects])
        .groupBy('object_id')
        .execute();
      for (const w of waiting) if (w.until) retryAt.set(groupKey(endpointId, w.object_id), w.until);
    }
    return retryAt;
  }

  /**
   * Decides, delivery by delivery in seq order, which this round claims: at most GROUP_LIMIT of one
   * object to one endpoint, and no more of an endpoint than fit beside what `taken` counts for it
   * (in flight and claimed by this round, counted on as it takes).
   */
  function taker(taken: Map<string, number>): (endpointId: string, objectId: string) => boolean {
    const perGroup = new Map<string, number>();
    return (endpointId, objectId) => {
      const key = groupKey(endpointId, objectId);
      const n = (perGroup.get(key) ?? 0) + 1;
      perGroup.set(key, n);
      const m = (taken.get(endpointId) ?? 0) + 1;
      if (n > GROUP_LIMIT || m > endpointInFlightLimit) return false;
      taken.set(endpointId, m);
      return true;
    };
  }

  async function moveCursor(trx: Trx, position: string): Promise<void> {
    await trx.updateTable('webhook_cursor').set({ position }).where('name', '=', 'events').execute();
  }

  /**
   * Due deliveries whose earlier pending siblings (same endpoint and object) are all due with them:
   * at most `limit`, and as many of an endpoint's as fit beside what it has in flight.
   */
  async function claim(
    trx: Trx,
    token: string,
    endpoints: WebhookEndpointsTable[],
    limit: number,
    taken: Map<string, number>,
  ): Promise<Claimed[]> {
    const at = iso(Date.now());
    let query = trx
      .selectFrom('webhook_deliveries as d')
      .selectAll('d')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', at)
      .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<', at)]))
      .where(
        'd.endpoint_id',
        'in',
        endpoints.map((e) => e.id),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            // Found through the (endpoint_id, object_id, seq) index: a few rows per object. An
            // equality on status here let PostgreSQL take the (status, endpoint_id, ...) index
            // instead and read every pending delivery of the endpoint for each candidate: with
            // 8,000 pending during an outage one claim took 18 s.
            selectFrom('webhook_deliveries as p')
              .select('p.id')
              .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
              .whereRef('p.object_id', '=', 'd.object_id')
              .whereRef('p.seq', '<', 'd.seq')
              .where('p.status', 'not in', ['succeeded', 'failed'])
              .where((eb) => eb.or([eb('p.next_attempt_at', '>', at), eb('p.claimed_until', '>=', at)])),
          ),
        ),
      )
      .orderBy('d.seq')
      .limit(limit);
    if (postgres) query = query.forUpdate().skipLocked();
    const candidates = await query.execute();
    const take = taker(taken);
    const chosen = candidates.filter((d) => take(d.endpoint_id, d.object_id));
    if (chosen.length === 0) return [];
    const ids = chosen.map((d) => d.id);
    await trx
      .updateTable('webhook_deliveries')
      .set({ claim_token: token, claimed_until: iso(Date.now() + leaseMs) })
      .where('id', 'in', ids)
      .execute();
    const events = await trx
      .selectFrom('events')
      .select(['id', 'type', 'object_id', 'data', 'request_id', 'created_at'])
      .where('id', 'in', [...new Set(chosen.map((d) => d.event_id))])
      .execute();
    const eventById = new Map(events.map((e) => [e.id, e]));
    const endpointById = new Map(endpoints.map((e) => [e.id, e]));
    return chosen.flatMap((delivery) => {
      const event = eventById.get(delivery.event_id);
      const endpoint = endpointById.get(delivery.endpoint_id);
      return event && endpoint ? [{ delivery, event, endpoint }] : [];
    });
  }

  /** The claimed deliveries as the sender thread's requests, in order within each group. */
  function requests(claimed: Claimed[]): SendRequest[] {
    const now = Date.now();
    const at = iso(now);
    return claimed.map(({ delivery, event, endpoint }) => ({
      delivery_id: delivery.id,
      group: groupKey(delivery.endpoint_id, delivery.object_id),
      endpoint_id: delivery.endpoint_id,
      url: endpoint.url,
      secrets:
        endpoint.previous_secret && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > at
          ? [endpoint.secret, endpoint.previous_secret]
          : [endpoint.secret],
      start_by: now + timeoutMs,
      event,
    }));
  }

  /**
   * The attempts, the deliveries' new state and the endpoints' health; the unsent deliveries'
   * claims released. Each write matches the claim's token, so a claim that ran out and was taken
   * by another process is left to it.
   */
  async function record(trx: Trx, { outcomes, unsent }: SendResult, claims: Map<string, InFlight>): Promise<void> {
    const at = Date.now();
    const endpointHealth = new Map<string, { endpoint: WebhookEndpointsTable; ok: boolean; firstFailure?: string }>();
    const updates: OutcomeUpdate[] = [];
    const held: HeldBehind[] = [];
    const endedAfterFailures: Place[] = [];
    for (const o of outcomes) {
      const { delivery, endpoint, token } = claims.get(o.delivery_id)!;
      const health = endpointHealth.get(endpoint.id) ?? { endpoint, ok: false };
      endpointHealth.set(endpoint.id, health);
      const attemptCount = Number(delivery.attempt_count) + 1;
      let status: WebhookDeliveriesTable['status'] = 'succeeded';
      let nextRetryAt: string | null = null;
      if (succeeded(o)) health.ok = true;
      else {
        health.firstFailure ??= o.attempted_at;
        const wait = permanentFailure(o) ? undefined : schedule[attemptCount - 1];
        if (wait !== undefined) nextRetryAt = iso(at + wait * (1 + jitter * (2 * random() - 1)));
        status = nextRetryAt ? 'pending' : 'failed';
      }
      const place: Place = {
        endpoint_id: delivery.endpoint_id,
        object_id: delivery.object_id,
        seq: Number(delivery.seq),
      };
      if (nextRetryAt) held.push({ ...place, until: nextRetryAt });
      else if (attemptCount > 1) endedAfterFailures.push(place);
      const attempt: WebhookAttempt = {
        attempted_at: o.attempted_at,
        status_code: o.status_code,
        duration_ms: o.duration_ms,
        response_excerpt: o.response_excerpt,
        error: o.error,
        next_retry_at: nextRetryAt,
      };
      updates.push({
        id: delivery.id,
        claim_token: token,
        status,
        attempt_count: attemptCount,
        next_attempt_at: nextRetryAt,
        last_status_code: o.status_code,
        last_error: status === 'succeeded' ? null : (o.error ?? `HTTP ${o.status_code}`),
        attempts: appendAttempt(delivery.attempts, attempt),
        updated_at: iso(at),
      });
    }
    await writeOutcomes(trx, updates);
    await holdBehindRetries(trx, held);
    await releaseHeld(trx, endedAfterFailures, iso(at));
    const unsentByToken = new Map<string, string[]>();
    for (const id of unsent) {
      const { token } = claims.get(id)!;
      const ids = unsentByToken.get(token);
      if (ids) ids.push(id);
      else unsentByToken.set(token, [id]);
    }
    for (const [token, ids] of unsentByToken)
      await trx
        .updateTable('webhook_deliveries')
        .set({ claim_token: null, claimed_until: null })
        .where('id', 'in', ids)
        .where('claim_token', '=', token)
        .execute();
    for (const { endpoint, ok, firstFailure } of endpointHealth.values()) {
      if (ok) {
        if (endpoint.failing_since)
          await trx
            .updateTable('webhook_endpoints')
            .set({ failing_since: null })
            .where('id', '=', endpoint.id)
            .execute();
        continue;
      }
      await noteFailure(trx, endpoint.id, firstFailure!, at);
    }
  }

  /** Each delivery's new state: one UPDATE for all, the new states as one JSON parameter. */
  async function writeOutcomes(trx: Trx, updates: OutcomeUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const json = JSON.stringify(updates);
    if (postgres)
      await sql`update webhook_deliveries as d set status = v.status, attempt_count = v.attempt_count,
          next_attempt_at = v.next_attempt_at, claim_token = null, claimed_until = null,
          last_status_code = v.last_status_code, last_error = v.last_error, attempts = v.attempts, updated_at = v.updated_at
        from json_to_recordset(${json}::json) as v(id text, claim_token text, status text, attempt_count int,
          next_attempt_at text, last_status_code int, last_error text, attempts text, updated_at text)
        where d.id = v.id and d.claim_token = v.claim_token`.execute(trx);
    else
      await sql`update webhook_deliveries set status = v.value->>'status', attempt_count = v.value->>'attempt_count',
          next_attempt_at = v.value->>'next_attempt_at', claim_token = null, claimed_until = null,
          last_status_code = v.value->>'last_status_code', last_error = v.value->>'last_error',
          attempts = v.value->>'attempts', updated_at = v.value->>'updated_at'
        from json_each(${json}) as v
        where webhook_deliveries.id = v.value->>'id' and claim_token = v.value->>'claim_token'`.execute(trx);
  }

  /**
   * The pending deliveries behind one that will be retried (same endpoint and object, later) wait
   * until its retry: they cannot go before it, and due they would be scanned by every claim.
   */
  async function holdBehindRetries(trx: Trx, held: HeldBehind[]): Promise<void> {
    if (held.length === 0) return;
    if (postgres) {
      await sql`update webhook_deliveries as d set next_attempt_at = v.until
        from json_to_recordset(${JSON.stringify(held)}::json) as v(endpoint_id text, object_id text, seq bigint, until text)
        where d.endpoint_id = v.endpoint_id and d.object_id = v.object_id and d.seq > v.seq and d.status = 'pending'
          and (d.next_attempt_at is null or d.next_attempt_at < v.until)`.execute(trx);
      return;
    }
    // SQLite scanned the table for each row of a json_each join here; one indexed UPDATE each is
    // in process and quick.
    for (const h of held)
      await trx
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: h.until })
        .where('endpoint_id', '=', h.endpoint_id)
        .where('object_id', '=', h.object_id)
        .where('seq', '>', h.seq)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<', h.until)]))
        .execute();
  }

  /**
   * A delivery that ends after failed attempts (a retry went through, maybe one asked for by hand,
   * or it failed for good) lets the later ones of its object go now rather than at the retry time
   * they were held until, which after a few failures is hours away.
   */
  async function releaseHeld(trx: Trx, ended: Place[], at: string): Promise<void> {
    for (const e of ended)
      await trx
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: at })
        .where('endpoint_id', '=', e.endpoint_id)
        .where('object_id', '=', e.object_id)
        .where('seq', '>', e.seq)
        .where('status', '=', 'pending')
        .where('attempt_count', '=', 0)
        .where('next_attempt_at', '>', at)
        .execute();
  }

  /** Starts the endpoint's failure clock, or disables it (with an event) once it has run 3 days. */
  async function noteFailure(trx: Trx, endpointId: string, failedAt: string, at: number): Promise<void> {
    let q = trx.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpointId);
    if (postgres) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row || row.status !== 'enabled') return;
    if (!row.failing_since) {
      await trx.updateTable('webhook_endpoints').set({ failing_since: failedAt }).where('id', '=', row.id).execute();
      return;
    }
    if (at - Date.parse(row.failing_since) < disableAfterMs) return;
    const disabled: WebhookEndpointsTable = {
      ...row,
      status: 'disabled',
      disabled_reason: `Every attempt failed since ${row.failing_since}.`,
      version: row.version + 1,
      updated_at: iso(at),
    };
    await trx
      .updateTable('webhook_endpoints')
      .set({
        status: 'disabled',
        disabled_reason: disabled.disabled_reason,
        version: disabled.version,
        updated_at: disabled.updated_at,
      })
      .where('id', '=', row.id)
      .execute();
    await recordEvent(trx, { requestId: newId('req') }, 'webhook_endpoint.disabled', toWebhookEndpoint(disabled), {
      status: 'enabled',
    });
  }

  /** The last round failed with settled deliveries to record: they were kept for this one. */
  let recordRetried = false;

  /**
   * One round, in one transaction: records what the sender has settled, then fans out and claims;
   * the claimed go to the sender once that commits. True when it stopped at a batch's size (more
   * is waiting: go again at once).
   */
  async function round(): Promise<boolean> {
    const done = settled;
    settled = { outcomes: [], unsent: [] };
    // Out of the in-flight state first: the fan-out and the claim then see what the record leaves.
    const claims = forget(done);
    const token = randomBytes(9).toString('base64url');
    let result: { more: boolean; claimed: Claimed[] };
    try {
      result = await inTransaction(db, async (trx) => {
        if (claims.size) await record(trx, done, claims);
        return stopped ? { more: false, claimed: [] } : dispatch(trx, token);
      });
    } catch (err) {
      // Nothing was written. The next round records them (their claims hold meanwhile); if that
      // fails too they are let go, and sent again once their claims run out.
      if (!recordRetried) {
        for (const c of claims.values()) remember(c);
        settled = { outcomes: [...done.outcomes, ...settled.outcomes], unsent: [...done.unsent, ...settled.unsent] };
      }
      recordRetried = !recordRetried && claims.size > 0;
      throw err;
    }
    recordRetried = false;
    for (const c of result.claimed) remember({ ...c, token });
    sender.submit(requests(result.claimed));
    return result.more;
  }

  const loop = (async () => {
    // SQLite runs one server process: claims left by a killed one are nobody's.
    if (!postgres)
      await db
        .updateTable('webhook_deliveries')
        .set({ claim_token: null, claimed_until: null })
        .where('claimed_until', 'is not', null)
        .execute()
        .catch((err) => options.log?.warn({ err }, 'webhook worker: releasing old claims failed'));
    while (!stopped) {
      // Under load, a round every pollMs takes what accumulated: fewer, larger transactions.
      let worked = false;
      woken = false;
      try {
        worked = await round();
      } catch (err) {
        if (stopped) break;
        options.log?.warn({ err }, 'webhook delivery round failed');
      }
      if (worked || stopped || woken) continue;
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, pollMs);
        timer.unref();
      });
      wakeUp = undefined;
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
      await sender.stop();
      const last = settled;
      const claims = forget(last);
      if (claims.size)
        await inTransaction(db, (trx) => record(trx, last, claims)).catch((err) =>
          options.log?.warn({ err }, 'webhook worker: recording the last attempts failed'),
        );
    },
    wake,
  };
}

/** Adds `by` to a key's count; a count that reaches zero goes. */
function count(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n) counts.set(key, n);
  else counts.delete(key);
}

/** The deliveries of one object to one endpoint: sent in order, one group at a time. */
function groupKey(endpointId: string, objectId: string): string {
  return `${endpointId} ${objectId}`;
}

/** 4xx other than 408 (timeout) and 429 (slow down) will not get better by retrying. */
function permanentFailure(o: SendOutcome): boolean {
  return (
    o.status_code !== null &&
    o.status_code >= 400 &&
    o.status_code < 500 &&
    o.status_code !== 408 &&
    o.status_code !== 429
  );
}

function splitPosition(position: string): [string, string] {
  const colon = position.indexOf(':');
  return [position.slice(0, colon), position.slice(colon + 1)];
}

function appendAttempt(attempts: string, attempt: WebhookAttempt): string {
  const json = JSON.stringify(attempt);
  return attempts === '[]' || !attempts ? `[${json}]` : `${attempts.slice(0, -1)},${json}]`;
}
