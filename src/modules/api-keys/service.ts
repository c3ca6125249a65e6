import { createHash, randomBytes } from 'node:crypto';
import type { DB, Executor } from '../../db/connection.js';
import { preparedQuery } from '../../db/prepared.js';
import type { ApiKeysTable } from '../../db/schema.js';
import { NotFoundError, ValidationError } from '../../platform/errors.js';
import { newId, nowIso } from '../../platform/ids.js';
import { parseJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';

export interface ApiKey {
  id: string;
  object: 'api_key';
  name: string | null;
  key_prefix: string;
  scopes: string[];
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  status: 'active' | 'revoked' | 'expired';
  version: number;
  created_at: string;
  updated_at: string;
}

/** Scopes are `<resource>:read`, `<resource>:write`, `<resource>:*`, `admin` or `*`. */
export const SCOPE_PATTERN = /^(\*|admin|[a-z_]+:(read|write|\*))$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function keyStatus(row: ApiKeysTable, now = nowIso()): ApiKey['status'] {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at && row.expires_at <= now) return 'expired';
  return 'active';
}

export function toApiKey(row: ApiKeysTable): ApiKey {
  return {
    id: row.id,
    object: 'api_key',
    name: row.name,
    key_prefix: row.key_prefix,
    scopes: parseJson(row.scopes, []),
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
    last_used_at: row.last_used_at,
    status: keyStatus(row),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export interface CreateApiKeyInput {
  name?: string | null;
  scopes: string[];
  expires_at?: string | null;
  /** Adopt this secret instead of generating one (the ADMIN_API_KEY setting). */
  secret?: string;
}

/** Creates a key; the secret is returned here and never again (only its hash is stored). */
export async function createApiKey(db: Executor, input: CreateApiKeyInput): Promise<{ apiKey: ApiKey; secret: string }> {
  const bad = input.scopes.filter((s) => !SCOPE_PATTERN.test(s));
  if (bad.length || input.scopes.length === 0) {
    throw new ValidationError('Invalid scopes.', [{ path: 'scopes', message: bad.length ? `Unknown scope form: ${bad.join(', ')}` : 'At least one scope is required' }]);
  }
  if (input.expires_at && Date.parse(input.expires_at) <= Date.now()) {
    throw new ValidationError('expires_at must be in the future.', [{ path: 'expires_at', message: 'Must be in the future' }]);
  }
  const secret = input.secret ?? `sk_${randomBytes(24).toString('base64url')}`;
  const now = nowIso();
  const row: ApiKeysTable = {
    id: newId('key'),
    name: input.name ?? null,
    key_prefix: secret.slice(0, 7),
    key_hash: hashSecret(secret),
    scopes: JSON.stringify([...new Set(input.scopes)]),
    expires_at: input.expires_at ? new Date(input.expires_at).toISOString() : null,
    revoked_at: null,
    last_used_at: null,
    version: 1,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('api_keys').values(row).execute();
  return { apiKey: toApiKey(row), secret };
}

export const apiKeyListSpec: ListSpec = { table: 'api_keys', filters: {} };

export async function listApiKeys(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<ApiKeysTable>(db, apiKeyListSpec, query), toApiKey);
}

export async function getApiKey(db: Executor, id: string): Promise<ApiKey> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('api_key', id);
  return toApiKey(row);
}

export async function revokeApiKey(db: DB, id: string): Promise<ApiKey> {
  const now = nowIso();
  await db
    .updateTable('api_keys')
    .set((eb) => ({ revoked_at: now, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return getApiKey(db, id);
}

export async function countActiveAdminKeys(db: Executor): Promise<number> {
  const rows = await db.selectFrom('api_keys').select(['scopes', 'expires_at', 'revoked_at']).where('revoked_at', 'is', null).execute();
  const now = nowIso();
  return rows.filter((r) => (!r.expires_at || r.expires_at > now) && parseJson<string[]>(r.scopes, []).some((s) => s === '*' || s === 'admin')).length;
}

/** The active key with this secret, or undefined (unknown, revoked or expired). */
// Every authenticated request runs this lookup.
const keyByHash = preparedQuery<{ hash: string }, ApiKeysTable>((db, param) => db.selectFrom('api_keys').selectAll().where('key_hash', '=', param('hash')));

export async function findActiveKey(db: Executor, secret: string): Promise<{ id: string; scopes: string[] } | undefined> {
  const [row] = (await keyByHash(db, { hash: hashSecret(secret) })).rows;
  if (!row || keyStatus(row) !== 'active') return undefined;
  return { id: row.id, scopes: parseJson(row.scopes, []) };
}

/** Records when a key was last used (not a change of the key: no version bump, no event). */
export async function touchApiKey(db: Executor, id: string, at: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}

/** `*` grants everything; `x:*` and `x:write` also grant `x:read`. */
export function scopeGrants(granted: string[], required: string): boolean {
  if (granted.includes('*') || granted.includes(required)) return true;
  const [resource, access] = required.split(':');
  if (!access) return false;
  return granted.includes(`${resource}:*`) || (access === 'read' && granted.includes(`${resource}:write`));
}
