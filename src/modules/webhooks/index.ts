/** The webhooks module's public surface: routes, the delivery worker and the signature helpers. */
export { webhookRoutes } from './routes.js';
export {
  startWebhookWorker,
  DEFAULT_RETRY_SCHEDULE_MS,
  type WebhookWorker,
  type WebhookWorkerOptions,
} from './worker.js';
export { signatureHeader, verifySignature } from './signature.js';
export type { WebhookEndpoint, WebhookDelivery } from './schemas.js';
export type { WebhookTables } from './tables.js';
