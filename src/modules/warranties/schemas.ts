import { z } from 'zod';
import { MoneySchema } from '../../platform/money.js';
import { AddressSchema, int8, IsoDateTimeSchema, MetadataSchema } from '../../platform/schemas.js';
import { WARRANTY_STATUSES } from './transitions.js';

export { WARRANTY_STATUSES };
export const WARRANTY_RESOLUTIONS = ['repair', 'replace', 'refund', 'none'] as const;
export const REPAIR_TYPES = ['hardware', 'software', 'cosmetic'] as const;
/** Coverage when neither the claim nor the SKU names one. */
export const DEFAULT_COVERAGE_DAYS = 365;

const Text = (max: number) => z.string().max(max);
const Id = z.string().min(1).max(100);
const Sku = z.string().trim().min(1).max(100);
const Quantity = int8(1, 1_000_000);

export const WarrantyLineItemSchema = z
  .object({
    id: z.string(),
    object: z.literal('warranty_line_item'),
    warranty_id: z.string(),
    sku: z.string(),
    quantity: z.number().int(),
    serial_number: z.string().nullable(),
    condition: z.string().nullable(),
    price: z.number().int().describe('Cents'),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'WarrantyLineItem' });
export type WarrantyLineItem = z.output<typeof WarrantyLineItemSchema>;

const RepairSchema = z.object({
  type: z.enum(REPAIR_TYPES).nullable(),
  location: z.string().nullable(),
  estimated_cost: z.number().int().nullable(),
  ticket: z.string().nullable(),
});

export const WarrantySchema = z
  .object({
    id: z.string(),
    object: z.literal('warranty'),
    warranty_number: z.string(),
    customer_id: z.string(),
    order_id: z.string().nullable(),
    order_line_item_id: z.string().nullable(),
    sku: z.string().nullable(),
    serial_number: z.string().nullable(),
    coverage: z
      .object({
        starts_at: z.string().nullable(),
        ends_at: z.string().nullable(),
        terms: z.string().nullable(),
        overridden: z.boolean().describe('Accepted past ends_at with override=true'),
      })
      .describe("Default: from the order's delivery (else shipping) date for coverage_days"),
    issue_description: z.string(),
    reported_condition: z.string().nullable(),
    status: z.enum(WARRANTY_STATUSES),
    resolution: z.enum(WARRANTY_RESOLUTIONS).nullable(),
    repair: RepairSchema.nullable(),
    replacement_order_id: z.string().nullable(),
    inspection: z.record(z.string(), z.unknown()).nullable(),
    rejection_reason: z.string().nullable(),
    resolution_notes: z.string().nullable(),
    line_items: z.array(WarrantyLineItemSchema),
    approved_at: z.string().nullable(),
    resolved_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Warranty' });
export type Warranty = z.output<typeof WarrantySchema>;

const LineInput = z.strictObject({
  sku: Sku,
  quantity: Quantity.default(1),
  serial_number: Text(200).nullish(),
  condition: Text(200).nullish(),
  price: MoneySchema.default(0).describe('Cents'),
  metadata: MetadataSchema.optional(),
});

export const CreateWarrantyBody = z
  .strictObject({
    customer_id: Id.optional().describe("Default: the order's customer"),
    order_id: Id.optional().describe('The order (id or number) the unit came from'),
    order_line_item_id: Id.optional().describe('The order line; or name it by sku when exactly one line has it'),
    sku: Sku.optional(),
    serial_number: Text(200).nullish(),
    coverage: z
      .strictObject({
        starts_at: IsoDateTimeSchema.nullish(),
        ends_at: IsoDateTimeSchema.nullish(),
        terms: Text(5000).nullish(),
      })
      .optional(),
    coverage_days: int8(1, 36_500)
      .optional()
      .describe(
        `Days of coverage from starts_at; default the SKU's (warranty_days in its inventory item's metadata), else ${DEFAULT_COVERAGE_DAYS}`,
      ),
    issue_description: z.string().trim().min(1).max(5000),
    reported_condition: Text(500).nullish(),
    line_items: z.array(LineInput).max(100).optional(),
    override: z.boolean().default(false).describe('Accept a claim filed after coverage.ends_at'),
    metadata: MetadataSchema.optional(),
  })
  .superRefine((w, ctx) => {
    if (!w.customer_id && !w.order_id)
      ctx.addIssue({ code: 'custom', path: ['customer_id'], message: 'customer_id or order_id is required' });
  });
export type CreateWarrantyInput = z.output<typeof CreateWarrantyBody>;

export const UpdateWarrantyBody = z.strictObject({
  serial_number: Text(200).nullish(),
  issue_description: z.string().trim().min(1).max(5000).optional(),
  reported_condition: Text(500).nullish(),
  coverage_terms: Text(5000).nullish(),
  metadata: MetadataSchema.optional(),
});
export type UpdateWarrantyInput = z.output<typeof UpdateWarrantyBody>;

export const InspectWarrantyBody = z.strictObject({
  notes: Text(5000).nullish(),
  findings: Text(5000).nullish(),
  condition: Text(200).nullish(),
});
export const RejectWarrantyBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });
export const RepairBody = z.strictObject({
  type: z.enum(REPAIR_TYPES).nullish(),
  location: Text(300).nullish(),
  estimated_cost: MoneySchema.nullish(),
  ticket: Text(200).nullish(),
});
export type RepairInput = z.output<typeof RepairBody>;
export const ReplaceBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        sku: Sku,
        quantity: Quantity.default(1),
        name: Text(300).nullish(),
        location_id: Id.nullish(),
      }),
    )
    .min(1)
    .max(100)
    .optional()
    .describe("Default: the claim's line items, else one unit of its SKU"),
  shipping_address: AddressSchema.nullish().describe("Default: the original order's shipping address"),
  allow_backorder: z.boolean().default(false),
});
export type ReplaceInput = z.output<typeof ReplaceBody>;
export const ResolveBody = z.strictObject({
  resolution: z.enum(WARRANTY_RESOLUTIONS).optional().describe('Default: repair or replace as it went, else none'),
  resolution_notes: Text(5000).nullish(),
});
export const CloseWarrantyBody = z.strictObject({ resolution_notes: Text(5000).nullish() });

export const CreateWarrantyLineItemBody = LineInput.extend({ warranty_id: Id });
export type CreateWarrantyLineItemInput = z.output<typeof CreateWarrantyLineItemBody>;
export const UpdateWarrantyLineItemBody = z.strictObject({
  sku: Sku.optional(),
  quantity: Quantity.optional(),
  serial_number: Text(200).nullish(),
  condition: Text(200).nullish(),
  price: MoneySchema.optional(),
  metadata: MetadataSchema.optional(),
});
export type UpdateWarrantyLineItemInput = z.output<typeof UpdateWarrantyLineItemBody>;
