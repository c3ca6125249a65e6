import { z } from 'zod';

export const RETURN_STATUSES = [
  'requested',
  'approved',
  'received',
  'inspected',
  'completed',
  'rejected',
  'cancelled',
  'closed',
] as const;
export const RETURN_TYPES = ['refund', 'replacement', 'store_credit'] as const;
export const RETURN_REASON_CODES = [
  'defective',
  'not_as_described',
  'wrong_item',
  'damaged',
  'damaged_in_transit',
  'arrived_late',
  'not_satisfied',
  'other',
] as const;
export const RETURN_CONDITIONS = ['new', 'like_new', 'good', 'fair', 'poor', 'damaged'] as const;

export const ReturnLineItemSchema = z
  .object({
    id: z.string(),
    object: z.literal('return_line_item'),
    return_id: z.string(),
    order_line_item_id: z.string(),
    sku: z.string(),
    quantity: z.number().int(),
    reason: z.string().nullable(),
    condition: z.enum(RETURN_CONDITIONS).nullable(),
    resellable: z.boolean(),
    refund_amount: z.number().int().describe('What these units are worth: their share of the order line total, cents'),
    quantity_received: z.number().int(),
    quantity_restocked: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'ReturnLineItem' });

export const ReturnSchema = z
  .object({
    id: z.string(),
    object: z.literal('return'),
    rma: z.string(),
    order_id: z.string(),
    customer_id: z.string(),
    status: z.enum(RETURN_STATUSES),
    type: z.enum(RETURN_TYPES),
    reason_code: z.enum(RETURN_REASON_CODES),
    customer_notes: z.string().nullable(),
    line_items: z.array(ReturnLineItemSchema),
    tracking_number: z.string().nullable(),
    carrier: z.string().nullable(),
    inspection: z.record(z.string(), z.unknown()).nullable(),
    currency: z.string(),
    totals: z.object({
      refund_subtotal: z.number().int(),
      restocking_fee: z.number().int(),
      refund_total: z.number().int(),
    }),
    refund_id: z.string().nullable(),
    exchange_order_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Return' });
export type Return = z.output<typeof ReturnSchema>;
