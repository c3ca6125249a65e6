/** The api-keys module's public surface: the only file other modules (and start-up) import. */
export {
  apiKeyStatusBySecret,
  countActiveAdminKeys,
  createApiKey,
  findActiveKey,
  getApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
  type ApiKey,
} from './service.js';
export { apiKeyRoutes } from './routes.js';
export type { ApiKeysTable } from './tables.js';
