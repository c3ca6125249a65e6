import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

/**
 * A fixed one-minute window per API key, kept in this process's memory: the product needs no
 * shared cache, and with several API processes each enforces the limit on its own share.
 */
export function registerRateLimit(app: FastifyInstance, limitPerMinute: number): void {
  const windows = new Map<string, { start: number; count: number }>();
  app.addHook('onRequest', async (request, reply) => {
    const keyId = request.apiKey?.id;
    if (!keyId) return;
    const now = Date.now();
    const windowStart = now - (now % 60_000);
    let w = windows.get(keyId);
    if (!w || w.start !== windowStart) {
      if (windows.size > 10_000) windows.clear();
      w = { start: windowStart, count: 0 };
      windows.set(keyId, w);
    }
    w.count++;
    const resetSeconds = Math.ceil((windowStart + 60_000) / 1000);
    reply.header('X-RateLimit-Limit', String(limitPerMinute));
    reply.header('X-RateLimit-Remaining', String(Math.max(0, limitPerMinute - w.count)));
    reply.header('X-RateLimit-Reset', String(resetSeconds));
    if (w.count > limitPerMinute) {
      reply.header('Retry-After', String(Math.max(1, resetSeconds - Math.floor(now / 1000))));
      throw new ApiError(
        429,
        'rate_limited',
        'rate_limited',
        `Rate limit of ${limitPerMinute} requests per minute exceeded.`,
      );
    }
  });
}

/**
 * Requests answered 401 or 403 count against their client address (a fixed one-minute window, in
 * this process's memory): past `limitPerMinute` of them, every request from that address to an
 * authenticated route gets 429 until the window ends, before its key is even looked at, so a
 * key-guessing flood learns nothing from its guesses. Behind a proxy every client shares the
 * proxy's address.
 */
export function registerAuthFailureLimit(app: FastifyInstance, limitPerMinute: number): void {
  const failures = new Map<string, { start: number; count: number }>();
  const windowStartOf = (now: number) => now - (now % 60_000);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.config?.scope) return;
    const now = Date.now();
    const w = failures.get(request.ip);
    if (!w || w.start !== windowStartOf(now) || w.count < limitPerMinute) return;
    const resetSeconds = Math.ceil((w.start + 60_000) / 1000);
    reply.header('Retry-After', String(Math.max(1, resetSeconds - Math.floor(now / 1000))));
    throw new ApiError(
      429,
      'rate_limited',
      'too_many_auth_failures',
      `More than ${limitPerMinute} requests from this address were refused (401/403) this minute; try again after the Retry-After seconds.`,
    );
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode !== 401 && reply.statusCode !== 403) return;
    const windowStart = windowStartOf(Date.now());
    let w = failures.get(request.ip);
    if (!w || w.start !== windowStart) {
      if (failures.size > 10_000) failures.clear();
      w = { start: windowStart, count: 0 };
      failures.set(request.ip, w);
    }
    w.count++;
  });
}
