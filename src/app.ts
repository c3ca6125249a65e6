import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONNECTION_DEFAULTS, type Config } from './config.js';
import type { DatabaseHandle } from './db/connection.js';
import { applyDocs } from './docs/examples.js';
import { OPSLINE_ICON, OPSLINE_LOGO } from './docs/brand.js';
import { registerAuth } from './platform/auth.js';
import { registerConsole } from './console-assets.js';
import { clientErrorHandler, frameworkErrorHandler, parseJsonBody, registerNulCheck } from './platform/edge.js';
import { registerErrorHandling } from './platform/http.js';
import { registerIdempotency } from './platform/idempotency.js';
import { newId } from './db/ids.js';
import { pendingMigrations } from './db/migrator.js';
import { registerAuthFailureLimit, registerRateLimit } from './platform/rate-limit.js';
import { apiKeyRoutes, findActiveKey, touchApiKey } from './modules/api-keys/index.js';
import { customerRoutes } from './modules/customers/index.js';
import { cycleCountRoutes } from './modules/cycle-counts/index.js';
import { eventRoutes } from './modules/events/index.js';
import { inventoryRoutes } from './modules/inventory/index.js';
import { manufacturingRoutes } from './modules/manufacturing/index.js';
import { orderRoutes, refundRoutes, shipmentRoutes } from './modules/orders/index.js';
import { packingListRoutes } from './modules/packing/index.js';
import { promotionRoutes } from './modules/promotions/index.js';
import { purchasingRoutes } from './modules/purchasing/index.js';
import { refundReturnThroughOrder, returnRoutes } from './modules/returns/index.js';
import { warrantyRoutes } from './modules/warranties/index.js';
import { wholesaleRoutes } from './modules/wholesale/index.js';
import { caseRoutes, leadRoutes } from './modules/crm/index.js';
import { webhookRoutes } from './modules/webhooks/index.js';
import { planningRoutes } from './modules/planning/index.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// StateSet's older singular paths (/v1/order/:id/ship, /v1/customer) answer as today's plural ones.
const SINGULAR_PATH =
  /^\/v1\/(order|customer|return|shipment|refund|promotion|location|transfer|inventory_item|event)(?=[/?]|$)/;

export type AppOptions = Pick<
  Config,
  'logLevel' | 'rateLimitPerMinute' | 'authFailureLimitPerMinute' | 'bodyLimitBytes'
> &
  Partial<Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections'>> & {
    /** Where log lines go (standard output when not given); tests read them. */
    logStream?: { write(line: string): void };
  };

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
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
      ),
    },
    logger:
      options.logLevel === 'silent'
        ? false
        : { level: options.logLevel, ...(options.logStream ? { stream: options.logStream } : {}) },
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
    // One rewrite instead of a copy of every route: the aliases stay out of the OpenAPI document.
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      return url.startsWith('/v1/') ? url.replace(SINGULAR_PATH, '/v1/$1s') : url;
    },
    // A log line per request costs throughput; they are kept for debug and trace levels.
    logController: new LogController({
      disableRequestLogging: options.logLevel !== 'debug' && options.logLevel !== 'trace',
    }),
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
  registerAuth(app, {
    findActive: (secret) => findActiveKey(database.db, secret),
    touch: (id, at) => touchApiKey(database.db, id, at),
  });
  registerRateLimit(app, options.rateLimitPerMinute);
  registerIdempotency(app, database.db);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Opsline API',
        version: '1.0.0',
        description:
          'Self-hostable commerce-operations API. Money is integer cents; every list is an envelope {object, data, has_more, total_count, next_cursor}; writes accept Idempotency-Key and If-Match.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'Authorization: Bearer sk_... (or the legacy "Token sk_...")',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => applyDocs(jsonSchemaTransformObject(documentObject)),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The page loads the same document as /openapi.json and names it there.
    uiConfig: {
      urls: [{ url: '/openapi.json', name: 'Opsline API' }],
      docExpansion: 'list',
      tryItOutEnabled: true,
      displayRequestDuration: true,
    },
    theme: {
      title: 'Opsline API',
      favicon: [{ filename: 'opsline.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: OPSLINE_ICON }],
    },
    logo: { type: 'image/svg+xml', content: OPSLINE_LOGO, href: '/docs' },
  });
  // The root opens the admin console (the API reference stays at /docs).
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console'));
  await registerConsole(app);

  // The smallest real query: /health and /ready both ask the database to answer.
  const pingDatabase = () => database.db.selectFrom('api_keys').select('id').limit(1).execute();
  app.get(
    '/health',
    {
      schema: {
        tags: ['Health'],
        summary: 'Liveness and database check (no API key needed)',
        security: [],
        response: { 200: z.object({ status: z.literal('ok'), database: z.enum(['sqlite', 'postgres']) }) },
      },
    },
    async () => {
      await pingDatabase();
      return { status: 'ok' as const, database: database.dialect };
    },
  );
  // Readiness, for load balancers and orchestrators: 503 while the schema is behind this program
  // (a rolling deploy) or the database cannot be reached, and from the moment shutdown begins, so
  // traffic moves to other processes before this one stops listening.
  let draining = false;
  let migrated = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  const NotReady = z.object({
    status: z.enum(['draining', 'migrations_pending', 'database_unreachable']),
    pending_migrations: z.array(z.string()).optional(),
  });
  app.get(
    '/ready',
    {
      schema: {
        tags: ['Health'],
        summary: 'Readiness: migrations applied, database reachable, not shutting down (no API key needed)',
        security: [],
        response: {
          200: z.object({ status: z.literal('ready'), database: z.enum(['sqlite', 'postgres']) }),
          503: NotReady.describe('Not ready: draining for shutdown, migrations pending or database unreachable'),
        },
      },
    },
    async (request, reply) => {
      if (draining) return reply.code(503).send({ status: 'draining' as const });
      try {
        if (!migrated) {
          const pending = await pendingMigrations(database.db);
          if (pending.length)
            return reply.code(503).send({ status: 'migrations_pending' as const, pending_migrations: pending });
          migrated = true; // applied migrations stay applied
        } else await pingDatabase();
      } catch (err) {
        request.log.warn({ err }, 'readiness check: database unreachable');
        return reply.code(503).send({ status: 'database_unreachable' as const });
      }
      return { status: 'ready' as const, database: database.dialect };
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const deps = { db: database.db };
  await app.register(apiKeyRoutes, deps);
  await app.register(eventRoutes, deps);
  await app.register(customerRoutes, deps);
  await app.register(inventoryRoutes, deps);
  // A refund naming a return (return_id) is the returns module's: orders never imports returns.
  await app.register(orderRoutes, {
    ...deps,
    refundReturn: (ctx, orderId, input, expected) =>
      refundReturnThroughOrder(database.db, ctx, orderId, input, expected),
  });
  await app.register(promotionRoutes, deps);
  await app.register(shipmentRoutes, deps);
  await app.register(refundRoutes, deps);
  await app.register(returnRoutes, deps);
  await app.register(manufacturingRoutes, deps);
  await app.register(purchasingRoutes, deps);
  await app.register(cycleCountRoutes, deps);
  await app.register(packingListRoutes, deps);
  await app.register(warrantyRoutes, deps);
  await app.register(wholesaleRoutes, deps);
  await app.register(leadRoutes, deps);
  await app.register(caseRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(planningRoutes, deps);
  return app;
}
