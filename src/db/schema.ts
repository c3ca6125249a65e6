// Type-only: each module owns its tables' types; the database is their union.
import type { ApiKeyTables } from '../modules/api-keys/tables.js';
import type { CustomerTables } from '../modules/customers/tables.js';
import type { CycleCountTables } from '../modules/cycle-counts/tables.js';
import type { InventoryTables } from '../modules/inventory/tables.js';
import type { ManufacturingTables } from '../modules/manufacturing/tables.js';
import type { OrderTables } from '../modules/orders/tables.js';
import type { PackingTables } from '../modules/packing/tables.js';
import type { PromotionTables } from '../modules/promotions/tables.js';
import type { PurchasingTables } from '../modules/purchasing/tables.js';
import type { ReturnTables } from '../modules/returns/tables.js';
import type { WarrantyTables } from '../modules/warranties/tables.js';
import type { WholesaleTables } from '../modules/wholesale/tables.js';
import type { CrmTables } from '../modules/crm/tables.js';
import type { WebhookTables } from '../modules/webhooks/tables.js';
import type { PlanningTables } from '../modules/planning/tables.js';

/**
 * Kysely table types. Both dialects store the same shapes: text ids, ISO-8601 text timestamps,
 * integer cents, 0/1 integers for booleans, and JSON documents as text.
 */
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

export interface Database
  extends
    ApiKeyTables,
    CustomerTables,
    InventoryTables,
    ManufacturingTables,
    OrderTables,
    PromotionTables,
    ReturnTables,
    PurchasingTables,
    PackingTables,
    CycleCountTables,
    WarrantyTables,
    WholesaleTables,
    CrmTables,
    WebhookTables,
    PlanningTables {
  idempotency_keys: IdempotencyKeysTable;
  events: EventsTable;
  counters: CountersTable;
}
