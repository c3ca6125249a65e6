import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DB } from '../db/connection.js';
import { findActiveKey, scopeGrants } from '../modules/api-keys/service.js';
import { AuthenticationError, PermissionError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: { id: string; scopes: string[] };
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one (health, docs) need no key. */
    scope?: string;
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
export function registerAuth(app: FastifyInstance, db: DB): void {
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config?.scope;
    if (!scope) return;
    const secret = secretFrom(request);
    if (!secret) throw new AuthenticationError();
    const key = await findActiveKey(db, secret);
    if (!key) throw new AuthenticationError('The API key is invalid, revoked or expired.');
    request.apiKey = key;
    if (!scopeGrants(key.scopes, scope)) throw new PermissionError(scope);
  });
}
