import { z } from 'zod';
import { MoneySchema } from '../../platform/money.js';
import { CurrencySchema, int4, int8, IsoDateTimeSchema, MetadataSchema } from '../../platform/schemas.js';
import { WHOLESALE_ORDER_STATUSES } from './transitions.js';

export const PAYMENT_TERMS = ['prepaid', 'net_15', 'net_30', 'net_60'] as const;
export const FINANCIAL_STATUSES = ['unpaid', 'invoiced', 'paid', 'overdue'] as const;
export const WHOLESALE_FULFILLMENT_STATUSES = ['unfulfilled', 'partially_shipped', 'shipped'] as const;

export const PRICE_BREAK_RULE =
  'Volume price breaks: a line may carry price_breaks [{min_quantity, unit_price}]. The line is priced at the unit_price of the break with the largest min_quantity not above its quantity; when no break applies (or there are none), at its own unit_price. effective_unit_price is that price and total = effective_unit_price x quantity, in integer cents (no rounding). The order total is the sum of its line totals.';

const Quantity = int8(1, 1_000_000);
const Sku = z.string().trim().min(1).max(100);

export const PriceBreakSchema = z.strictObject({
  min_quantity: int4(1, 1_000_000).describe('The break applies to a line of at least this many units'),
  unit_price: MoneySchema.describe('Unit price in cents from min_quantity units on'),
});

export const PriceBreaksSchema = z
  .array(PriceBreakSchema)
  .max(20)
  .refine(
    (breaks) => new Set(breaks.map((b) => b.min_quantity)).size === breaks.length,
    'Each price break needs its own min_quantity',
  )
  .describe(PRICE_BREAK_RULE);

export const WholesaleLineInput = z.strictObject({
  sku: Sku,
  name: z.string().max(200).nullish(),
  quantity: Quantity,
  unit_price: MoneySchema.describe('List unit price in cents (before volume breaks)'),
  price_breaks: PriceBreaksSchema.optional(),
});
export type WholesaleLineInput = z.output<typeof WholesaleLineInput>;

const orderFields = {
  po_number: z.string().max(100).nullish().describe("The buyer's purchase order number"),
  payment_terms: z
    .enum(PAYMENT_TERMS)
    .optional()
    .describe('Days the invoice allows: due_at = issued_at + 0, 15, 30 or 60 days'),
  location_id: z
    .string()
    .min(1)
    .max(100)
    .nullish()
    .describe('Location id or code the lines fill from; none: the allocation rule of orders, at approval'),
  requested_delivery_date: IsoDateTimeSchema.nullish(),
  memo: z.string().max(5000).nullish(),
  metadata: MetadataSchema.optional(),
};

export const CreateWholesaleOrderBody = z.strictObject({
  customer_id: z.string().min(1).max(100).describe('The buying business (a customer id)'),
  currency: CurrencySchema.optional(),
  line_items: z.array(WholesaleLineInput).max(200).optional(),
  ...orderFields,
});
export type CreateWholesaleOrderInput = z.output<typeof CreateWholesaleOrderBody>;

export const UpdateWholesaleOrderBody = z.strictObject(orderFields);
export type UpdateWholesaleOrderInput = z.output<typeof UpdateWholesaleOrderBody>;

export const ShipWholesaleOrderBody = z
  .strictObject({
    line_items: z
      .array(
        z
          .strictObject({
            id: z.string().min(1).max(100).optional().describe('The line id (wsl_...)'),
            sku: Sku.optional().describe('Or the SKU, when exactly one line of the order has it'),
            quantity: Quantity,
          })
          .refine((l) => (l.id === undefined) !== (l.sku === undefined), 'Give either id or sku'),
      )
      .min(1)
      .max(200)
      .optional()
      .describe('What ships now; none: everything that remains'),
    carrier: z.string().max(100).nullish(),
    tracking_number: z.string().max(200).nullish(),
  })
  .nullish();
export type ShipWholesaleOrderInput = z.output<typeof ShipWholesaleOrderBody>;

