/** The promotions module's public surface: the only file other modules import. */
export { claimPromotion, normalizeCode, releasePromotionUse } from './service.js';
export { promotionRoutes } from './routes.js';
export type { Promotion } from './schemas.js';
export type { PromotionsTable, PromotionType } from './tables.js';
