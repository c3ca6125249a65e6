import { z } from 'zod';
import { AddressOutSchema, AddressSchema, int8, MetadataSchema } from '../../platform/schemas.js';
import { MAX_AMOUNT } from '../../platform/money.js';

export const LOCATION_TYPES = ['warehouse', 'store', 'supplier', 'virtual'] as const;
export const MOVEMENT_REASONS = [
  'receipt',
  'shipment',
  'adjustment',
  'transfer_out',
  'transfer_in',
  'return_restock',
  'cycle_count',
  'production_consume',
  'production_output',
  'build_to_stock',
] as const;
export const RESERVATION_STATUSES = ['active', 'consumed', 'released'] as const;
export const TRANSFER_STATUSES = ['in_transit', 'received'] as const;

// Quantities times a unit cost stay within a bigint column and exact in JavaScript.
const MAX_QUANTITY = 1_000_000_000;
const quantity = int8(1, MAX_QUANTITY);
const nonNegative = int8(0, MAX_QUANTITY);
const cents = int8(0, MAX_AMOUNT).describe('Unit cost in cents');

// ---------------------------------------------------------------------------------- locations

const locationFields = {
  code: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'Letters, digits, ".", "_" and "-" only')
    .describe('Unique code, e.g. WH-WEST-01'),
  name: z.string().trim().min(1).max(200),
  type: z.enum(LOCATION_TYPES).optional().describe('Defaults to warehouse'),
  address: AddressSchema.nullish(),
  active: z.boolean().optional().describe('Inactive locations keep their stock but take no new items or transfers'),
  metadata: MetadataSchema.optional(),
};

export const CreateLocationBody = z.strictObject(locationFields);
export const UpdateLocationBody = z.strictObject({
  ...locationFields,
  code: locationFields.code.optional(),
  name: locationFields.name.optional(),
});
export type CreateLocationInput = z.output<typeof CreateLocationBody>;
export type UpdateLocationInput = z.output<typeof UpdateLocationBody>;

