/** The returns module's public surface: the only file other modules import. */
export { refundReturnThroughOrder } from './commands.js';

export { returnRoutes } from './routes.js';
export { getReturn } from './service.js';
export { RETURN_CONDITIONS, RETURN_REASON_CODES, RETURN_TYPES, ReturnSchema, type Return } from './schemas.js';
export type { ReturnLineItemsTable, ReturnsTable, ReturnTables } from './tables.js';
