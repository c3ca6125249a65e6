import { z } from 'zod';
import {
  AddressOutSchema,
  AddressSchema,
  CurrencySchema,
  E164Schema,
  int8,
  IsoDateTimeSchema,
  MetadataSchema,
  TagsSchema,
} from '../../platform/schemas.js';
import { isExactPercent, MoneySchema, PercentSchema, PositiveMoneySchema } from '../../platform/money.js';
import { ORDER_STATUSES } from './transitions.js';

export const ORDER_SOURCES = ['web', 'mobile_app', 'marketplace', 'phone', 'retail', 'wholesale', 'api'] as const;
export const PAYMENT_STATUSES = ['unpaid', 'paid', 'partially_refunded', 'refunded'] as const;
export const FULFILLMENT_STATUSES = [
  'unfulfilled',
  'partially_shipped',
  'shipped',
  'delivered',
  'returned',
  'partially_returned',
] as const;
export const CANCEL_REASONS = [
  'customer_request',
  'out_of_stock',
  'pricing_error',
  'fraud_suspected',
  'duplicate_order',
  'other',
] as const;
export const ADJUSTMENT_TYPES = ['percentage', 'fixed'] as const;

// ---------------------------------------------------------------- field schemas

// A line's quantity x price can pass the largest amount; totals.ts refuses such an order (400).
const PositiveMoney = PositiveMoneySchema;
const Quantity = int8(1, 1_000_000);
const TaxRateSchema = z
  .number()
  .min(0)
  .max(100)
  .refine(isExactPercent, 'At most 4 decimal places')
  .describe('Percent applied to the discounted subtotal, e.g. 8.75');
const Text = (max: number) => z.string().max(max);
const Id = z.string().min(1).max(100);

export const LineItemInput = z.strictObject({
  sku: z.string().trim().min(1).max(100),
  quantity: Quantity,
  price: MoneySchema.describe('Unit price in cents'),
  name: Text(300).nullish(),
  location_id: Id.nullish().describe(
    "Location id or code to reserve this line's stock at; when absent, the order's location_id (on create), else the allocation rule (see Create an order)",
  ),
  metadata: MetadataSchema.optional(),
});
export type LineItemInput = z.output<typeof LineItemInput>;

/** A percentage `value` is a percent (12.5); a fixed `value` is cents. */
export const DiscountInput = z
  .strictObject({
    type: z.enum(ADJUSTMENT_TYPES),
    value: z.number().describe('Percent for percentage discounts (e.g. 12.5), cents for fixed ones'),
    code: Text(100).nullish(),
    reason: Text(500).nullish(),
  })
  .superRefine((d, ctx) => {
    const ok =
      d.type === 'percentage' ? PercentSchema.safeParse(d.value).success : PositiveMoney.safeParse(d.value).success;
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message:
          d.type === 'percentage'
            ? 'A percentage must be > 0 and <= 100 with at most 4 decimal places'
            : 'A fixed discount is a positive integer number of cents',
      });
    }
  });
export type DiscountInput = z.output<typeof DiscountInput>;

const ShippingInput = z.strictObject({
  method: Text(100).nullish(),
  carrier: Text(100).nullish(),
  amount: MoneySchema.optional().describe('Shipping charged, in cents'),
  estimated_delivery: IsoDateTimeSchema.nullish(),
});

const CustomerInput = z.strictObject({
  email: z.email().max(254),
  first_name: Text(100).nullish(),
  last_name: Text(100).nullish(),
  phone: E164Schema.nullish(),
});

const PaymentInput = z.strictObject({
  method: Text(100).nullish(),
  payment_intent_id: Text(200).nullish(),
  status: z
    .enum(['pending', 'authorized', 'paid'])
    .default('pending')
    .describe('"paid" records the payment: the order starts processing when that covers its total'),
  amount: PositiveMoney.optional().describe('With status paid: the amount paid (default: the order total)'),
});

const CodeList = z.array(z.string().trim().min(1).max(100)).max(20);

