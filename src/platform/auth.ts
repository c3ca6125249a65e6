import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthenticationError, PermissionError } from './errors.js';
import { scopeGrants, VALID_SCOPES } from './scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: { id: string; scopes: string[] };
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one (health, docs) need no key. */
    scope?: string;
    /** Any active key may call the route, whatever its scopes (GET /v1/api_keys/me). */
    anyKey?: boolean;
  }
}

/** `Authorization: Bearer sk_...` or StateSet's legacy `Authorization: Token sk_...`. */
function secretFrom(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^(Bearer|Token)\s+(\S+)\s*$/i.exec(header);
  return match?.[2];
}

/** Every route that declares a scope needs an active key holding it: 401 without one, 403 without the scope. */
/** last_used_at is written at most this often per key, so authentication stays a read. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** How auth reaches the keys (the api-keys module owns them; platform imports no module). */
export interface KeyStore {
  /** The active key with this secret, or undefined (unknown, revoked or expired). */
  findActive(secret: string): Promise<{ id: string; scopes: string[] } | undefined>;
  /** Records that the key was used at `at` (ISO time). */
  touch(id: string, at: string): Promise<void>;
}

export function registerAuth(app: FastifyInstance, keys: KeyStore): void {
  const lastWritten = new Map<string, number>();
  // A route requiring a scope no key can be given would be unreachable: refuse to start instead.
  app.addHook('onRoute', (route) => {
    const scope = (route.config as { scope?: string } | undefined)?.scope;
    if (scope && !VALID_SCOPES.includes(scope))
      throw new Error(`Route ${route.method} ${route.url} requires "${scope}", which is not in VALID_SCOPES.`);
    // The OpenAPI document names each operation's scope, so clients (the console) can hide what a
    // key cannot do; @fastify/swagger copies `x-` keys of a route's schema into the operation.
    if (scope && route.schema) (route.schema as Record<string, unknown>)['x-required-scope'] = scope;
  });
  app.addHook('onRequest', async (request) => {
    const { scope, anyKey } = request.routeOptions.config ?? {};
    if (!scope && !anyKey) return;
    const secret = secretFrom(request);
    if (!secret) throw new AuthenticationError();
    const key = await keys.findActive(secret);
    if (!key) throw new AuthenticationError('The API key is invalid, revoked or expired.');
    request.apiKey = key;
    const now = Date.now();
    if (now - (lastWritten.get(key.id) ?? 0) >= LAST_USED_RESOLUTION_MS) {
      if (lastWritten.size > 10_000) lastWritten.clear();
      lastWritten.set(key.id, now);
      await keys.touch(key.id, new Date(now).toISOString());
    }
    if (scope && !scopeGrants(key.scopes, scope)) throw new PermissionError(scope);
  });
}
