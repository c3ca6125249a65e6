import { z } from 'zod';
import { MoneySchema } from '../../platform/money.js';
import {
  AddressOutSchema,
  AddressSchema,
  CurrencySchema,
  E164Schema,
  int4,
  int8,
  IsoDateTimeSchema,
  MetadataSchema,
} from '../../platform/schemas.js';

export const SUPPLIER_STATUSES = ['active', 'inactive'] as const;
export const PURCHASE_ORDER_STATUSES = [
  'draft',
  'submitted',
  'approved',
  'partially_received',
  'received',
  'completed',
  'cancelled',
] as const;

/** Quantities are multiplied by unit costs, so they stay far below where cents stop being exact. */
export const QuantitySchema = int8(1, 1_000_000_000);

const supplierFields = {
  name: z.string().trim().min(1).max(200),
  code: z.string().trim().min(1).max(50).nullish().describe('Your own short code, unique (e.g. ACME)'),
  email: z.email().max(254).nullish(),
  phone: E164Schema.nullish(),
  address: AddressSchema.nullish(),
  payment_terms: z.string().max(100).nullish().describe('e.g. NET30'),
  lead_time_days: int4(0, 3650).nullish(),
  status: z.enum(SUPPLIER_STATUSES).optional(),
  notes: z.string().max(5000).nullish(),
  metadata: MetadataSchema.optional(),
};
export const CreateSupplierBody = z.strictObject(supplierFields);
export const UpdateSupplierBody = z.strictObject({ ...supplierFields, name: supplierFields.name.optional() });
export type CreateSupplierInput = z.output<typeof CreateSupplierBody>;
export type UpdateSupplierInput = z.output<typeof UpdateSupplierBody>;

export const SupplierSchema = z
  .object({
    id: z.string(),
    object: z.literal('supplier'),
    name: z.string(),
    code: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    address: AddressOutSchema.nullable(),
    payment_terms: z.string().nullable(),
    lead_time_days: z.number().int().nullable(),
    status: z.enum(SUPPLIER_STATUSES),
    notes: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Supplier' });
export type Supplier = z.output<typeof SupplierSchema>;

const lineFields = {
  sku: z.string().trim().min(1).max(100),
  description: z.string().max(500).nullish(),
  quantity_ordered: QuantitySchema,
  unit_cost: MoneySchema.describe('Integer cents per unit'),
};
export const PurchaseOrderLineInput = z.strictObject(lineFields);

export const CreatePurchaseOrderBody = z.strictObject({
  supplier_id: z.string().min(1).max(100).describe('Supplier id or code'),
  location_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Ship-to location id or code; the default location when omitted'),
  order_date: IsoDateTimeSchema.nullish(),
  expected_date: IsoDateTimeSchema.nullish(),
  currency: CurrencySchema.optional(),
  tax: MoneySchema.optional(),
  shipping: MoneySchema.optional(),
  notes: z.string().max(5000).nullish(),
  metadata: MetadataSchema.optional(),
  line_items: z.array(PurchaseOrderLineInput).max(500).default([]),
});
export type CreatePurchaseOrderInput = z.output<typeof CreatePurchaseOrderBody>;

export const UpdatePurchaseOrderBody = z.strictObject({
  order_date: IsoDateTimeSchema.nullish(),
  expected_date: IsoDateTimeSchema.nullish(),
  tax: MoneySchema.optional().describe('Only while draft'),
  shipping: MoneySchema.optional().describe('Only while draft'),
  notes: z.string().max(5000).nullish(),
  metadata: MetadataSchema.optional(),
});
export type UpdatePurchaseOrderInput = z.output<typeof UpdatePurchaseOrderBody>;

export const CreatePurchaseOrderLineBody = z.strictObject({
  purchase_order_id: z.string().min(1).max(100).describe('Purchase order id or PO number'),
  ...lineFields,
});
export const UpdatePurchaseOrderLineBody = z.strictObject({
  description: lineFields.description,
  quantity_ordered: QuantitySchema.optional(),
  unit_cost: lineFields.unit_cost.optional(),
});

export const ReceiveBody = z.strictObject({
  line_items: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(100).describe('The line id (pol_...), or its SKU when one line has it'),
        quantity: QuantitySchema,
        location_id: z
          .string()
          .min(1)
          .max(100)
          .optional()
          .describe("Where the units go (id or code); the order's ship-to location when omitted"),
      }),
    )
    .min(1)
    .max(500),
  allow_over_receipt: z.boolean().optional().describe('Accept more than a line still expects'),
});
export type ReceiveInput = z.output<typeof ReceiveBody>;