export const CreateOrderBody = z
  .strictObject({
    line_items: z.array(LineItemInput).min(1).max(500).optional(),
    items: z
      .array(LineItemInput)
      .min(1)
      .max(500)
      .optional()
      .describe("Alias of line_items (StateSet's own example uses it)"),
    customer_id: Id.optional(),
    customer: CustomerInput.optional().describe('Matched to an existing customer by email, or created'),
    shipping_address: AddressSchema.nullish().describe("Defaults to the customer's default shipping address"),
    billing_address: AddressSchema.nullish().describe('Defaults to the shipping address'),
    shipping: ShippingInput.optional(),
    currency: CurrencySchema.default('USD'),
    tax_rate: TaxRateSchema.nullish(),
    tax: MoneySchema.optional().describe('Explicit tax in cents, when there is no tax_rate'),
    discounts: z.array(DiscountInput).max(20).optional(),
    discount_codes: CodeList.optional().describe('Promotion codes to apply (alias of promotion_codes)'),
    promotion_codes: CodeList.optional(),
    payment: PaymentInput.optional(),
    tags: TagsSchema.optional(),
    notes: Text(5000).nullish(),
    source: z.enum(ORDER_SOURCES).default('api'),
    metadata: MetadataSchema.optional(),
    allow_backorder: z
      .boolean()
      .default(false)
      .describe('Accept lines that cannot be reserved now; they are reserved at ship time'),
    location_id: Id.nullish().describe(
      'Location id or code every line without its own location_id fills from; when absent, each line is allocated (see Create an order)',
    ),
  })
  .superRefine((o, ctx) => {
    if (!o.line_items && !o.items)
      ctx.addIssue({ code: 'custom', path: ['line_items'], message: 'line_items (or its alias items) is required' });
    if (o.line_items && o.items)
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'Send line_items or items, not both' });
    if (!o.customer_id && !o.customer)
      ctx.addIssue({ code: 'custom', path: ['customer_id'], message: 'customer_id or customer is required' });
    if (o.customer_id && o.customer)
      ctx.addIssue({ code: 'custom', path: ['customer'], message: 'Send customer_id or customer, not both' });
    if (o.tax_rate != null && o.tax !== undefined)
      ctx.addIssue({ code: 'custom', path: ['tax'], message: 'Send tax_rate or tax, not both' });
  });
type ParsedCreateOrder = z.output<typeof CreateOrderBody>;
/** What createOrder takes: the parsed body, with the defaulted fields optional for direct callers. */
export type CreateOrderInput = Omit<ParsedCreateOrder, 'currency' | 'source' | 'allow_backorder'> &
  Partial<Pick<ParsedCreateOrder, 'currency' | 'source' | 'allow_backorder'>>;

export const UpdateOrderBody = z.strictObject({
  shipping_address: AddressSchema.nullish(),
  billing_address: AddressSchema.nullish().describe('null: same as the shipping address'),
  shipping: ShippingInput.optional(),
  notes: Text(5000).nullish(),
  email: z.email().max(254).optional().describe('The customer email on this order'),
  metadata: MetadataSchema.optional(),
  tax_rate: TaxRateSchema.nullish().describe('null removes the rate (no tax)'),
});
export type UpdateOrderInput = z.output<typeof UpdateOrderBody>;

export const AddLineItemBody = LineItemInput.extend({
  allow_backorder: z.boolean().optional().describe("Defaults to the order's allow_backorder"),
});
export const RemoveItemBody = z
  .strictObject({
    line_item_id: Id.optional().describe('The line to remove; send line_item_id or sku'),
    sku: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe('The SKU of the line to remove, when exactly one line has it'),
  })
  .superRefine((b, ctx) => {
    if (b.line_item_id === undefined && b.sku === undefined)
      ctx.addIssue({ code: 'custom', path: ['line_item_id'], message: 'line_item_id or sku is required' });
    if (b.line_item_id !== undefined && b.sku !== undefined)
      ctx.addIssue({ code: 'custom', path: ['sku'], message: 'Send line_item_id or sku, not both' });
  })
  .meta({ oneOf: [{ required: ['line_item_id'] }, { required: ['sku'] }] });
export const ApplyPromotionBody = z.strictObject({ code: z.string().trim().min(1).max(100) });
export const PayBody = z.strictObject({
  amount: PositiveMoney.optional().describe('Default: the balance due'),
  method: Text(100).nullish(),
  payment_intent_id: Text(200).nullish(),
});
export const CancelBody = z.strictObject({
  reason: z.enum(CANCEL_REASONS).default('other'),
  notes: Text(2000).nullish(),
});
export const HoldBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });

/**
 * A line named in an action body: by its `oli_` id or by its SKU, exactly one of the two. A SKU
 * must name one line of the order (400 ambiguous_sku, listing the candidates' ids, when several
 * lines have it; 400 validation_error when none has).
 */
