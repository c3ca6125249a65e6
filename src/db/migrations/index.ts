import type { Migration } from 'kysely';
import * as foundation from './0001_foundation.js';
import * as inventory from './0002_inventory.js';
import * as orders from './0003_orders.js';
import * as orderDocuments from './0004_order_documents.js';
import * as orderEditRefunds from './0005_order_edit_refunds.js';
import * as idempotencyRecovery from './0006_idempotency_recovery.js';
import * as inTransit from './0007_in_transit.js';
import * as manufacturing from './0010_manufacturing.js';
import * as supply from './0009_supply.js';
import * as returnsWarranties from './0008_returns_warranties.js';
import * as wholesaleCrm from './0011_wholesale_crm.js';
import * as webhooks from './0012_webhooks.js';
import * as planning from './0013_planning.js';

/** Every migration, by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_inventory': inventory,
  '0003_orders': orders,
  '0004_order_documents': orderDocuments,
  '0005_order_edit_refunds': orderEditRefunds,
  '0006_idempotency_recovery': idempotencyRecovery,
  '0007_in_transit': inTransit,
  '0010_manufacturing': manufacturing,
  '0009_supply': supply,
  '0008_returns_warranties': returnsWarranties,
  '0011_wholesale_crm': wholesaleCrm,
  '0012_webhooks': webhooks,
  '0013_planning': planning,
};