export const FinanceBody = z.strictObject({ financer: z.string().trim().min(1).max(200) });

export const PurchaseOrderLineItemSchema = z
  .object({
    id: z.string(),
    object: z.literal('purchase_order_line_item'),
    purchase_order_id: z.string(),
    sku: z.string(),
    description: z.string().nullable(),
    quantity_ordered: z.number().int(),
    quantity_received: z.number().int(),
    quantity_open: z.number().int().describe('Still expected: ordered minus received, never below 0'),
    unit_cost: z.number().int(),
    total: z.number().int(),
    inventory_item_id: z.string().nullable().describe("The ship-to location's item, set on approval"),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'PurchaseOrderLineItem' });
export type PurchaseOrderLineItem = z.output<typeof PurchaseOrderLineItemSchema>;

export const PurchaseOrderSchema = z
  .object({
    id: z.string(),
    object: z.literal('purchase_order'),
    po_number: z.string(),
    supplier_id: z.string(),
    location_id: z.string(),
    status: z.enum(PURCHASE_ORDER_STATUSES),
    order_date: z.string().nullable(),
    expected_date: z.string().nullable(),
    currency: z.string(),
    line_items: z.array(PurchaseOrderLineItemSchema),
    totals: z.object({
      subtotal: z.number().int(),
      tax: z.number().int(),
      shipping: z.number().int(),
      total: z.number().int(),
    }),
    financed: z.object({ financer: z.string(), financed_at: z.string() }).nullable(),
    notes: z.string().nullable(),
    submitted_at: z.string().nullable(),
    approved_at: z.string().nullable(),
    received_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'PurchaseOrder' });
export type PurchaseOrder = z.output<typeof PurchaseOrderSchema>;

const supplierSkuFields = {
  supplier_id: z.string().min(1).max(100).describe('Supplier id or code'),
  sku: z.string().trim().min(1).max(100),
  supplier_sku: z.string().trim().min(1).max(100).nullish().describe("The supplier's own part number"),
  description: z.string().max(500).nullish(),
  unit_cost: MoneySchema.describe('Integer cents per unit'),
  currency: CurrencySchema.optional(),
  min_order_quantity: int4(1, 1_000_000_000).optional().describe('Smallest quantity the supplier accepts (default 1)'),
  order_multiple: int4(1, 1_000_000_000).optional().describe('Orders come in multiples of this (default 1)'),
  lead_time_days: int4(0, 3650).nullish().describe("Days from order to arrival; overrides the supplier's when set"),
  preferred: z
    .boolean()
    .optional()
    .describe('The supplier planning buys this SKU from; setting it unsets the SKU’s other preferred row'),
  metadata: MetadataSchema.optional(),
};
export const CreateSupplierSkuBody = z.strictObject(supplierSkuFields);
export const UpdateSupplierSkuBody = z.strictObject({
  supplier_sku: supplierSkuFields.supplier_sku,
  description: supplierSkuFields.description,
  unit_cost: supplierSkuFields.unit_cost.optional(),
  currency: supplierSkuFields.currency,
  min_order_quantity: supplierSkuFields.min_order_quantity,
  order_multiple: supplierSkuFields.order_multiple,
  lead_time_days: supplierSkuFields.lead_time_days,
  preferred: supplierSkuFields.preferred,
  metadata: supplierSkuFields.metadata,
});
export type CreateSupplierSkuInput = z.output<typeof CreateSupplierSkuBody>;
export type UpdateSupplierSkuInput = z.output<typeof UpdateSupplierSkuBody>;

export const SupplierSkuSchema = z
  .object({
    id: z.string(),
    object: z.literal('supplier_sku'),
    supplier_id: z.string(),
    sku: z.string(),
    supplier_sku: z.string().nullable(),
    description: z.string().nullable(),
    unit_cost: z.number().int(),
    currency: z.string(),
    min_order_quantity: z.number().int(),
    order_multiple: z.number().int(),
    lead_time_days: z.number().int().nullable(),
    preferred: z.boolean(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'SupplierSku' });
export type SupplierSku = z.output<typeof SupplierSkuSchema>;
