import { z } from 'zod';
import { int8, IsoDateTimeSchema, MetadataSchema } from '../../platform/schemas.js';

export const PACKING_LIST_STATUSES = [
  'draft',
  'submitted',
  'shipped',
  'partially_arrived',
  'arrived',
  'verified',
  'cancelled',
] as const;
export const PACKING_LIST_DIRECTIONS = ['inbound', 'outbound'] as const;

const QuantitySchema = int8(1, 1_000_000_000);

const editable = {
  carrier: z.string().max(100).nullish(),
  tracking_number: z.string().max(100).nullish(),
  ship_date: IsoDateTimeSchema.nullish(),
  delivery_date: IsoDateTimeSchema.nullish(),
  invoice_number: z.string().max(100).nullish(),
  notes: z.string().max(5000).nullish(),
  metadata: MetadataSchema.optional(),
};

const ItemInput = z.strictObject({
  purchase_order_line_item_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Inbound: the purchase order line (pol_...); or name it by sku when one line has it'),
  sku: z.string().min(1).max(100).optional(),
  description: z.string().max(500).nullish(),
  quantity: QuantitySchema,
});

export const CreatePackingListBody = z.strictObject({
  direction: z.enum(PACKING_LIST_DIRECTIONS),
  purchase_order_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Inbound: the approved purchase order (id or PO number) the units arrive against'),
  shipment_id: z.string().min(1).max(100).optional().describe('Outbound: the shipment whose lines it lists'),
  order_id: z.string().min(1).max(100).optional().describe("Outbound: the shipment's order (checked when given)"),
  location_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Where units arrive (inbound; default the order's ship-to) or leave from (outbound)"),
  line_items: z
    .array(ItemInput)
    .min(1)
    .max(500)
    .optional()
    .describe('Inbound only: omitted, every line of the purchase order with what it still expects'),
  ...editable,
});
export type CreatePackingListInput = z.output<typeof CreatePackingListBody>;

export const UpdatePackingListBody = z.strictObject(editable);
export type UpdatePackingListInput = z.output<typeof UpdatePackingListBody>;

export const ArriveBody = z.strictObject({
  line_items: z
    .array(
      z.strictObject({ id: z.string().min(1).max(100).describe('Item id (pli_...) or SKU'), quantity: QuantitySchema }),
    )
    .min(1)
    .max(500)
    .optional()
    .describe('Omitted: everything still expected'),
});
export type ArriveInput = z.output<typeof ArriveBody>;

export const CreatePackingListItemBody = ItemInput.extend({
  packing_list_id: z.string().min(1).max(100).describe('Packing list id or number (PKL-000001)'),
});
export type CreatePackingListItemInput = z.output<typeof CreatePackingListItemBody>;
export const UpdatePackingListItemBody = z.strictObject({
  description: z.string().max(500).nullish(),
  quantity: QuantitySchema.optional(),
});
export type UpdatePackingListItemInput = z.output<typeof UpdatePackingListItemBody>;

export const PackingListItemSchema = z
  .object({
    id: z.string(),
    object: z.literal('packing_list_item'),
    packing_list_id: z.string(),
    sku: z.string(),
    description: z.string().nullable(),
    quantity: z.number().int(),
    quantity_arrived: z.number().int(),
    arrived: z.boolean().describe('Everything listed has arrived'),
    purchase_order_line_item_id: z.string().nullable(),
    order_line_item_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'PackingListItem' });
export type PackingListItem = z.output<typeof PackingListItemSchema>;

export const PackingListSchema = z
  .object({
    id: z.string(),
    object: z.literal('packing_list'),
    packing_list_number: z.string(),
    direction: z.enum(PACKING_LIST_DIRECTIONS),
    purchase_order_id: z.string().nullable(),
    order_id: z.string().nullable(),
    shipment_id: z.string().nullable(),
    location_id: z.string(),
    status: z.enum(PACKING_LIST_STATUSES),
    carrier: z.string().nullable(),
    tracking_number: z.string().nullable(),
    ship_date: z.string().nullable(),
    delivery_date: z.string().nullable(),
    invoice_number: z.string().nullable(),
    notes: z.string().nullable(),
    line_items: z.array(PackingListItemSchema),
    submitted_at: z.string().nullable(),
    shipped_at: z.string().nullable(),
    arrived_at: z.string().nullable(),
    verified_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'PackingList' });
export type PackingList = z.output<typeof PackingListSchema>;