const LineReference = {
  id: Id.optional().describe('Order line item id (oli_...); send id or sku'),
  sku: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('The SKU of the line, when exactly one line of the order has it; send id or sku'),
};
const ONE_OF_ID_OR_SKU = { oneOf: [{ required: ['id'] }, { required: ['sku'] }] };
function requireIdOrSku(item: { id?: string; sku?: string }, ctx: z.RefinementCtx): void {
  if (item.id === undefined && item.sku === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['id'],
      message: 'id or sku is required: name the line by its id or by its SKU',
    });
  if (item.id !== undefined && item.sku !== undefined)
    ctx.addIssue({ code: 'custom', path: ['sku'], message: 'Send id or sku, not both' });
}
const LineQuantity = z
  .strictObject({ ...LineReference, quantity: Quantity })
  .superRefine(requireIdOrSku)
  .meta(ONE_OF_ID_OR_SKU);
export const ShipBody = z.strictObject({
  line_items: z.array(LineQuantity).min(1).max(500).optional().describe('Default: everything not shipped yet'),
  carrier: Text(100).nullish(),
  tracking_number: Text(200).nullish(),
  tracking_url: z.url().max(2000).nullish(),
  method: Text(100).nullish(),
  location_id: Id.nullish().describe(
    'Ship from this location (id or code): without line_items, ships what remains at it; with line_items, each must be at it',
  ),
  estimated_delivery: IsoDateTimeSchema.nullish(),
});
export type ShipInput = z.output<typeof ShipBody>;

/**
 * An action body's item naming one order line by id or SKU (see LineReference) plus `fields`:
 * what returns and exchanges (the returns module) build their line lists from.
 */
export function lineReferenceItem<T extends z.ZodRawShape>(fields: T) {
  return z
    .strictObject({ ...LineReference, ...fields })
    .superRefine((item, ctx) => requireIdOrSku(item as { id?: string; sku?: string }, ctx))
    .meta(ONE_OF_ID_OR_SKU);
}

export const RefundBody = z.strictObject({
  amount: PositiveMoney.optional().describe('Default: the value of line_items, or everything refundable'),
  line_items: z.array(LineQuantity).min(1).max(500).optional(),
  reason: Text(500).nullish(),
  return_id: Id.nullish(),
  metadata: MetadataSchema.optional(),
});
export type RefundInput = z.output<typeof RefundBody>;

export const SplitBody = z.strictObject({ line_items: z.array(LineQuantity).min(1).max(500) });
export const MergeBody = z.strictObject({
  order_ids: z.array(Id).min(1).max(50).describe('Orders (ids or numbers) to merge into this one'),
});
export const TagsBody = z.strictObject({ tags: TagsSchema.min(1) });

export const LineItemParams = z.object({
  id: Id,
  item_id: Id.describe('Order line item id, or a SKU on exactly one line of the order'),
});
export const DiscountParams = z.object({ id: Id, discount_id: Id });
export const PromotionParams = z.object({ id: Id, promotion_id: Id.describe('Promotion id or code') });
export const TagParams = z.object({ id: Id, tag: z.string().min(1).max(50) });

// ---------------------------------------------------------------- responses

