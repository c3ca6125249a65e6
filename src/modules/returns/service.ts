import type { DB, Executor, Trx } from '../../db/connection.js';
import type { RequestContext } from '../../platform/context.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { NotFoundError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import type { ReturnLineItemsTable, ReturnsTable, ReturnType } from './tables.js';
import { RETURN_REASON_CODES, RETURN_STATUSES, RETURN_TYPES, type Return } from './schemas.js';

export function toReturn(row: ReturnsTable, lines: ReturnLineItemsTable[]): Return {
  return {
    id: row.id,
    object: 'return',
    rma: row.rma,
    order_id: row.order_id,
    customer_id: row.customer_id,
    status: row.status,
    type: row.type,
    reason_code: row.reason_code as Return['reason_code'],
    customer_notes: row.customer_notes,
    line_items: lines.map((l) => ({
      id: l.id,
      object: 'return_line_item' as const,
      return_id: l.return_id,
      order_line_item_id: l.order_line_item_id,
      sku: l.sku,
      quantity: Number(l.quantity),
      reason: l.reason,
      condition: l.condition as Return['line_items'][number]['condition'],
      resellable: l.resellable === 1,
      refund_amount: Number(l.refund_amount),
      quantity_received: Number(l.quantity_received),
      quantity_restocked: Number(l.quantity_restocked),
      created_at: l.created_at,
      updated_at: l.updated_at,
    })),
    tracking_number: row.tracking_number,
    carrier: row.carrier,
    inspection: parseJson(row.inspection, null),
    currency: row.currency,
    totals: {
      refund_subtotal: Number(row.refund_subtotal),
      restocking_fee: Number(row.restocking_fee),
      refund_total: Number(row.refund_total),
    },
    refund_id: row.refund_id,
    exchange_order_id: row.exchange_order_id,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export interface NewReturn {
  /** Set when the caller needs the id before the return exists (an exchange order links to it). */
  id?: string;
  order: { id: string; customer_id: string; currency: string };
  type: ReturnType;
  reason_code: string;
  customer_notes?: string | null;
  tracking_number?: string | null;
  carrier?: string | null;
  metadata?: Record<string, unknown>;
  exchange_order_id?: string | null;
  refund_id?: string | null;
  lines: Array<{
    order_line_item_id: string;
    sku: string;
    quantity: number;
    reason?: string | null;
    condition?: string | null;
    resellable?: boolean;
    refund_amount: number;
  }>;
}

/** Creates a return (status requested) inside the caller's transaction: orders' return and exchange. */
export async function insertReturn(trx: Trx, ctx: RequestContext, input: NewReturn): Promise<Return> {
  const now = nowIso();
  const id = input.id ?? newId('ret');
  const refundSubtotal = input.lines.reduce((n, l) => n + l.refund_amount, 0);
  const row: ReturnsTable = {
    id,
    rma: formatNumber('RMA', await nextNumber(trx, 'rma')),
    order_id: input.order.id,
    customer_id: input.order.customer_id,
    status: 'requested',
    type: input.type,
    reason_code: input.reason_code,
    customer_notes: input.customer_notes ?? null,
    tracking_number: input.tracking_number ?? null,
    carrier: input.carrier ?? null,
    inspection: null,
    currency: input.order.currency,
    refund_subtotal: refundSubtotal,
    restocking_fee: 0,
    refund_total: refundSubtotal,
    refund_id: input.refund_id ?? null,
    exchange_order_id: input.exchange_order_id ?? null,
    metadata: toJson(input.metadata ?? {}),
    version: 1,
    created_at: now,
    updated_at: now,
  };
  const lines: ReturnLineItemsTable[] = input.lines.map((l) => ({
    id: newId('rli'),
    return_id: id,
    order_line_item_id: l.order_line_item_id,
    sku: l.sku,
    quantity: l.quantity,
    reason: l.reason ?? null,
    condition: l.condition ?? null,
    // Unless told otherwise, a unit is resellable when its condition does not say it is damaged.
    resellable: (l.resellable ?? (l.condition == null || !['poor', 'damaged'].includes(l.condition))) ? 1 : 0,
    refund_amount: l.refund_amount,
    quantity_received: 0,
    quantity_restocked: 0,
    created_at: now,
    updated_at: now,
  }));
  await trx.insertInto('returns').values(row).execute();
  await trx.insertInto('return_line_items').values(lines).execute();
  const result = toReturn(row, lines);
  await recordEvent(trx, ctx, 'return.created', result);
  return result;
}

export const returnListSpec: ListSpec = {
  table: 'returns',
  sortable: ['updated_at'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: RETURN_STATUSES },
    order_id: { kind: 'exact', column: 'order_id' },
    customer_id: { kind: 'exact', column: 'customer_id' },
    rma: { kind: 'exact', column: 'rma', normalize: (v) => v.toUpperCase() },
    reason_code: { kind: 'exact', column: 'reason_code', multi: true, values: RETURN_REASON_CODES },
    type: { kind: 'exact', column: 'type', values: RETURN_TYPES },
  },
};

async function withLines(db: Executor, rows: ReturnsTable[]): Promise<Return[]> {
  if (rows.length === 0) return [];
  const lines = await db
    .selectFrom('return_line_items')
    .selectAll()
    .where(
      'return_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('id')
    .execute();
  return rows.map((r) =>
    toReturn(
      r,
      lines.filter((l) => l.return_id === r.id),
    ),
  );
}

export async function getReturn(db: Executor, idOrRma: string): Promise<Return> {
  const column = /^RMA-\d+$/i.test(idOrRma) ? 'rma' : 'id';
  const row = await db
    .selectFrom('returns')
    .selectAll()
    .where(column, '=', column === 'rma' ? idOrRma.toUpperCase() : idOrRma)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('return', idOrRma);
  return (await withLines(db, [row]))[0];
}

export async function listReturns(db: DB, query: Record<string, unknown>) {
  const result = await runList<ReturnsTable>(db, returnListSpec, query);
  const data = await withLines(db, result.rows);
  return { ...toEnvelope(result, (r) => r), data };
}
