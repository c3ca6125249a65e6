/** Webhooks tables (see src/db/schema.ts for the conventions). */
export type WebhookEndpointStatus = 'enabled' | 'disabled';
export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string | null;
  enabled_events: string; // JSON array: event types, `order.*` wildcards or `*`
  status: WebhookEndpointStatus;
  /** Kept in clear: signing needs it (it is shown only at creation and rotation). */
  secret: string;
  /** The secret before the last rotation, still signing alongside until it expires. */
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  /** When the current run of failed attempts began; cleared by a success. */
  failing_since: string | null;
  disabled_reason: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  object_id: string;
  /** Fan-out order: a delivery waits for earlier pending ones of the same object and endpoint. */
  seq: number;
  status: WebhookDeliveryStatus;
  attempt_count: number;
  next_attempt_at: string | null;
  /** Who holds the delivery (a worker's claim) and until when: a crashed worker's lease runs out. */
  claim_token: string | null;
  claimed_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  /** JSON array of WebhookAttempt, oldest first. */
  attempts: string;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttempt {
  attempted_at: string;
  status_code: number | null;
  duration_ms: number;
  response_excerpt: string | null;
  error: string | null;
  next_retry_at: string | null;
}

export interface WebhookCursorTable {
  name: string;
  position: string;
  next_seq: number;
}

export interface WebhookTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_cursor: WebhookCursorTable;
}
