/** The cycle counts module's public surface. */
export { cycleCountRoutes } from './routes.js';
export type { CycleCount, CycleCountLine } from './schemas.js';
export type { CycleCountTables } from './tables.js';
