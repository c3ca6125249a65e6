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
  country: z
    .string()
    .length(2)
    .describe('ISO 3166-1 alpha-2 country code')
    .transform((c) => c.toUpperCase()),
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
export const TagsSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(50)
      .regex(/^[^|]+$/, 'A tag cannot contain "|"'),
  )
  .max(50);

export const E164Schema = z.string().regex(/^\+[1-9]\d{1,14}$/, 'Must be an E.164 phone number such as +14155550123');

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2})))?$/;
export const EARLIEST_INSTANT = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const DATE_RULE =
  'an RFC 3339 date-time with a timezone (2026-05-01T12:00:00Z, 2026-05-01T14:00:00+02:00) or a date (2026-05-01, meaning 00:00 UTC), in the years 1970 to 9999';

/**
 * The instant `text` names, as ISO 8601 UTC with milliseconds (2026-05-01T12:00:00.000Z), or
 * undefined when it is not RFC 3339 with a timezone or a plain date, names no real day or time, or
 * falls outside 1970..9999. Stored dates all have this one fixed-width form, so the text order the
 * database compares them in is their time order (a year past 9999, `+010000-...`, would sort first).
 */
export function parseInstant(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zulu, sign, oh = '00', om = '00'] = m;
  const year = Number(y),
    month = Number(mo),
    day = Number(d);
  if (year < 1969 || year > 10000 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(oh) > 23 || Number(om) > 59) return undefined;
  const offsetMinutes = zulu || !sign ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const ms = Number(`${fraction.slice(1)}000`.slice(0, 3)); // finer than milliseconds is cut off
  const instant = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), ms) - offsetMinutes * 60_000;
  if (instant < EARLIEST_INSTANT || instant > LATEST_INSTANT) return undefined;
  return new Date(instant).toISOString();
}

/** Every date or time the API accepts (bodies and list filters) goes through this schema. */
export const IsoDateTimeSchema = z
  .string()
  .max(64)
  .transform((v, ctx) => {
    const instant = parseInstant(v);
    if (instant === undefined) {
      ctx.addIssue({ code: 'custom', message: `Must be ${DATE_RULE}` });
      return z.NEVER;
    }
    return instant;
  })
  .describe(`A date-time: ${DATE_RULE}. Answered as ISO 8601 UTC (2026-05-01T12:00:00.000Z).`);

/**
 * Applies metadata changes the Stripe way: keys merge, null removes. The body schema limits the
 * keys sent; the limit is on what the record ends up with, so it is checked here (400).
 */
export function mergeMetadata(
  current: Record<string, unknown>,
  patch: Record<string, unknown> | null | undefined,
): Record<string, unknown> {
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
