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
      throw new ApiError(429, 'rate_limited', 'rate_limited', `Rate limit of ${limitPerMinute} requests per minute exceeded.`);
    }
  });
}
