/** The CRM module's public surface (leads and cases): the only file other modules import. */
export { getCase } from './cases.js';
export { getLead } from './leads.js';
export { caseRoutes, leadRoutes } from './routes.js';
export type { Case, CaseNote, Lead } from './schemas.js';
export type { CrmTables } from './tables.js';
