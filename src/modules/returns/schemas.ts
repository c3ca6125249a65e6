import { z } from 'zod';
import { MoneySchema } from '../../platform/money.js';
import { int8, MetadataSchema } from '../../platform/schemas.js';
import { LineItemInputSchema, lineReferenceItem, OrderSchema, RefundSchema } from '../orders/index.js';
import { RETURN_STATUSES } from './transitions.js';

export { RETURN_STATUSES };
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
export const RECOMMENDED_ACTIONS = ['restock', 'refurbish', 'liquidate', 'dispose'] as const;

const Quantity = int8(1, 1_000_000);
const Text = (max: number) => z.string().max(max);
const Id = z.string().min(1).max(100);

// ---------------------------------------------------------------- responses

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
    resellable: z.boolean().describe('Whether received units may go back on hand (restock)'),
    refund_amount: z.number().int().describe('What these units are worth: their share of the order line total, cents'),
    quantity_received: z.number().int(),
    quantity_restocked: z.number().int().describe('Units put back on hand; each unit at most once, ever'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'ReturnLineItem' });
export type ReturnLineItem = z.output<typeof ReturnLineItemSchema>;

export const InspectionSchema = z
  .object({
    condition: z.enum(RETURN_CONDITIONS).nullable(),
    notes: z.string().nullable(),
    defects: z.array(z.string()),
    recommended_action: z.enum(RECOMMENDED_ACTIONS).nullable(),
    inspected_at: z.string(),
  })
  .meta({ id: 'ReturnInspection' });

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
      refund_subtotal: z.number().int().describe('What the lines are worth (sum of refund_amount)'),
      restocking_fee: z.number().int(),
      refund_total: z
        .number()
        .int()
        .describe('refund_subtotal - restocking_fee: the most ever refunded for this return'),
      refunded: z.number().int().describe('Refunded (or credited to an exchange) so far'),
    }),
    refund_id: z.string().nullable(),
    exchange_order_id: z.string().nullable(),
    rejection_reason: z.string().nullable(),
    approved_at: z.string().nullable(),
    received_at: z.string().nullable(),
    inspected_at: z.string().nullable(),
    restocked_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    rejected_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Return' });
export type Return = z.output<typeof ReturnSchema>;

export const OrderReturnSchema = z
  .object({ object: z.literal('order_return'), order: OrderSchema, return: ReturnSchema })
  .meta({ id: 'OrderReturn' });

export const OrderExchangeSchema = z
  .object({
    object: z.literal('order_exchange'),
    order: OrderSchema.describe('The original order'),
    return: ReturnSchema,
    exchange_order: OrderSchema,
    return_value: z.number().int().describe('What the returned units are worth (their share of line totals)'),
    credit_applied: z.number().int().describe('Paid money moved from the original order to the exchange order'),
    price_difference: z.number().int().describe('exchange_order total - return_value; > 0 is owed by the customer'),
    settlement: z.enum(['charge', 'refund', 'even']),
    amount_due: z.number().int().describe('What the exchange order still needs paid'),
    amount_refunded: z.number().int().describe("What goes back to the customer's original payment"),
    refunds: z.array(RefundSchema),
  })
  .meta({ id: 'OrderExchange' });

// ---------------------------------------------------------------- requests

export const ReturnItemInput = lineReferenceItem({
  quantity: Quantity,
  reason: Text(500).nullish(),
  condition: z.enum(RETURN_CONDITIONS).nullish(),
  resellable: z.boolean().optional().describe('Default: true unless the condition is poor or damaged'),
});
export type ReturnItem = z.output<typeof ReturnItemInput>;

const returnFields = {
  line_items: z
    .array(ReturnItemInput)
    .min(1)
    .max(500)
    .describe('Order lines (by id or SKU) and quantities; several items may name one line (one per unit condition)'),
  reason_code: z.enum(RETURN_REASON_CODES).default('other'),
  type: z.enum(RETURN_TYPES).default('refund'),
  customer_notes: Text(5000).nullish(),
  tracking_number: Text(200).nullish(),
  carrier: Text(100).nullish(),
  metadata: MetadataSchema.optional(),
};

/** POST /v1/orders/:id/return (the order's action). */
export const ReturnBody = z.strictObject(returnFields);
export type ReturnInput = z.output<typeof ReturnBody>;

