/** The customers module's public surface: the only file other modules import. */
export {
  adjustOrderStats,
  findCustomerForOrder,
  findOrCreateCustomer,
  getCustomer,
  normalizeEmail,
  type CustomerForOrder,
} from './service.js';
export { customerRoutes } from './routes.js';
export type { Customer } from './schemas.js';
export type { CustomersTable } from './tables.js';
