/** API key tables (see src/db/schema.ts for the conventions). */
export interface ApiKeysTable {
  id: string;
  name: string | null;
  key_prefix: string;
  key_hash: string;
  scopes: string; // JSON array
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ApiKeyTables {
  api_keys: ApiKeysTable;
}
