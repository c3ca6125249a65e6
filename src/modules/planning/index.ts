/** The planning module's public surface: replenishment plan runs (compute, store, apply). */
export { planningRoutes } from './routes.js';
export type { PlanProposal, PlanRun } from './schemas.js';
export type { PlanningTables } from './tables.js';
