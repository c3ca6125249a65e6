import { z } from 'zod';
import { CurrencySchema, int4, IsoDateTimeSchema, MetadataSchema } from '../../platform/schemas.js';
import { MoneySchema, PercentSchema } from '../../platform/money.js';

export const PROMOTION_TYPES = ['percentage', 'fixed', 'free_shipping'] as const;

const fields = {
  code: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, 'Letters, digits, "-" and "_" only')
    .describe('Unique, case-insensitively'),
  description: z.string().max(500).nullish(),
  type: z.enum(PROMOTION_TYPES),
  value: z.number().optional().describe('Percent for percentage (e.g. 15), cents for fixed; not used by free_shipping'),
  min_subtotal: MoneySchema.nullish().describe('Order subtotal (cents) needed to apply it'),
  currency: CurrencySchema.nullish().describe(
    'Only orders in this currency may use it (fixed amounts and minimums are in it); any when null',
  ),
  starts_at: IsoDateTimeSchema.nullish(),
  ends_at: IsoDateTimeSchema.nullish(),
  usage_limit: int4(1).nullish().describe('How many orders may use it in all; unlimited when null'),
  active: z.boolean().optional(),
  metadata: MetadataSchema.optional(),
};

/** The value must suit the type; checked on the merged record for updates. */
export function promotionValueIssue(
  type: (typeof PROMOTION_TYPES)[number],
  value: number | null | undefined,
): string | null {
  if (type === 'free_shipping') return value == null || value === 0 ? null : 'A free_shipping promotion has no value';
  if (value == null) return `A ${type} promotion needs a value`;
  if (type === 'percentage')
    return PercentSchema.safeParse(value).success
      ? null
      : 'A percentage must be > 0 and <= 100 with at most 4 decimal places';
  return MoneySchema.safeParse(value).success && value > 0
    ? null
    : 'A fixed promotion is a positive integer number of cents';
}

export const CreatePromotionBody = z.strictObject(fields).superRefine((p, ctx) => {
  const issue = promotionValueIssue(p.type, p.value);
  if (issue) ctx.addIssue({ code: 'custom', path: ['value'], message: issue });
  if (p.starts_at && p.ends_at && Date.parse(p.ends_at) <= Date.parse(p.starts_at))
    ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'ends_at must be after starts_at' });
});
export const UpdatePromotionBody = z.strictObject({
  ...fields,
  code: fields.code.optional(),
  type: fields.type.optional(),
});
export type CreatePromotionInput = z.output<typeof CreatePromotionBody>;
export type UpdatePromotionInput = z.output<typeof UpdatePromotionBody>;

export const PromotionSchema = z
  .object({
    id: z.string(),
    object: z.literal('promotion'),
    code: z.string(),
    description: z.string().nullable(),
    type: z.enum(PROMOTION_TYPES),
    value: z.number().nullable(),
    min_subtotal: z.number().int().nullable(),
    currency: z.string().nullable(),
    starts_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    usage_limit: z.number().int().nullable(),
    times_used: z.number().int().describe('Read-only: orders currently using it'),
    active: z.boolean(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Promotion' });
export type Promotion = z.output<typeof PromotionSchema>;
