import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONNECTION_DEFAULTS, type Config } from './config.js';
import type { DatabaseHandle } from './db/connection.js';
import { registerAuth } from './platform/auth.js';
import { clientErrorHandler, frameworkErrorHandler, parseJsonBody, registerNulCheck } from './platform/edge.js';
import { registerErrorHandling } from './platform/http.js';
import { registerIdempotency } from './platform/idempotency.js';
import { newId } from './platform/ids.js';
import { registerAuthFailureLimit, registerRateLimit } from './platform/rate-limit.js';
import { apiKeyRoutes } from './modules/api-keys/routes.js';
import { customerRoutes } from './modules/customers/routes.js';
import { eventRoutes } from './modules/events/routes.js';
import { inventoryRoutes } from './modules/inventory/routes.js';
import { orderRoutes, refundRoutes, shipmentRoutes } from './modules/orders/routes.js';
import { promotionRoutes } from './modules/promotions/routes.js';
import { returnRoutes } from './modules/returns/routes.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type AppOptions = Pick<Config, 'logLevel' | 'rateLimitPerMinute' | 'authFailureLimitPerMinute' | 'bodyLimitBytes'>
  & Partial<Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections'>>;

export async function buildApp(database: DatabaseHandle, options: AppOptions): Promise<FastifyInstance> {
  const limits = {
    requestTimeoutMs: options.requestTimeoutMs ?? CONNECTION_DEFAULTS.requestTimeoutMs,
    headersTimeoutMs: options.headersTimeoutMs ?? CONNECTION_DEFAULTS.headersTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? CONNECTION_DEFAULTS.keepAliveTimeoutMs,
    maxConnections: options.maxConnections ?? CONNECTION_DEFAULTS.maxConnections,
  };
  const app = Fastify({
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      // Node checks these timeouts on an interval (30 s by default), which would let a slow client
      // outlive a shorter timeout by that much.
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
    },
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel },
    bodyLimit: options.bodyLimitBytes,
    // Echo a caller's X-Request-Id when it is a sane token; otherwise make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    },
    requestIdHeader: false,
    // Fastify's own refusals (bad URL encoding, over-long path parameter) answer the API's error shape.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // A log line per request costs throughput; they are kept for debug and trace levels.
    logController: new LogController({ disableRequestLogging: options.logLevel !== 'debug' && options.logLevel !== 'trace' }),
  });
  app.server.maxConnections = limits.maxConnections;
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API; the handlers build exactly those shapes, so answers are
  // serialised directly rather than re-validated on every request.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // An empty body sent as JSON means "no body", like a POST without one (`curl -X POST .../pay`):
  // actions whose body is optional accept both, the others answer that a body is required.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  registerErrorHandling(app);
  registerNulCheck(app);
  registerAuthFailureLimit(app, options.authFailureLimitPerMinute);
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
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

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
