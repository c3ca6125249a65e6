import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import {
  CreateWebhookEndpointBody,
  ResendEventBody,
  UpdateWebhookEndpointBody,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
} from './schemas.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookDelivery,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  resendEvent,
  retryWebhookDelivery,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  webhookDeliveryListSpec,
  webhookEndpointListSpec,
} from './service.js';

const tags = ['Webhooks'];
// Endpoints hold signing secrets: webhooks:read / webhooks:write, which `admin` keys also have.
const read = { scope: 'webhooks:read' };
const write = { scope: 'webhooks:write' };

export async function webhookRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/webhook_endpoints',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a webhook endpoint',
        description:
          'Events whose type matches enabled_events are POSTed to url, signed with the secret (Stateset-Signature). The answer is the only one that shows the secret.',
        body: CreateWebhookEndpointBody,
        response: { 201: WebhookEndpointSchema, ...errorResponses() },
      },
    },
    async (req, reply) => reply.code(201).send(await createWebhookEndpoint(db, contextOf(req), req.body)),
  );

  r.get(
    '/v1/webhook_endpoints',
    {
      config: read,
      schema: {
        tags,
        summary: 'List webhook endpoints',
        querystring: listQuerySchema(webhookEndpointListSpec),
        response: { 200: listEnvelopeSchema(WebhookEndpointSchema), ...errorResponses() },
      },
    },
    async (req) => listWebhookEndpoints(db, req.query),
  );

  r.get(
    '/v1/webhook_endpoints/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a webhook endpoint',
        params: IdParams,
        response: { 200: WebhookEndpointSchema, ...errorResponses(404) },
      },
    },
    async (req) => getWebhookEndpoint(db, req.params.id),
  );

  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/webhook_endpoints/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a webhook endpoint${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: 'status=enabled again after the server disabled it starts a fresh failure clock.',
        params: IdParams,
        body: UpdateWebhookEndpointBody,
        response: { 200: WebhookEndpointSchema, ...errorResponses(404, 412) },
      },
      handler: async (req) => updateWebhookEndpoint(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }

  r.post(
    '/v1/webhook_endpoints/:id/rotate_secret',
    {
      config: write,
      schema: {
        tags,
        summary: "Rotate a webhook endpoint's secret",
        description:
          'Answers the new secret (shown only here). For 24 hours the old secret signs too: the Stateset-Signature header carries one v1 per secret.',
        params: IdParams,
        response: { 200: WebhookEndpointSchema, ...errorResponses(404, 412) },
      },
    },
    async (req) => rotateWebhookSecret(db, contextOf(req), req.params.id, expectedVersion(req)),
  );

  r.delete(
    '/v1/webhook_endpoints/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a webhook endpoint',
        description: 'Its deliveries and their attempts are deleted with it.',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 412) },
      },
    },
    async (req) => deleteWebhookEndpoint(db, contextOf(req), req.params.id, expectedVersion(req)),
  );

  r.get(
    '/v1/webhook_deliveries',
    {
      config: read,
      schema: {
        tags,
        summary: 'List webhook deliveries',
        description:
          'One delivery per event and endpoint, with every attempt (status code, duration, first 1 KB of the answer, next retry time).',
        querystring: listQuerySchema(webhookDeliveryListSpec),
        response: { 200: listEnvelopeSchema(WebhookDeliverySchema), ...errorResponses() },
      },
    },
    async (req) => listWebhookDeliveries(db, req.query),
  );

  r.get(
    '/v1/webhook_deliveries/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a webhook delivery',
        params: IdParams,
        response: { 200: WebhookDeliverySchema, ...errorResponses(404) },
      },
    },
    async (req) => getWebhookDelivery(db, req.params.id),
  );

  r.post(
    '/v1/webhook_deliveries/:id/retry',
    {
      config: write,
      schema: {
        tags,
        summary: 'Send a webhook delivery again',
        description:
          'Whatever its status, the delivery is attempted again at once, with the same Webhook-Id; 409 delivery_in_progress while an attempt is under way.',
        params: IdParams,
        response: { 200: WebhookDeliverySchema, ...errorResponses(404, 409) },
      },
    },
    async (req) => retryWebhookDelivery(db, req.params.id),
  );

  r.post(
    '/v1/events/:id/resend',
    {
      config: write,
      schema: {
        tags,
        summary: 'Send an event to webhook endpoints again',
        description:
          'New deliveries (new Webhook-Ids): to endpoint_id when given, else to every enabled endpoint subscribed to the event type.',
        params: IdParams,
        body: ResendEventBody,
        response: {
          200: z.object({ object: z.literal('list'), data: z.array(WebhookDeliverySchema) }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => ({ object: 'list' as const, data: await resendEvent(db, req.params.id, req.body?.endpoint_id) }),
  );
}
