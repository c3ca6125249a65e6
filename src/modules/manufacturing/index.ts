/** The manufacturing module's public surface: the only file other modules import. */
export { manufacturingRoutes } from './routes.js';
export { activeBomFor, insertWorkOrder, type NewWorkOrder } from './work-orders.js';
export { requiredQuantity } from './tree.js';
export type { Bom, ManufactureOrder, WorkOrder } from './schemas.js';
export type { ManufacturingTables } from './tables.js';
