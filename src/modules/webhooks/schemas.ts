import { z } from 'zod';
import { MetadataSchema } from '../../platform/schemas.js';

const EVENT_PATTERN = /^(\*|[a-z0-9_]+\.\*|[a-z0-9_]+\.[a-z0-9_.]+)$/;

const UrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'Must be an http:// or https:// URL')
  .describe('Where events are POSTed (http or https)');

const EnabledEventsSchema = z
  .array(z.string().trim().regex(EVENT_PATTERN, 'Must be an event type (order.shipped), a wildcard (order.*) or *'))
  .min(1)
  .max(100)
  .describe('Event types to send: exact types (order.shipped), wildcards (order.*) or * for every event');

export const CreateWebhookEndpointBody = z.strictObject({
  url: UrlSchema,
  description: z.string().max(500).nullish(),
  enabled_events: EnabledEventsSchema,
  status: z.enum(['enabled', 'disabled']).optional(),
  metadata: MetadataSchema.optional(),
});
export const UpdateWebhookEndpointBody = z.strictObject({
  url: UrlSchema.optional(),
  description: z.string().max(500).nullish(),
  enabled_events: EnabledEventsSchema.optional(),
  status: z.enum(['enabled', 'disabled']).optional(),
  metadata: MetadataSchema.optional(),
});
export type CreateWebhookEndpointInput = z.output<typeof CreateWebhookEndpointBody>;
export type UpdateWebhookEndpointInput = z.output<typeof UpdateWebhookEndpointBody>;

export const WebhookEndpointSchema = z
  .object({
    id: z.string(),
    object: z.literal('webhook_endpoint'),
    url: z.string(),
    description: z.string().nullable(),
    enabled_events: z.array(z.string()),
    status: z.enum(['enabled', 'disabled']),
    disabled_reason: z.string().nullable().describe('Why the server disabled it (failing for 3 days), if it did'),
    failing_since: z.string().nullable().describe('Start of the current run of failed attempts'),
    secret: z.string().optional().describe('whsec_...: only in the answers to create and rotate_secret; store it then'),
    previous_secret_expires_at: z
      .string()
      .nullable()
      .describe('Until then the secret before the last rotation also signs (a second v1)'),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpoint = z.output<typeof WebhookEndpointSchema>;

export const WebhookAttemptSchema = z
  .object({
    attempted_at: z.string(),
    status_code: z.number().int().nullable().describe('HTTP status, null when no answer came (timeout, refused)'),
    duration_ms: z.number().int(),
    response_excerpt: z.string().nullable().describe('First 1 KB of the answer'),
    error: z.string().nullable(),
    next_retry_at: z.string().nullable().describe('When this attempt failed and another is scheduled'),
  })
  .meta({ id: 'WebhookAttempt' });

export const WebhookDeliverySchema = z
  .object({
    id: z.string().describe('Also the Webhook-Id header, the same on every attempt'),
    object: z.literal('webhook_delivery'),
    endpoint_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempt_count: z.number().int(),
    next_retry_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    attempts: z.array(WebhookAttemptSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.output<typeof WebhookDeliverySchema>;

export const ResendEventBody = z
  .strictObject({
    endpoint_id: z
      .string()
      .optional()
      .describe('Only to this endpoint (any status); every matching enabled one when omitted'),
  })
  .nullish();
