import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DB } from '../db/connection.js';
import { ApiError, BadRequestError, ConflictError, isUniqueViolation } from './errors.js';
import { newId, nowIso } from '../db/ids.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { apiKeyId: string; key: string; token: string; settled: boolean };
  }
  interface FastifyContextConfig {
    /**
     * A route whose answer holds a secret shown only once (an API key's) sets this: its answers are
     * never stored, since storing them would keep the secret in clear and show it again on replay.
     */
    answerHoldsSecret?: boolean;
  }
}

const RETENTION_MS = 24 * 60 * 60 * 1000;
/**
 * A claim older than this whose request never answered (process killed) is settled: if its command
 * committed (its events carry the claim's token) the key answers 409 idempotency_key_committed
 * naming what was done; otherwise the claim is taken over and the command runs.
 */
const ABANDONED_MS = 60 * 1000;

function keyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'] ?? request.headers['x-idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  return key?.trim() || undefined;
}

function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

/**
 * Idempotency-Key on POST: the first request claims the key (scoped to its API key); a later one
 * with the same body gets the stored answer byte for byte, with another body a 400, and while the
 * first is still running a 409. 5xx answers are forgotten so the call can be retried.
 */
export function registerIdempotency(app: FastifyInstance, db: DB): void {
  app.addHook('preValidation', async (request, reply) => {
    if (request.method !== 'POST' || !request.apiKey || request.routeOptions.config?.answerHoldsSecret) return;
    const key = keyOf(request);
    if (!key) return;
    if (key.length > 255)
      throw new BadRequestError(
        'validation_error',
        'Idempotency-Key must be at most 255 characters.',
        'Idempotency-Key',
      );
    const apiKeyId = request.apiKey.id;
    const fingerprint = fingerprintOf(request);
    const scope = db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('api_key_id', '=', apiKeyId)
      .where('idempotency_key', '=', key);

    for (let attempt = 0; attempt < 3; attempt++) {
      const token = newId('idem');
      try {
        await db
          .insertInto('idempotency_keys')
          .values({
            api_key_id: apiKeyId,
            idempotency_key: key,
            fingerprint,
            state: 'in_flight',
            response_status: null,
            response_headers: null,
            response_body: null,
            created_at: nowIso(),
            token,
          })
          .execute();
        request.idempotency = { apiKeyId, key, token, settled: false };
        return;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      const existing = await scope.executeTakeFirst();
      if (!existing) continue; // deleted meanwhile (a 5xx or expiry): claim again
      const age = Date.now() - Date.parse(existing.created_at);
      const abandoned = existing.state === 'in_flight' && age > ABANDONED_MS;
      const committed =
        abandoned && existing.token
          ? await db
              .selectFrom('events')
              .select(['object_type', 'object_id'])
              .where('idempotency_token', '=', existing.token)
              .orderBy('id')
              .executeTakeFirst()
          : undefined;
      if (age > RETENTION_MS || (abandoned && !committed)) {
        await db
          .deleteFrom('idempotency_keys')
          .where('api_key_id', '=', apiKeyId)
          .where('idempotency_key', '=', key)
          .where('created_at', '=', existing.created_at)
          .execute();
        continue;
      }
      if (existing.fingerprint !== fingerprint) {
        throw new BadRequestError(
          'idempotency_key_reused',
          `Idempotency-Key "${key}" was already used with a different request.`,
          'Idempotency-Key',
        );
      }
      if (committed) {
        // From now on this error is the key's answer (onSend stores it on the claim).
        request.idempotency = { apiKeyId, key, token: existing.token!, settled: false };
        throw new ConflictError(
          'idempotency_key_committed',
          `The request with Idempotency-Key "${key}" was carried out (${committed.object_type} ${committed.object_id}), but its answer was lost when the server stopped; fetch the ${committed.object_type} instead of retrying.`,
          [{ object: committed.object_type, id: committed.object_id }],
        );
      }
      if (existing.state === 'in_flight') {
        throw new ConflictError(
          'idempotency_key_in_use',
          `A request with Idempotency-Key "${key}" is still being processed; retry shortly.`,
        );
      }
      const headers = JSON.parse(existing.response_headers ?? '{}') as Record<string, string>;
      reply
        .code(existing.response_status ?? 200)
        .headers(headers)
        .header('Idempotent-Replayed', 'true');
      return reply.send(existing.response_body ?? '');
    }
    throw new ApiError(500, 'api_error', 'api_error', 'Could not claim the idempotency key.');
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim || claim.settled) return payload;
    claim.settled = true;
    const where = db
      .deleteFrom('idempotency_keys')
      .where('api_key_id', '=', claim.apiKeyId)
      .where('idempotency_key', '=', claim.key);
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await where.execute();
      return payload;
    }
    const contentType = reply.getHeader('content-type');
    await db
      .updateTable('idempotency_keys')
      .set({
        state: 'done',
        response_status: reply.statusCode,
        response_headers: JSON.stringify(contentType ? { 'content-type': String(contentType) } : {}),
        response_body: payload,
      })
      .where('api_key_id', '=', claim.apiKeyId)
      .where('idempotency_key', '=', claim.key)
      .execute();
    return payload;
  });

  // A request that never reached onSend (client gone) must not keep its key claimed.
  app.addHook('onResponse', async (request) => {
    const claim = request.idempotency;
    if (claim && !claim.settled) {
      claim.settled = true;
      await db
        .deleteFrom('idempotency_keys')
        .where('api_key_id', '=', claim.apiKeyId)
        .where('idempotency_key', '=', claim.key)
        .execute();
    }
  });
}

/** Drops remembered answers older than 24 h; run at start and then hourly. */
export async function purgeExpiredIdempotencyKeys(db: DB): Promise<number> {
  const cutoff = new Date(Date.now() - RETENTION_MS).toISOString();
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
