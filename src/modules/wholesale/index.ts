/** The wholesale module's public surface: the only file other modules import. */
export { getWholesaleOrder } from './service.js';
export { wholesaleRoutes } from './routes.js';
export type { WholesaleOrder, WholesaleOrderLineItem } from './schemas.js';
export type { WholesaleTables } from './tables.js';
