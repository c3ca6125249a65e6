/** The returns module's public surface: the only file other modules import. */
export { getReturn, insertReturn, type NewReturn } from './service.js';
export { returnRoutes } from './routes.js';
export { RETURN_CONDITIONS, RETURN_REASON_CODES, RETURN_TYPES, ReturnSchema, type Return } from './schemas.js';
export type { ReturnLineItemsTable, ReturnsTable } from './tables.js';