export const InvoiceWholesaleOrderBody = z
  .strictObject({
    issued_at: IsoDateTimeSchema.optional().describe(
      'When the invoice was issued (default now); due_at follows from the payment terms',
    ),
  })
  .nullish();

export const PayWholesaleOrderBody = z
  .strictObject({
    amount: MoneySchema.optional().describe('Cents; must be the order total (the default)'),
    method: z.string().max(50).nullish().describe('bank_transfer, check, card, ...'),
    reference: z.string().max(200).nullish().describe('Remittance or transaction reference'),
  })
  .nullish();

export const CancelWholesaleOrderBody = z.strictObject({ reason: z.string().max(500).nullish() }).nullish();

export const CreateWholesaleLineBody = z.strictObject({
  wholesale_order_id: z.string().min(1).max(100).describe('The order (id or WSO number) the line joins'),
  ...WholesaleLineInput.shape,
});
export const UpdateWholesaleLineBody = z.strictObject({
  name: z.string().max(200).nullish(),
  quantity: Quantity.optional(),
  unit_price: MoneySchema.optional(),
  price_breaks: PriceBreaksSchema.optional(),
});
export type UpdateWholesaleLineInput = z.output<typeof UpdateWholesaleLineBody>;

export const WholesaleOrderLineItemSchema = z
  .object({
    id: z.string(),
    object: z.literal('wholesale_order_line_item'),
    wholesale_order_id: z.string(),
    sku: z.string(),
    name: z.string().nullable(),
    quantity: z.number().int(),
    unit_price: z.number().int(),
    price_breaks: z.array(z.object({ min_quantity: z.number().int(), unit_price: z.number().int() })),
    effective_unit_price: z.number().int().describe('The unit price after volume breaks'),
    total: z.number().int(),
    quantity_shipped: z.number().int(),
    location_id: z.string().nullable().describe('Where the stock is reserved (set at approval)'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'WholesaleOrderLineItem' });
export type WholesaleOrderLineItem = z.output<typeof WholesaleOrderLineItemSchema>;

export const WholesaleShipmentSchema = z
  .object({
    id: z.string(),
    object: z.literal('wholesale_shipment'),
    wholesale_order_id: z.string(),
    carrier: z.string().nullable(),
    tracking_number: z.string().nullable(),
    line_items: z.array(
      z.object({ wholesale_order_line_item_id: z.string(), sku: z.string(), quantity: z.number().int() }),
    ),
    shipped_at: z.string(),
  })
  .meta({ id: 'WholesaleShipment' });
export type WholesaleShipment = z.output<typeof WholesaleShipmentSchema>;

export const WholesaleOrderSchema = z
  .object({
    id: z.string(),
    object: z.literal('wholesale_order'),
    wholesale_order_number: z.string(),
    status: z.enum(WHOLESALE_ORDER_STATUSES),
    financial_status: z
      .enum(FINANCIAL_STATUSES)
      .describe('unpaid until invoiced; overdue when due_at has passed unpaid (computed when read)'),
    fulfillment_status: z.enum(WHOLESALE_FULFILLMENT_STATUSES),
    customer_id: z.string(),
    po_number: z.string().nullable(),
    payment_terms: z.enum(PAYMENT_TERMS),
    location_id: z.string().nullable(),
    requested_delivery_date: z.string().nullable(),
    currency: z.string(),
    line_items: z.array(WholesaleOrderLineItemSchema),
    totals: z.object({ subtotal: z.number().int(), total: z.number().int(), paid: z.number().int() }),
    invoice: z.object({ number: z.string(), issued_at: z.string(), due_at: z.string() }).nullable(),
    payment: z
      .object({
        amount: z.number().int(),
        method: z.string().nullable(),
        reference: z.string().nullable(),
        paid_at: z.string(),
      })
      .nullable(),
    shipments: z.array(WholesaleShipmentSchema),
    memo: z.string().nullable(),
    cancel_reason: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    submitted_at: z.string().nullable(),
    approved_at: z.string().nullable(),
    shipped_at: z.string().nullable(),
    paid_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'WholesaleOrder' });
export type WholesaleOrder = z.output<typeof WholesaleOrderSchema>;
