import { createHash, randomBytes } from 'node:crypto';
import type { DB, Executor } from '../../db/connection.js';
import { preparedQuery } from '../../db/prepared.js';
import type { ApiKeysTable } from './tables.js';
import { ApiError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { DATE_RULE, parseInstant } from '../../platform/schemas.js';
import { scopeCovers, VALID_SCOPES } from '../../platform/scopes.js';

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

const validScopeSet = new Set(VALID_SCOPES);

/**
 * The 400 for scopes that are not in VALID_SCOPES, or undefined when all are. It lists the valid
 * ones, so `order:read` (a typo of `orders:read`) says what to write instead.
 */
export function unknownScopesError(scopes: readonly string[]): ValidationError | undefined {
  if (scopes.length === 0)
    return new ValidationError('At least one scope is required.', [
      { path: 'scopes', code: 'too_small', message: 'At least one scope is required' },
    ]);
  const unknown = scopes.filter((s) => !validScopeSet.has(s));
  if (unknown.length === 0) return undefined;
  return new ValidationError(
    `Unknown scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Valid scopes: ${VALID_SCOPES.join(', ')}.`,
    [
      {
        path: 'scopes',
        code: 'unknown_scope',
        message: `Unknown scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      },
    ],
  );
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Expiry compares instants, not text (a stored `+010000-...` sorts before every year as text). */
function hasExpired(expiresAt: string | null, now = Date.now()): boolean {
  return expiresAt !== null && Date.parse(expiresAt) <= now;
}

function keyStatus(row: ApiKeysTable): ApiKey['status'] {
  if (row.revoked_at) return 'revoked';
  if (hasExpired(row.expires_at)) return 'expired';
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

/**
 * Creates a key; the secret is returned here and never again (only its hash is stored).
 * `grantorScopes` are the scopes of the key asking (through the API): a key may only grant scopes
 * it holds itself, so an `admin` key cannot mint a `*` key. The command line and the first start
 * pass none: whoever holds the database already holds everything.
 */
export async function createApiKey(
  db: Executor,
  input: CreateApiKeyInput,
  grantorScopes?: readonly string[],
): Promise<{ apiKey: ApiKey; secret: string }> {
  const unknown = unknownScopesError(input.scopes);
  if (unknown) throw unknown;
  if (grantorScopes) refuseScopesNotHeld(grantorScopes, input.scopes, 'grant');
  // The API's body schema has parsed it already; the command line passes what was typed.
  const expiresAt = input.expires_at ? (parseInstant(input.expires_at) ?? null) : null;
  if (input.expires_at && !expiresAt) {
    throw new ValidationError(`expires_at must be ${DATE_RULE}.`, [
      { path: 'expires_at', message: `Must be ${DATE_RULE}` },
    ]);
  }
  if (expiresAt && hasExpired(expiresAt)) {
    throw new ValidationError('expires_at must be in the future.', [
      { path: 'expires_at', message: 'Must be in the future' },
    ]);
  }
  const secret = input.secret ?? `sk_${randomBytes(24).toString('base64url')}`;
  const now = nowIso();
  const row: ApiKeysTable = {
    id: newId('key'),
    name: input.name ?? null,
    key_prefix: secret.slice(0, 7),
    key_hash: hashSecret(secret),
    scopes: JSON.stringify([...new Set(input.scopes)]),
    expires_at: expiresAt,
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

/** 403 scope_not_held unless `held` covers every one of `scopes`. */
function refuseScopesNotHeld(held: readonly string[], scopes: readonly string[], action: 'grant' | 'revoke'): void {
  const notHeld = scopes.filter((s) => !scopeCovers(held, s));
  if (notHeld.length === 0) return;
  const what = action === 'grant' ? 'grant scopes it holds itself' : 'revoke keys whose scopes it holds itself';
  throw new ApiError(
    403,
    'permission_error',
    'scope_not_held',
    `A key can only ${what}; this key does not hold ${notHeld.join(', ')}.`,
    { param: action === 'grant' ? 'scopes' : 'id', details: { scopes_not_held: notHeld } },
  );
}

/**
 * Revokes a key. `revokerScopes` (the API caller's) must cover the target's scopes, as for
 * granting: an `admin` key cannot lock out the `*` key that manages it.
 */
export async function revokeApiKey(db: DB, id: string, revokerScopes?: readonly string[]): Promise<ApiKey> {
  if (revokerScopes) refuseScopesNotHeld(revokerScopes, (await getApiKey(db, id)).scopes, 'revoke');
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
  const rows = await db
    .selectFrom('api_keys')
    .select(['scopes', 'expires_at', 'revoked_at'])
    .where('revoked_at', 'is', null)
    .execute();
  return rows.filter(
    (r) => !hasExpired(r.expires_at) && parseJson<string[]>(r.scopes, []).some((s) => s === '*' || s === 'admin'),
  ).length;
}

/** The active key with this secret, or undefined (unknown, revoked or expired). */
// Every authenticated request runs this lookup.
const keyByHash = preparedQuery<{ hash: string }, ApiKeysTable>((db, param) =>
  db.selectFrom('api_keys').selectAll().where('key_hash', '=', param('hash')),
);

/** The status of the key with this secret (active, revoked or expired), or undefined if there is none. */
export async function apiKeyStatusBySecret(db: Executor, secret: string): Promise<ApiKey['status'] | undefined> {
  const [row] = (await keyByHash(db, { hash: hashSecret(secret) })).rows;
  return row && keyStatus(row);
}

export async function findActiveKey(
  db: Executor,
  secret: string,
): Promise<{ id: string; scopes: string[] } | undefined> {
  const [row] = (await keyByHash(db, { hash: hashSecret(secret) })).rows;
  if (!row || keyStatus(row) !== 'active') return undefined;
  return { id: row.id, scopes: parseJson(row.scopes, []) };
}

/** Records when a key was last used (not a change of the key: no version bump, no event). */
export async function touchApiKey(db: Executor, id: string, at: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}
