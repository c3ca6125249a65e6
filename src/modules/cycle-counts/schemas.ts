import { z } from 'zod';
import { int8, IsoDateTimeSchema, MetadataSchema } from '../../platform/schemas.js';

export const CYCLE_COUNT_STATUSES = ['draft', 'in_progress', 'completed', 'reconciled', 'cancelled'] as const;

const editable = {
  scheduled_date: IsoDateTimeSchema.nullish(),
  counter: z.string().max(200).nullish().describe('Who counts'),
  notes: z.string().max(5000).nullish(),
  metadata: MetadataSchema.optional(),
};

export const CreateCycleCountBody = z
  .strictObject({
    location_id: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Location id or code; the default location when omitted'),
    sku_filter: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("A SKU prefix: the count covers the location's items whose SKU starts with it"),
    skus: z.array(z.string().min(1).max(100)).min(1).max(1000).optional().describe('Or an explicit list of SKUs'),
    ...editable,
  })
  .refine((b) => !(b.sku_filter && b.skus), { message: 'Send sku_filter or skus, not both', path: ['skus'] });
export type CreateCycleCountInput = z.output<typeof CreateCycleCountBody>;

export const UpdateCycleCountBody = z.strictObject(editable);
export type UpdateCycleCountInput = z.output<typeof UpdateCycleCountBody>;

export const CountBody = z.strictObject({
  line_items: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(100).describe('The line id (ccl_...) or its SKU'),
        counted_quantity: int8(0, 1_000_000_000),
      }),
    )
    .min(1)
    .max(1000),
});
export type CountInput = z.output<typeof CountBody>;

export const CycleCountLineSchema = z
  .object({
    id: z.string(),
    object: z.literal('cycle_count_line'),
    cycle_count_id: z.string(),
    inventory_item_id: z.string(),
    sku: z.string(),
    expected_quantity: z.number().int().nullable().describe('on_hand when the count started'),
    counted_quantity: z.number().int().nullable(),
    variance: z.number().int().nullable().describe('counted_quantity - expected_quantity'),
    movements_since_snapshot: z
      .number()
      .int()
      .nullable()
      .describe('Net ledger movements between the snapshot and the reconcile (kept, not counted twice)'),
    adjustment: z.number().int().nullable().describe('The cycle_count movement posted at reconcile'),
    counted_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'CycleCountLine' });
export type CycleCountLine = z.output<typeof CycleCountLineSchema>;

export const CycleCountSchema = z
  .object({
    id: z.string(),
    object: z.literal('cycle_count'),
    cycle_count_number: z.string(),
    location_id: z.string(),
    status: z.enum(CYCLE_COUNT_STATUSES),
    scheduled_date: z.string().nullable(),
    counter: z.string().nullable(),
    sku_filter: z.string().nullable(),
    skus: z.array(z.string()).nullable(),
    line_items: z.array(CycleCountLineSchema),
    notes: z.string().nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    reconciled_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'CycleCount' });
export type CycleCount = z.output<typeof CycleCountSchema>;