export const OrderLineItemSchema = z
  .object({
    id: z.string(),
    object: z.literal('order_line_item'),
    sku: z.string(),
    name: z.string().nullable(),
    quantity: z.number().int(),
    price: z.number().int().describe('Unit price, cents'),
    discount: z.number().int().describe("This line's share of the order discount, cents"),
    tax: z.number().int().describe("This line's share of the tax, cents"),
    total: z.number().int().describe('quantity * price - discount + tax'),
    quantity_shipped: z.number().int(),
    quantity_returned: z.number().int(),
    quantity_refunded: z.number().int(),
    quantity_backordered: z.number().int().describe('Unshipped units holding no reservation; reserved when shipped'),
    location_id: z.string(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'OrderLineItem' });

export const OrderDiscountSchema = z
  .object({
    id: z.string(),
    code: z.string().nullable(),
    type: z.enum(ADJUSTMENT_TYPES),
    value: z.number().describe('Percent for percentage, cents for fixed'),
    amount: z.number().int().describe('Cents it took off'),
    reason: z.string().nullable(),
  })
  .meta({ id: 'OrderDiscount' });

export const OrderTotalsSchema = z.object({
  subtotal: z.number().int(),
  discount: z.number().int(),
  tax: z.number().int(),
  shipping: z.number().int(),
  total: z.number().int(),
  paid: z.number().int(),
  refunded: z.number().int(),
  balance_due: z
    .number()
    .int()
    .describe('total - paid (refunds for edits count as unpaid), never below 0; 0 once cancelled'),
});

export const OrderSchema = z
  .object({
    id: z.string(),
    object: z.literal('order'),
    order_number: z.string(),
    status: z.enum(ORDER_STATUSES),
    payment_status: z.enum(PAYMENT_STATUSES),
    fulfillment_status: z.enum(FULFILLMENT_STATUSES),
    customer_id: z.string(),
    customer: z.object({
      email: z.string(),
      first_name: z.string().nullable(),
      last_name: z.string().nullable(),
      phone: z.string().nullable(),
    }),
    line_items: z.array(OrderLineItemSchema),
    shipping_address: AddressOutSchema.nullable(),
    billing_address: AddressOutSchema.nullable(),
    payment: z.object({ method: z.string().nullable(), payment_intent_id: z.string().nullable() }).nullable(),
    shipping: z.object({
      method: z.string().nullable(),
      carrier: z.string().nullable(),
      amount: z.number().int().describe('Shipping as set; totals.shipping is 0 under a free-shipping promotion'),
      tracking_number: z.string().nullable(),
      estimated_delivery: z.string().nullable(),
    }),
    currency: z.string(),
    discounts: z.array(OrderDiscountSchema),
    promotions: z.array(z.object({ promotion_id: z.string(), code: z.string(), amount: z.number().int() })),
    tax_rate: z.number().nullable(),
    totals: OrderTotalsSchema,
    tags: z.array(z.string()),
    notes: z.string().nullable(),
    source: z.enum(ORDER_SOURCES),
    hold: z.object({ reason: z.string(), held_at: z.string(), previous_status: z.enum(ORDER_STATUSES) }).nullable(),
    cancel: z
      .object({ reason: z.enum(CANCEL_REASONS), notes: z.string().nullable(), cancelled_at: z.string() })
      .nullable(),
    split_from_order_id: z.string().nullable(),
    merged_into_order_id: z.string().nullable(),
    exchange_for_return_id: z.string().nullable(),
    allow_backorder: z.boolean(),
    metadata: z.record(z.string(), z.unknown()),
    paid_at: z.string().nullable(),
    shipped_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Order' });
export type Order = z.output<typeof OrderSchema>;

export const ShipmentSchema = z
  .object({
    id: z.string(),
    object: z.literal('shipment'),
    order_id: z.string(),
    status: z.enum(['shipped', 'delivered', 'cancelled']),
    carrier: z.string().nullable(),
    tracking_number: z.string().nullable(),
    tracking_url: z.string().nullable(),
    method: z.string().nullable(),
    location_id: z.string().nullable(),
    line_items: z.array(z.object({ order_line_item_id: z.string(), sku: z.string(), quantity: z.number().int() })),
    estimated_delivery: z.string().nullable(),
    shipped_at: z.string(),
    delivered_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Shipment' });
export type Shipment = z.output<typeof ShipmentSchema>;

export const UpdateShipmentBody = z.strictObject({
  carrier: Text(100).nullish(),
  tracking_number: Text(200).nullish(),
  tracking_url: z.url().max(2000).nullish(),
  method: Text(100).nullish(),
  estimated_delivery: IsoDateTimeSchema.nullish(),
  metadata: MetadataSchema.optional(),
});
export type UpdateShipmentInput = z.output<typeof UpdateShipmentBody>;

export const RefundSchema = z
  .object({
    id: z.string(),
    object: z.literal('refund'),
    order_id: z
      .string()
      .describe(
        'The order that holds this money now: refund records move with their money when orders are split or merged',
      ),
    return_id: z.string().nullable(),
    amount: z.number().int(),
    currency: z.string(),
    reason: z.string().nullable(),
    method: z
      .enum(['original_payment', 'exchange_credit'])
      .describe('exchange_credit: the money paid for the new order of an exchange'),
    status: z.literal('succeeded'),
    line_items: z.array(
      z.object({ order_line_item_id: z.string(), quantity: z.number().int(), amount: z.number().int() }),
    ),
    exchange_order_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Refund' });
export type Refund = z.output<typeof RefundSchema>;

export const OrderSplitSchema = z
  .object({
    object: z.literal('order_split'),
    order: OrderSchema.describe('The original order, after the split'),
    split_order: OrderSchema.describe('The new order holding the moved quantities'),
  })
  .meta({ id: 'OrderSplit' });
