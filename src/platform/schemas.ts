import { z } from 'zod';
import { ValidationError } from './errors.js';

/** Field schemas shared by every module. */
export const MAX_METADATA_KEYS = 50;

/**
 * Integers in requests are bounded by the column that stores them (a value PostgreSQL cannot hold
 * was a 500): `integer` columns are int4; `bigint` columns hold more than JavaScript keeps exact,
 * so z.int()'s safe-integer range bounds those. Counts and quantities take smaller bounds where
 * they are multiplied by money, so products stay within the column too.
 */
export const INT4_MAX = 2_147_483_647;

/** An integer an `integer` (int4) column can hold, from `min`. */
export function int4(min = 0, max = INT4_MAX) {
  return z.int().min(min).max(Math.min(max, INT4_MAX));
}

/** An integer a `bigint` column can hold and JavaScript keeps exact (z.int()'s own range), from `min`. */
export function int8(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return narrowed(z.int(), min, max);
}

/** The same from a query-string value ("12"). */
export function queryInt8(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return narrowed(z.coerce.number().int(), min, max);
}

/** Adds only the bounds narrower than the safe-integer range .int() already checks (one message each). */
function narrowed<T extends z.ZodNumber | z.ZodInt | z.ZodCoercedNumber>(schema: T, min: number, max: number): T {
  let out = schema;
  if (min > Number.MIN_SAFE_INTEGER) out = out.min(min) as T;
  if (max < Number.MAX_SAFE_INTEGER) out = out.max(max) as T;
  return out;
}

export const MetadataSchema = z
  .record(z.string().max(40), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `At most ${MAX_METADATA_KEYS} metadata keys`)
  .describe('Free key/value pairs (at most 50 keys). On update, keys are merged and a null value removes a key.');

export const AddressSchema = z.strictObject({
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).nullish(),
  city: z.string().min(1).max(100),
  state: z.string().max(100).nullish(),
  postal_code: z.string().max(20).nullish(),
  country: z.string().length(2).describe('ISO 3166-1 alpha-2 country code').transform((c) => c.toUpperCase()),
});
export type Address = z.output<typeof AddressSchema>;

/** An address as the API answers it. */
export const AddressOutSchema = z.object({
  line1: z.string(),
  line2: z.string().nullish(),
  city: z.string(),
  state: z.string().nullish(),
  postal_code: z.string().nullish(),
  country: z.string(),
});

const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const CurrencySchema = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'Must be a 3-letter ISO 4217 code')
  .transform((c) => c.toUpperCase())
  .refine((c) => ISO_CURRENCIES.has(c), 'Must be an ISO 4217 currency code (such as USD, EUR, JPY)');

// "|" separates tags in the tags_index column that tag filters search.
export const TagsSchema = z.array(z.string().trim().min(1).max(50).regex(/^[^|]+$/, 'A tag cannot contain "|"')).max(50);

export const E164Schema = z.string().regex(/^\+[1-9]\d{1,14}$/, 'Must be an E.164 phone number such as +14155550123');

export const IsoDateTimeSchema = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'Must be an ISO 8601 date or date-time')
  .transform((v) => new Date(v).toISOString());

/**
 * Applies metadata changes the Stripe way: keys merge, null removes. The body schema limits the
 * keys sent; the limit is on what the record ends up with, so it is checked here (400).
 */
export function mergeMetadata(current: Record<string, unknown>, patch: Record<string, unknown> | null | undefined): Record<string, unknown> {
  if (!patch) return current;
  const next = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  const keys = Object.keys(next).length;
  if (keys > MAX_METADATA_KEYS) {
    throw new ValidationError(`metadata would have ${keys} keys; at most ${MAX_METADATA_KEYS} are allowed.`, [
      { path: 'metadata', code: 'too_big', message: `At most ${MAX_METADATA_KEYS} metadata keys` },
    ]);
  }
  return next;
}

/**
 * Copies legacy field names (StateSet's camelCase) to their snake_case field when that one is
 * absent, and removes them, so services only ever see one name.
 */
export function applyAliases<T extends Record<string, unknown>>(input: T, aliases: Record<string, string>): T {
  const out: Record<string, unknown> = { ...input };
  for (const [alias, field] of Object.entries(aliases)) {
    if (alias in out) {
      if (out[field] === undefined) out[field] = out[alias];
      delete out[alias];
    }
  }
  return out as T;
}
