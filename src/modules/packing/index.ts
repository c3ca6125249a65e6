/** The packing lists module's public surface. */
export { packingListRoutes } from './routes.js';
export type { PackingList, PackingListItem } from './schemas.js';
export type { PackingTables } from './tables.js';
