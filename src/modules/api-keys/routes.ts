import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DB } from '../../db/connection.js';
import { errorResponses, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { IsoDateTimeSchema } from '../../platform/schemas.js';
import { VALID_SCOPES } from '../../platform/scopes.js';
import { apiKeyListSpec, createApiKey, getApiKey, listApiKeys, revokeApiKey } from './service.js';

const ApiKeySchema = z
  .object({
    id: z.string(),
    object: z.literal('api_key'),
    name: z.string().nullable(),
    key_prefix: z.string(),
    scopes: z.array(z.string()),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    status: z.enum(['active', 'revoked', 'expired']),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'ApiKey' });

const CreateApiKeyBody = z.strictObject({
  name: z.string().max(100).optional(),
  scopes: z
    .array(z.string().max(50))
    .min(1)
    .max(100)
    .describe(
      `e.g. ["orders:read","orders:write"], "admin" or "*". One of: ${VALID_SCOPES.join(', ')}. A key can only grant scopes it holds itself (403 scope_not_held).`,
    ),
  expires_at: IsoDateTimeSchema.optional(),
});

const tags = ['API keys'];
const admin = { scope: 'admin' };

export async function apiKeyRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/api_keys',
    {
      config: { ...admin, answerHoldsSecret: true },
      schema: {
        tags,
        summary: 'Create an API key',
        description:
          'A key can only grant scopes it holds itself: `*` covers every scope, `x:write` covers `x:read`, `x:*` covers both (403 scope_not_held otherwise); unknown scopes are a 400 that lists the valid ones. The secret is in this response only; it is stored hashed. For that reason this answer is never stored for Idempotency-Key replays: the header is ignored here, and a retried call creates another key.',
        body: CreateApiKeyBody,
        response: { 201: ApiKeySchema.extend({ secret: z.string() }), ...errorResponses() },
      },
    },
    async (req, reply) => {
      const { apiKey, secret } = await createApiKey(db, req.body, req.apiKey!.scopes);
      return reply.code(201).send({ ...apiKey, secret });
    },
  );
  r.get(
    '/v1/api_keys',
    {
      config: admin,
      schema: {
        tags,
        summary: 'List API keys',
        querystring: listQuerySchema(apiKeyListSpec),
        response: { 200: listEnvelopeSchema(ApiKeySchema), ...errorResponses() },
      },
    },
    async (req) => listApiKeys(db, req.query),
  );
  r.get(
    '/v1/api_keys/me',
    {
      config: { anyKey: true },
      schema: {
        tags,
        summary: 'Retrieve the calling API key',
        description:
          'The key this request is made with: its id, name, prefix and scopes (never its secret). Any active key may call it, whatever its scopes; the console uses it to show only the actions the key can do.',
        response: { 200: ApiKeySchema, ...errorResponses() },
      },
    },
    async (req) => getApiKey(db, req.apiKey!.id),
  );
  r.get(
    '/v1/api_keys/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Retrieve an API key',
        params: IdParams,
        response: { 200: ApiKeySchema, ...errorResponses(404) },
      },
    },
    async (req) => getApiKey(db, req.params.id),
  );
  for (const [method, url] of [
    ['POST', '/v1/api_keys/:id/revoke'],
    ['DELETE', '/v1/api_keys/:id'],
  ] as const) {
    r.route({
      method,
      url,
      config: admin,
      schema: {
        tags,
        summary: 'Revoke an API key',
        description: 'A key can only revoke keys whose scopes it holds itself (403 scope_not_held).',
        params: IdParams,
        response: { 200: ApiKeySchema, ...errorResponses(404) },
      },
      handler: async (req) => revokeApiKey(db, req.params.id, req.apiKey!.scopes),
    });
  }
}
