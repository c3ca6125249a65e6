/** The warranties module's public surface: the only file other modules import. */
export { warrantyRoutes } from './routes.js';
export { getWarranty } from './service.js';
export { WarrantySchema, type Warranty } from './schemas.js';
export type { WarrantiesTable, WarrantyLineItemsTable, WarrantyTables } from './tables.js';
