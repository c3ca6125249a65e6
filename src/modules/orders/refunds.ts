import type { DB, Executor, Trx } from '../../db/connection.js';
import type { RequestContext } from '../../platform/context.js';
import { NotFoundError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import type { Refund } from './schemas.js';
import type { RefundMethod, RefundsTable } from './tables.js';

/** Refunds are created by order actions (refund, cancel, exchange) and are read-only afterwards. */
export function toRefund(row: RefundsTable): Refund {
  return {
    id: row.id,
    object: 'refund',
    order_id: row.order_id,
    return_id: row.return_id,
    amount: Number(row.amount),
    currency: row.currency,
    reason: row.reason,
    method: row.method,
    status: row.status,
    line_items: parseJson(row.line_items, []),
    exchange_order_id: row.exchange_order_id,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export interface NewRefund {
  order: { id: string; currency: string };
  amount: number;
  reason?: string | null;
  method: RefundMethod;
  line_items?: Array<{ order_line_item_id: string; quantity: number; amount: number }>;
  return_id?: string | null;
  exchange_order_id?: string | null;
  metadata?: Record<string, unknown>;
  now?: string;
}

/** Writes a refund and its event in the caller's transaction; the caller updates the order's totals. */
export async function insertRefund(trx: Trx, ctx: RequestContext, input: NewRefund): Promise<Refund> {
  const now = input.now ?? nowIso();
  const row: RefundsTable = {
    id: newId('re'),
    order_id: input.order.id,
    return_id: input.return_id ?? null,
    amount: input.amount,
    currency: input.order.currency,
    reason: input.reason ?? null,
    method: input.method,
    status: 'succeeded',
    line_items: toJson(input.line_items ?? []),
    exchange_order_id: input.exchange_order_id ?? null,
    metadata: toJson(input.metadata ?? {}),
    version: 1,
    created_at: now,
    updated_at: now,
  };
  await trx.insertInto('refunds').values(row).execute();
  const refund = toRefund(row);
  await recordEvent(trx, ctx, 'refund.created', refund);
  return refund;
}

export const refundListSpec: ListSpec = {
  table: 'refunds',
  sortable: ['amount'],
  filters: {
    order_id: { kind: 'exact', column: 'order_id' },
    return_id: { kind: 'exact', column: 'return_id' },
    method: { kind: 'exact', column: 'method', values: ['original_payment', 'exchange_credit'] },
  },
};

export async function getRefund(db: Executor, id: string): Promise<Refund> {
  const row = await db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('refund', id);
  return toRefund(row);
}

export async function listRefunds(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<RefundsTable>(db, refundListSpec, query), toRefund);
}