export const LocationSchema = z
  .object({
    id: z.string(),
    object: z.literal('location'),
    code: z.string(),
    name: z.string(),
    type: z.enum(LOCATION_TYPES),
    address: AddressOutSchema.nullable(),
    active: z.boolean(),
    is_default: z
      .boolean()
      .describe('The location created on first start; items without a location_id go here. It cannot be deleted.'),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Location' });
export type Location = z.output<typeof LocationSchema>;

// ---------------------------------------------------------------------------------- items

const itemFields = {
  description: z.string().max(1000).nullish(),
  uom: z.string().trim().min(1).max(20).optional().describe('Unit of measure label; defaults to "each"'),
  reorder_point: nonNegative
    .optional()
    .describe('low_stock fires (and the low_stock filter matches) when available <= reorder_point'),
  safety_stock: nonNegative.optional(),
  unit_cost: cents.nullish(),
  lot_tracked: z.boolean().optional(),
  serial_tracked: z.boolean().optional(),
  metadata: MetadataSchema.optional(),
};

export const CreateInventoryItemBody = z.strictObject({
  sku: z.string().trim().min(1).max(100),
  location_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Location id or code (e.g. WH-EAST); defaults to the default location'),
  ...itemFields,
  on_hand: nonNegative.optional().describe('Initial stock, posted as a `receipt` movement in the same transaction'),
});

/** Fields an update may not carry, each with the reason it gives back in the 400. */
const notWritable = (message: string) => z.never({ error: message }).optional().describe(`Not writable: ${message}`);
const useAdjust =
  'quantities change only through the ledger: use POST /v1/inventory_items/{id}/adjust (or transfer, reserve, release)';

export const UpdateInventoryItemBody = z.strictObject({
  ...itemFields,
  on_hand: notWritable(useAdjust),
  reserved: notWritable(useAdjust),
  available: notWritable(useAdjust),
  incoming: notWritable('incoming is the open purchase-order quantity, maintained by purchasing'),
  sku: notWritable('an item is one SKU at one location; create another item instead'),
  location_id: notWritable(
    'an item is one SKU at one location; move stock with POST /v1/inventory_items/{id}/transfer',
  ),
});
export type CreateInventoryItemInput = z.output<typeof CreateInventoryItemBody>;
export type UpdateInventoryItemInput = z.output<typeof UpdateInventoryItemBody>;

export const InventoryItemSchema = z
  .object({
    id: z.string(),
    object: z.literal('inventory_item'),
    sku: z.string(),
    location_id: z.string(),
    description: z.string().nullable(),
    uom: z.string(),
    on_hand: z.number().int().describe("Sum of the item's movements"),
    reserved: z.number().int().describe("Sum of the item's active reservations"),
    available: z.number().int().describe('on_hand - reserved'),
    incoming: z.number().int().describe('Open purchase-order quantity'),
    in_transit: z
      .number()
      .int()
      .describe('On its way here by transfers not yet received (not in on_hand or available until received)'),
    reorder_point: z.number().int(),
    safety_stock: z.number().int(),
    unit_cost: z.number().int().nullable(),
    lot_tracked: z.boolean(),
    serial_tracked: z.boolean(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int().describe('Incremented by every write, including every stock change'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'InventoryItem' });
export type InventoryItem = z.output<typeof InventoryItemSchema>;

const ReferenceSchema = z.object({ type: z.string(), id: z.string(), line_id: z.string().nullable() });

export const MovementSchema = z
  .object({
    id: z.string(),
    object: z.literal('inventory_movement'),
    inventory_item_id: z.string(),
    quantity: z.number().int().describe('Signed change of on_hand'),
    reason: z.enum(MOVEMENT_REASONS),
    reference: ReferenceSchema.nullable(),
    note: z.string().nullable(),
    unit_cost: z.number().int().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'InventoryMovement' });
export type Movement = z.output<typeof MovementSchema>;

export const ReservationSchema = z
  .object({
    id: z.string(),
    object: z.literal('reservation'),
    inventory_item_id: z.string(),
    quantity: z.number().int(),
    reference: ReferenceSchema,
    status: z.enum(RESERVATION_STATUSES),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Reservation' });
export type Reservation = z.output<typeof ReservationSchema>;

export const TransferSchema = z
  .object({
    id: z.string(),
    object: z.literal('transfer'),
    sku: z.string(),
    from_item_id: z.string(),
    to_item_id: z.string(),
    from_location_id: z.string(),
    to_location_id: z.string(),
    quantity: z.number().int(),
    reason: z.string().nullable(),
    status: z
      .enum(TRANSFER_STATUSES)
      .describe("in_transit: left the source (transfer_out posted), not yet in the destination's on_hand"),
    received_at: z.string().nullable(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Transfer' });
export type Transfer = z.output<typeof TransferSchema>;

/** Actions that create a record answer the updated item with that record embedded. */
export const ItemWithReservationSchema = InventoryItemSchema.extend({ reservation: ReservationSchema }).meta({
  id: 'InventoryItemWithReservation',
});
export const ItemWithTransferSchema = InventoryItemSchema.extend({ transfer: TransferSchema }).meta({
  id: 'InventoryItemWithTransfer',
});

// ---------------------------------------------------------------------------------- actions

export const AdjustBody = z.strictObject({
  quantity_change: int8(-MAX_QUANTITY, MAX_QUANTITY)
    .refine((n) => n !== 0, 'Must not be zero')
    .describe('Signed change of on_hand'),
  reason: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe("Why (a code such as damaged or a sentence); kept as the movement's note"),
  reference_number: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('Your document number; kept as the movement\'s reference {type: "adjustment", id}'),
  unit_cost: cents.optional().describe('Cost of the units added or removed, kept on the movement'),
});
export type AdjustInput = z.output<typeof AdjustBody>;

export const TransferBody = z.strictObject({
  to_location_id: z.string().min(1).max(100).describe('Destination location id or code'),
  quantity,
  reason: z.string().trim().min(1).max(200).optional(),
  receive_now: z
    .boolean()
    .optional()
    .describe('Receive at the destination in the same transaction (status received at once)'),
});
export type TransferInput = z.output<typeof TransferBody>;

export const ReserveBody = z.strictObject({
  quantity,
  reference: z.strictObject({
    type: z.string().trim().min(1).max(50).describe('What holds the stock, e.g. quote, cart, manual'),
    id: z.string().trim().min(1).max(100),
    line_id: z.string().trim().min(1).max(100).optional(),
  }),
});
export type ReserveInput = z.output<typeof ReserveBody>;

export const ReleaseBody = z.strictObject({
  reservation_id: z.string().min(1).max(100),
  quantity: quantity.optional().describe('Release only this much; the rest stays reserved. Default: all of it'),
});
export type ReleaseInput = z.output<typeof ReleaseBody>;

// Nothing to send; an empty object is accepted, anything in it is not.
export const ReceiveTransferBody = z.strictObject({}).nullish();

// ---------------------------------------------------------------------------------- summary

export const InventorySummaryQuery = z.strictObject({ sku: z.string().trim().min(1).max(100) });

export const InventorySummarySchema = z
  .object({
    object: z.literal('inventory_summary'),
    sku: z.string(),
    on_hand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    incoming: z.number().int(),
    in_transit: z
      .number()
      .int()
      .describe(
        "Shipped by transfers not yet received: counted in no location's on_hand; on_hand + in_transit is what transfers conserve",
      ),
    locations: z.array(
      z.object({
        location_id: z.string(),
        location_code: z.string(),
        inventory_item_id: z.string(),
        on_hand: z.number().int(),
        reserved: z.number().int(),
        available: z.number().int(),
        incoming: z.number().int(),
        in_transit: z.number().int().describe('On its way to this location by transfers not yet received'),
      }),
    ),
  })
  .meta({ id: 'InventorySummary' });
export type InventorySummary = z.output<typeof InventorySummarySchema>;
