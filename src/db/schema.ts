import type { InventoryTables } from '../modules/inventory/tables.js';
import type { OrderTables } from '../modules/orders/tables.js';

/**
 * Kysely table types. Both dialects store the same shapes: text ids, ISO-8601 text timestamps,
 * integer cents, 0/1 integers for booleans, and JSON documents as text.
 */
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

export interface IdempotencyKeysTable {
  api_key_id: string;
  idempotency_key: string;
  fingerprint: string;
  state: 'in_flight' | 'done';
  response_status: number | null;
  response_headers: string | null; // JSON object
  response_body: string | null;
  created_at: string;
  /** Unique per claim; the command's events carry it (null on claims from before 0006). */
  token: string | null;
}

export interface EventsTable {
  id: string;
  type: string;
  object_type: string;
  object_id: string;
  data: string; // JSON {object, previous_attributes?}
  request_id: string | null;
  created_at: string;
  /** The Idempotency-Key claim the command ran under, if any. */
  idempotency_token: string | null;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface CustomersTable {
  id: string;
  email: string;
  email_normalized: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  company: string | null;
  stripe_customer_id: string | null;
  addresses: string; // JSON array
  default_shipping_address: string | null; // JSON
  default_billing_address: string | null; // JSON
  tags: string; // JSON array
  tags_index: string; // "|tag1|tag2|" lower-cased, for portable tag filters
  search_text: string; // lower-cased name, email and company, for portable search
  notes: string | null;
  status: 'active' | 'inactive' | 'suspended';
  activation_date: string | null;
  metadata: string; // JSON object
  order_count: number;
  lifetime_value: number;
  anonymized_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Database extends InventoryTables, OrderTables {
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  events: EventsTable;
  counters: CountersTable;
  customers: CustomersTable;
}
