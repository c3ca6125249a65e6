/** Promotions tables (see src/db/schema.ts for the conventions). */
export type PromotionType = 'percentage' | 'fixed' | 'free_shipping';

export interface PromotionsTable {
  id: string;
  code: string;
  code_normalized: string;
  description: string | null;
  type: PromotionType;
  percent_off: number | null;
  amount_off: number | null;
  min_subtotal: number | null;
  currency: string | null;
  starts_at: string | null;
  ends_at: string | null;
  usage_limit: number | null;
  times_used: number;
  active: number;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface PromotionTables {
  promotions: PromotionsTable;
}
