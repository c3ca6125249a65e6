import { sql } from 'kysely';
import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { selectForUpdate } from '../../platform/db-helpers.js';
import {
  assertExpectedVersion,
  ConflictError,
  NotFoundError,
  refuseDuplicate,
  ValidationError,
} from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson, toJson } from '../../platform/json.js';
import { containsText, runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import type { PromotionsTable } from './tables.js';
import {
  PROMOTION_TYPES,
  promotionValueIssue,
  type CreatePromotionInput,
  type Promotion,
  type UpdatePromotionInput,
} from './schemas.js';
import { inTransaction } from '../../db/transaction.js';

export const normalizeCode = (code: string) => code.trim().toLowerCase();

export function toPromotion(row: PromotionsTable): Promotion {
  return {
    id: row.id,
    object: 'promotion',
    code: row.code,
    description: row.description,
    type: row.type,
    value: row.type === 'percentage' ? row.percent_off : row.type === 'fixed' ? Number(row.amount_off) : null,
    min_subtotal: row.min_subtotal == null ? null : Number(row.min_subtotal),
    currency: row.currency,
    starts_at: row.starts_at,
    ends_at: row.ends_at,
    usage_limit: row.usage_limit,
    times_used: Number(row.times_used),
    active: row.active === 1,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function codeTaken(code: string): ConflictError {
  return new ConflictError('already_exists', `A promotion with code "${code}" already exists.`, undefined, 'code');
}

export const promotionListSpec: ListSpec = {
  table: 'promotions',
  sortable: ['updated_at', 'code', 'times_used'],
  updatedRange: true,
  filters: {
    code: { kind: 'exact', column: 'code_normalized', normalize: normalizeCode },
    type: { kind: 'exact', column: 'type', multi: true, values: PROMOTION_TYPES },
    active: {
      kind: 'custom',
      schema: z.enum(['true', 'false']),
      apply: (qb, v: string) => qb.where('active', '=', v === 'true' ? 1 : 0),
    },
    search: {
      kind: 'custom',
      schema: z.string().min(1),
      apply: (qb, term: string) => qb.where(containsText('code_normalized', term)),
    },
  },
};

export async function createPromotion(db: DB, ctx: RequestContext, input: CreatePromotionInput): Promise<Promotion> {
  return inTransaction(db, async (trx) => {
    const now = nowIso();
    const row: PromotionsTable = {
      id: newId('promo'),
      code: input.code,
      code_normalized: normalizeCode(input.code),
      description: input.description ?? null,
      type: input.type,
      percent_off: input.type === 'percentage' ? input.value! : null,
      amount_off: input.type === 'fixed' ? input.value! : null,
      min_subtotal: input.min_subtotal ?? null,
      currency: input.currency ?? null,
      starts_at: input.starts_at ?? null,
      ends_at: input.ends_at ?? null,
      usage_limit: input.usage_limit ?? null,
      times_used: 0,
      active: input.active === false ? 0 : 1,
      metadata: toJson(input.metadata ?? {}),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await refuseDuplicate(trx.insertInto('promotions').values(row).execute(), () => codeTaken(input.code));
    const promotion = toPromotion(row);
    await recordEvent(trx, ctx, 'promotion.created', promotion);
    return promotion;
  });
}

async function promotionRow(db: Executor, idOrCode: string): Promise<PromotionsTable | undefined> {
  const q = db.selectFrom('promotions').selectAll();
  return idOrCode.startsWith('promo_')
    ? q.where('id', '=', idOrCode).executeTakeFirst()
    : q.where('code_normalized', '=', normalizeCode(idOrCode)).executeTakeFirst();
}

/** By id, or by code (case-insensitive). */
export async function getPromotion(db: Executor, idOrCode: string): Promise<Promotion> {
  const row = await promotionRow(db, idOrCode);
  if (!row) throw new NotFoundError('promotion', idOrCode);
  return toPromotion(row);
}

export async function listPromotions(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<PromotionsTable>(db, promotionListSpec, query), toPromotion);
}

async function lockPromotion(trx: Trx, idOrCode: string, expected: ExpectedVersion): Promise<PromotionsTable> {
  const found = await promotionRow(trx, idOrCode);
  const row = found && (await selectForUpdate(trx, 'promotions', found.id));
  if (!row) throw new NotFoundError('promotion', idOrCode);
  assertExpectedVersion(expected, row.version);
  return row;
}

export async function updatePromotion(
  db: DB,
  ctx: RequestContext,
  idOrCode: string,
  input: UpdatePromotionInput,
  expected?: ExpectedVersion,
): Promise<Promotion> {
  return inTransaction(db, async (trx) => {
    const row = await lockPromotion(trx, idOrCode, expected);
    const before = toPromotion(row);
    const next: Promotion = { ...before };
    for (const key of [
      'code',
      'description',
      'type',
      'min_subtotal',
      'currency',
      'starts_at',
      'ends_at',
      'usage_limit',
      'active',
    ] as const) {
      if (input[key] !== undefined) (next as any)[key] = input[key];
    }
    if (input.value !== undefined) next.value = input.value;
    else if (input.type !== undefined && input.type !== before.type) next.value = null;
    next.metadata = mergeMetadata(before.metadata, input.metadata);
    const issue = promotionValueIssue(next.type, next.value);
    if (issue) throw new ValidationError(issue, [{ path: 'value', message: issue }]);
    if (next.starts_at && next.ends_at && Date.parse(next.ends_at) <= Date.parse(next.starts_at))
      throw new ValidationError('ends_at must be after starts_at.', [
        { path: 'ends_at', message: 'Must be after starts_at' },
      ]);
    if (next.usage_limit != null && next.usage_limit < next.times_used) {
      throw new ConflictError(
        'usage_limit_below_times_used',
        `usage_limit ${next.usage_limit} is below times_used ${next.times_used}.`,
        { times_used: next.times_used },
        'usage_limit',
      );
    }
    const previous = changedAttributes(before, next);
    if (Object.keys(previous).length === 0) return before;
    next.version = row.version + 1;
    next.updated_at = nowIso();
    await refuseDuplicate(
      trx
        .updateTable('promotions')
        .set({
          code: next.code,
          code_normalized: normalizeCode(next.code),
          description: next.description,
          type: next.type,
          percent_off: next.type === 'percentage' ? next.value : null,
          amount_off: next.type === 'fixed' ? next.value : null,
          min_subtotal: next.min_subtotal,
          currency: next.currency,
          starts_at: next.starts_at,
          ends_at: next.ends_at,
          usage_limit: next.usage_limit,
          active: next.active ? 1 : 0,
          metadata: toJson(next.metadata),
          version: next.version,
          updated_at: next.updated_at,
        })
        .where('id', '=', row.id)
        .execute(),
      () => codeTaken(next.code),
    );
    await recordEvent(trx, ctx, 'promotion.updated', next, previous);
    return next;
  });
}

/** A promotion some order has used stays, for those orders' sake: deactivate it instead. */
export async function deletePromotion(db: DB, ctx: RequestContext, idOrCode: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const row = await lockPromotion(trx, idOrCode, expected);
    const used = await trx
      .selectFrom('order_promotions')
      .select('id')
      .where('promotion_id', '=', row.id)
      .limit(1)
      .executeTakeFirst();
    if (used)
      throw new ConflictError(
        'promotion_in_use',
        `Promotion ${row.code} is applied to orders; set active=false instead of deleting it.`,
      );
    await trx.deleteFrom('promotions').where('id', '=', row.id).execute();
    await recordEvent(trx, ctx, 'promotion.deleted', toPromotion(row));
    return { id: row.id, object: 'promotion' as const, deleted: true as const };
  });
}

// ---------------------------------------------------------------- used by orders

function notApplicable(code: string, reason: string, message: string): ConflictError {
  return new ConflictError(
    'promotion_not_applicable',
    `Promotion "${code}" cannot be applied: ${message}.`,
    { code, reason },
    'code',
  );
}

/**
 * Finds the promotion for `code` and checks it may be applied to an order now, then claims one use
 * with a conditional increment (`times_used < usage_limit` in the UPDATE itself), so concurrent
 * orders can never exceed the limit.
 */
export async function claimPromotion(
  trx: Trx,
  code: string,
  order: { subtotal: number; currency: string },
  now = nowIso(),
): Promise<PromotionsTable> {
  const row = await trx
    .selectFrom('promotions')
    .selectAll()
    .where('code_normalized', '=', normalizeCode(code))
    .executeTakeFirst();
  if (!row) throw notApplicable(code, 'unknown_code', 'no promotion has this code');
  if (row.active !== 1) throw notApplicable(code, 'inactive', 'it is not active');
  // Instants, not text: a window stored before dates were bounded (`+010000-...`) still compares right.
  const at = Date.parse(now);
  if (row.starts_at && at < Date.parse(row.starts_at))
    throw notApplicable(code, 'not_started', `it starts at ${row.starts_at}`);
  if (row.ends_at && at >= Date.parse(row.ends_at)) throw notApplicable(code, 'expired', `it ended at ${row.ends_at}`);
  if (row.currency && row.currency !== order.currency)
    throw notApplicable(code, 'currency_mismatch', `it is for ${row.currency} orders`);
  if (row.min_subtotal != null && order.subtotal < Number(row.min_subtotal)) {
    throw notApplicable(
      code,
      'minimum_not_met',
      `the subtotal ${order.subtotal} is below its minimum ${row.min_subtotal}`,
    );
  }
  const claimed = await trx
    .updateTable('promotions')
    .set({ times_used: sql`times_used + 1` })
    .where('id', '=', row.id)
    .where('active', '=', 1)
    .where((eb) => eb.or([eb('usage_limit', 'is', null), eb('times_used', '<', eb.ref('usage_limit'))]))
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0)
    throw notApplicable(code, 'usage_limit_reached', `its usage limit of ${row.usage_limit} is reached`);
  return { ...row, times_used: Number(row.times_used) + 1 };
}

/** Gives back one use (a promotion removed from an order). */
export async function releasePromotionUse(trx: Trx, promotionId: string): Promise<void> {
  await trx
    .updateTable('promotions')
    .set({ times_used: sql`times_used - 1` })
    .where('id', '=', promotionId)
    .where('times_used', '>', 0)
    .execute();
}