export const CreateReturnBody = z.strictObject({
  order_id: Id.describe('The order (id or number, ORD-000123) whose shipped units come back'),
  ...returnFields,
  restocking_fee: MoneySchema.optional().describe('Cents kept from the refund; at most refund_subtotal'),
});
export type CreateReturnInput = z.output<typeof CreateReturnBody>;

export const UpdateReturnBody = z.strictObject({
  type: z.enum(RETURN_TYPES).optional(),
  reason_code: z.enum(RETURN_REASON_CODES).optional(),
  customer_notes: Text(5000).nullish(),
  tracking_number: Text(200).nullish(),
  carrier: Text(100).nullish(),
  restocking_fee: MoneySchema.optional(),
  metadata: MetadataSchema.optional(),
});
export type UpdateReturnInput = z.output<typeof UpdateReturnBody>;

export const ExchangeBody = z.strictObject({
  return_items: z.array(ReturnItemInput).min(1).max(500),
  new_items: z.array(LineItemInputSchema).min(1).max(500),
  reason_code: z.enum(RETURN_REASON_CODES).default('other'),
  customer_notes: Text(5000).nullish(),
  allow_backorder: z.boolean().default(false),
});
export type ExchangeInput = z.output<typeof ExchangeBody>;

export const RejectBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });
export const CancelReturnBody = z.strictObject({ reason: Text(1000).nullish() });

const ReturnLineQuantity = z.strictObject({
  id: Id.describe('Return line item id (rli_...)'),
  quantity: Quantity,
});

export const ReceiveBody = z.strictObject({
  line_items: z
    .array(ReturnLineQuantity)
    .min(1)
    .max(500)
    .optional()
    .describe('Default: every unit not received yet. Partial receipts add up, never past the line quantity'),
  tracking_number: Text(200).nullish(),
  carrier: Text(100).nullish(),
});
export type ReceiveInput = z.output<typeof ReceiveBody>;

export const InspectBody = z.strictObject({
  condition: z.enum(RETURN_CONDITIONS).nullish(),
  notes: Text(5000).nullish(),
  defects: z.array(Text(500)).max(50).optional(),
  recommended_action: z.enum(RECOMMENDED_ACTIONS).nullish(),
  line_items: z
    .array(
      z.strictObject({
        id: Id.describe('Return line item id (rli_...)'),
        condition: z.enum(RETURN_CONDITIONS).nullish(),
        resellable: z.boolean().optional(),
      }),
    )
    .max(500)
    .optional()
    .describe("Each line's condition and whether its units may be restocked"),
});
export type InspectInput = z.output<typeof InspectBody>;

export const RestockBody = z.strictObject({
  location_id: Id.nullish().describe("Location (id or code) the units go back to; default: the order line's location"),
  line_items: z
    .array(ReturnLineQuantity)
    .min(1)
    .max(500)
    .optional()
    .describe('Default: every received resellable unit not restocked yet'),
});
export type RestockInput = z.output<typeof RestockBody>;

export const ReturnRefundBody = z.strictObject({
  restocking_fee: MoneySchema.optional().describe(
    'Cents kept from the refund (at most refund_subtotal); only before anything of the return is refunded',
  ),
  reason: Text(500).nullish(),
  metadata: MetadataSchema.optional(),
});
export type ReturnRefundInput = z.output<typeof ReturnRefundBody>;

export const ReturnExchangeBody = z.strictObject({
  new_items: z.array(LineItemInputSchema).min(1).max(500),
  allow_backorder: z.boolean().default(false),
});
export type ReturnExchangeInput = z.output<typeof ReturnExchangeBody>;

export const CreateReturnLineItemBody = z.strictObject({
  return_id: Id.describe('Return id or RMA'),
  order_line_item_id: Id.optional().describe('The order line (oli_...); or name it by sku'),
  sku: z.string().trim().min(1).max(100).optional().describe('The SKU of the order line, when exactly one line has it'),
  quantity: Quantity,
  reason: Text(500).nullish(),
  condition: z.enum(RETURN_CONDITIONS).nullish(),
  resellable: z.boolean().optional(),
});
export type CreateReturnLineItemInput = z.output<typeof CreateReturnLineItemBody>;

export const UpdateReturnLineItemBody = z.strictObject({
  quantity: Quantity.optional(),
  reason: Text(500).nullish(),
  condition: z.enum(RETURN_CONDITIONS).nullish(),
  resellable: z.boolean().optional(),
});
export type UpdateReturnLineItemInput = z.output<typeof UpdateReturnLineItemBody>;
