/** The manufacturing module's public surface: the only file other modules import. */
export { manufacturingRoutes } from './routes.js';
export type { Bom, ManufactureOrder, WorkOrder } from './schemas.js';
export type { ManufacturingTables } from './tables.js';
