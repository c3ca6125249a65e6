import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/connection.js';
import { applyDocs } from './docs/examples.js';
import { OPSLINE_ICON, OPSLINE_LOGO } from './docs/brand.js';
import { registerAuth } from './platform/auth.js';
import { registerErrorHandling } from './platform/http.js';
import { registerIdempotency } from './platform/idempotency.js';
import { newId } from './platform/ids.js';
import { registerRateLimit } from './platform/rate-limit.js';
import { apiKeyRoutes } from './modules/api-keys/routes.js';
import { customerRoutes } from './modules/customers/routes.js';
import { eventRoutes } from './modules/events/routes.js';
import { inventoryRoutes } from './modules/inventory/routes.js';
import { orderRoutes, refundRoutes, shipmentRoutes } from './modules/orders/routes.js';
import { promotionRoutes } from './modules/promotions/routes.js';
import { returnRoutes } from './modules/returns/routes.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// StateSet's older singular paths (/v1/order/:id/ship, /v1/customer) answer as today's plural ones.
const SINGULAR_PATH = /^\/v1\/(order|customer|return|shipment|refund|promotion|location|transfer|inventory_item|event)(?=[/?]|$)/;

export type AppOptions = Pick<Config, 'logLevel' | 'rateLimitPerMinute' | 'bodyLimitBytes'> & {
  /** Where log lines go (standard output when not given); tests read them. */
  logStream?: { write(line: string): void };
};

export async function buildApp(database: DatabaseHandle, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel, ...(options.logStream ? { stream: options.logStream } : {}) },
    bodyLimit: options.bodyLimitBytes,
    // Echo a caller's X-Request-Id when it is a sane token; otherwise make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    },
    requestIdHeader: false,
    // One rewrite instead of a copy of every route: the aliases stay out of the OpenAPI document.
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      return url.startsWith('/v1/') ? url.replace(SINGULAR_PATH, '/v1/$1s') : url;
    },
    // A log line per request costs throughput; they are kept for debug and trace levels.
    logController: new LogController({ disableRequestLogging: options.logLevel !== 'debug' && options.logLevel !== 'trace' }),
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API; the handlers build exactly those shapes, so answers are
  // serialised directly rather than re-validated on every request.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // An empty body sent as JSON means "no body", like a POST without one (`curl -X POST .../pay`):
  // actions whose body is optional accept both, the others answer that a body is required.
  const parseJsonBody = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else parseJsonBody(request, body as string, done);
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  registerErrorHandling(app);
  registerAuth(app, database.db);
  registerRateLimit(app, options.rateLimitPerMinute);
  registerIdempotency(app, database.db);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Opsline API',
        version: '1.0.0',
        description: 'Self-hostable commerce-operations API. Money is integer cents; every list is an envelope {object, data, has_more, total_count, next_cursor}; writes accept Idempotency-Key and If-Match.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer sk_... (or the legacy "Token sk_...")' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => applyDocs(jsonSchemaTransformObject(documentObject)),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The page loads the same document as /openapi.json and names it there.
    uiConfig: { urls: [{ url: '/openapi.json', name: 'Opsline API' }], docExpansion: 'list', tryItOutEnabled: true, displayRequestDuration: true },
    theme: { title: 'Opsline API', favicon: [{ filename: 'opsline.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: OPSLINE_ICON }] },
    logo: { type: 'image/svg+xml', content: OPSLINE_LOGO, href: '/docs' },
  });
  // Until there is a console, the root shows the API's documentation.
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs'));

  app.get('/health', {
    schema: {
      tags: ['Health'], summary: 'Liveness and database check (no API key needed)', security: [],
      response: { 200: z.object({ status: z.literal('ok'), database: z.enum(['sqlite', 'postgres']) }) },
    },
  }, async () => {
    await database.db.selectFrom('api_keys').select('id').limit(1).execute();
    return { status: 'ok' as const, database: database.dialect };
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const deps = { db: database.db };
  await app.register(apiKeyRoutes, deps);
  await app.register(eventRoutes, deps);
  await app.register(customerRoutes, deps);
  await app.register(inventoryRoutes, deps);
  await app.register(orderRoutes, deps);
  await app.register(promotionRoutes, deps);
  await app.register(shipmentRoutes, deps);
  await app.register(refundRoutes, deps);
  await app.register(returnRoutes, deps);
  return app;
}
