import type { DB, Executor, Trx } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { lockRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { orderCommand, returnUnits, type Order, type OrderUnits } from '../orders/index.js';
import type { ReturnLineItemsTable, ReturnsTable, ReturnType } from './tables.js';
import {
  RETURN_REASON_CODES,
  RETURN_STATUSES,
  RETURN_TYPES,
  type CreateReturnInput,
  type Return,
  type ReturnInput,
  type ReturnItem,
  type ReturnLineItem,
} from './schemas.js';

/** A return as commands work on it: its row and its lines, changed in memory, then saved by saveReturn. */
export interface ReturnDraft {
  row: ReturnsTable;
  lines: ReturnLineItemsTable[];
}

export function toReturnLine(l: ReturnLineItemsTable): ReturnLineItem {
  return {
    id: l.id,
    object: 'return_line_item' as const,
    return_id: l.return_id,
    order_line_item_id: l.order_line_item_id,
    sku: l.sku,
    quantity: Number(l.quantity),
    reason: l.reason,
    condition: l.condition as ReturnLineItem['condition'],
    resellable: l.resellable === 1,
    refund_amount: Number(l.refund_amount),
    quantity_received: Number(l.quantity_received),
    quantity_restocked: Number(l.quantity_restocked),
    created_at: l.created_at,
    updated_at: l.updated_at,
  };
}

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
    line_items: lines.map(toReturnLine),
    tracking_number: row.tracking_number,
    carrier: row.carrier,
    inspection: parseJson(row.inspection, null),
    currency: row.currency,
    totals: {
      refund_subtotal: Number(row.refund_subtotal),
      restocking_fee: Number(row.restocking_fee),
      refund_total: Number(row.refund_total),
      refunded: Number(row.refunded_amount),
    },
    refund_id: row.refund_id,
    exchange_order_id: row.exchange_order_id,
    rejection_reason: row.rejection_reason,
    approved_at: row.approved_at,
    received_at: row.received_at,
    inspected_at: row.inspected_at,
    restocked_at: row.restocked_at,
    completed_at: row.completed_at,
    rejected_at: row.rejected_at,
    cancelled_at: row.cancelled_at,
    closed_at: row.closed_at,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** What a return's lines are worth, less its restocking fee. */
export function applyReturnTotals(d: ReturnDraft): void {
  const subtotal = d.lines.reduce((n, l) => n + Number(l.refund_amount), 0);
  if (Number(d.row.restocking_fee) > subtotal)
    throw new ConflictError(
      'restocking_fee_exceeds_refund',
      `The restocking fee (${d.row.restocking_fee}) is more than return ${d.row.rma} is worth (${subtotal}).`,
      { refund_subtotal: subtotal },
      'restocking_fee',
    );
  d.row.refund_subtotal = subtotal;
  d.row.refund_total = subtotal - Number(d.row.restocking_fee);
}

// ---------------------------------------------------------------- reading

const isRma = (value: string) => /^RMA-\d+$/i.test(value);

async function linesOf(db: Executor, returnIds: string[]): Promise<ReturnLineItemsTable[]> {
  if (returnIds.length === 0) return [];
  return db
    .selectFrom('return_line_items')
    .selectAll()
    .where('return_id', 'in', returnIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

async function findReturnRow(db: Executor, idOrRma: string): Promise<ReturnsTable | undefined> {
  return isRma(idOrRma)
    ? db.selectFrom('returns').selectAll().where('rma', '=', idOrRma.toUpperCase()).executeTakeFirst()
    : db.selectFrom('returns').selectAll().where('id', '=', idOrRma).executeTakeFirst();
}

export async function loadReturn(db: Executor, idOrRma: string, param = 'id'): Promise<ReturnDraft> {
  const row = await findReturnRow(db, idOrRma);
  if (!row) throw new NotFoundError('return', idOrRma, param);
  return { row, lines: await linesOf(db, [row.id]) };
}

export async function getReturn(db: Executor, idOrRma: string): Promise<Return> {
  const d = await loadReturn(db, idOrRma);
  return toReturn(d.row, d.lines);
}

/** The return's id for a command (an RMA resolved), 404 when there is none. */
export async function returnIdOf(
  db: Executor,
  idOrRma: string,
  param = 'id',
): Promise<{ id: string; order_id: string }> {
  const q = db.selectFrom('returns').select(['id', 'order_id']);
  const found = await (
    isRma(idOrRma) ? q.where('rma', '=', idOrRma.toUpperCase()) : q.where('id', '=', idOrRma)
  ).executeTakeFirst();
  if (!found) throw new NotFoundError('return', idOrRma, param);
  return found;
}

/** Loads a return for a command: its row locked, If-Match checked, and its lines. */
export async function lockReturn(trx: Trx, id: string, expected?: ExpectedVersion): Promise<ReturnDraft> {
  const row = await lockRecord(trx, 'returns', 'return', id, expected);
  return { row, lines: await linesOf(trx, [row.id]) };
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

export async function listReturns(db: DB, query: Record<string, unknown>) {
  const result = await runList<ReturnsTable>(db, returnListSpec, query);
  const lines = await linesOf(
    db,
    result.rows.map((r) => r.id),
  );
  return toEnvelope(result, (r) =>
    toReturn(
      r,
      lines.filter((l) => l.return_id === r.id),
    ),
  );
}

// ---------------------------------------------------------------- writing

const changedLine = (a: ReturnLineItemsTable | undefined, b: ReturnLineItemsTable) =>
  !a || JSON.stringify(a) !== JSON.stringify(b);

/**
 * Persists a command's result: totals, version + 1, the changed lines (inserted, updated or
 * deleted) and the event with the attributes that changed. Answers the API object.
 */
export async function saveReturn(
  trx: Trx,
  ctx: RequestContext,
  before: ReturnDraft,
  after: ReturnDraft,
  event: string,
  now = nowIso(),
): Promise<Return> {
  applyReturnTotals(after);
  after.row.version = before.row.version + 1;
  after.row.updated_at = now;
  const previous = new Map(before.lines.map((l) => [l.id, l]));
  const kept = new Set(after.lines.map((l) => l.id));
  const removed = before.lines.filter((l) => !kept.has(l.id)).map((l) => l.id);
  if (removed.length) await trx.deleteFrom('return_line_items').where('id', 'in', removed).execute();
  for (const line of after.lines) {
    const old = previous.get(line.id);
    if (!changedLine(old, line)) continue;
    line.updated_at = now;
    if (old) {
      const { id, return_id: _r, created_at: _c, ...columns } = line;
      await trx.updateTable('return_line_items').set(columns).where('id', '=', id).execute();
    } else {
      await trx.insertInto('return_line_items').values(line).execute();
    }
  }
  const { id, created_at: _c, ...columns } = after.row;
  await trx.updateTable('returns').set(columns).where('id', '=', id).execute();
  const result = toReturn(after.row, after.lines);
  await recordEvent(
    trx,
    ctx,
    event,
    result,
    changedAttributes(toReturn(before.row, before.lines) as any, result as any),
  );
  return result;
}

export function cloneReturn(d: ReturnDraft): ReturnDraft {
  return { row: { ...d.row }, lines: d.lines.map((l) => ({ ...l })) };
}

/** Unless told otherwise, a unit is resellable when its condition does not say it is damaged. */
export const defaultResellable = (condition: string | null | undefined, resellable?: boolean) =>
  (resellable ?? (condition == null || !['poor', 'damaged'].includes(condition))) ? 1 : 0;

export function newReturnLine(
  returnId: string,
  unit: OrderUnits,
  item: Pick<ReturnItem, 'reason' | 'condition' | 'resellable'>,
  now: string,
): ReturnLineItemsTable {
  return {
    id: newId('rli'),
    return_id: returnId,
    order_line_item_id: unit.order_line_item_id,
    sku: unit.sku,
    quantity: unit.quantity,
    reason: item.reason ?? null,
    condition: item.condition ?? null,
    resellable: defaultResellable(item.condition, item.resellable),
    refund_amount: unit.refund_amount,
    quantity_received: 0,
    quantity_restocked: 0,
    created_at: now,
    updated_at: now,
  };
}

export interface NewReturn {
  id?: string;
  order: { id: string; customer_id: string; currency: string };
  type: ReturnType;
  reason_code: string;
  customer_notes?: string | null;
  tracking_number?: string | null;
  carrier?: string | null;
  restocking_fee?: number;
  metadata?: Record<string, unknown>;
  exchange_order_id?: string | null;
  refund_id?: string | null;
  refunded_amount?: number;
  units: OrderUnits[];
  items: Array<Pick<ReturnItem, 'reason' | 'condition' | 'resellable'>>;
  now: string;
}

/** Creates a return (status requested) and its lines inside the caller's transaction. */
export async function insertReturn(trx: Trx, ctx: RequestContext, input: NewReturn): Promise<Return> {
  const id = input.id ?? newId('ret');
  const now = input.now;
  const d: ReturnDraft = {
    row: {
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
      refund_subtotal: 0,
      restocking_fee: input.restocking_fee ?? 0,
      refund_total: 0,
      refunded_amount: input.refunded_amount ?? 0,
      refund_id: input.refund_id ?? null,
      exchange_order_id: input.exchange_order_id ?? null,
      rejection_reason: null,
      approved_at: null,
      received_at: null,
      inspected_at: null,
      restocked_at: null,
      completed_at: null,
      rejected_at: null,
      cancelled_at: null,
      closed_at: null,
      metadata: toJson(input.metadata ?? {}),
      version: 1,
      created_at: now,
      updated_at: now,
    },
    lines: input.units.map((unit) => newReturnLine(id, unit, input.items[unit.index], now)),
  };
  applyReturnTotals(d);
  await trx.insertInto('returns').values(d.row).execute();
  await trx.insertInto('return_line_items').values(d.lines).execute();
  const result = toReturn(d.row, d.lines);
  await recordEvent(trx, ctx, 'return.created', result);
  return result;
}

/**
 * A return of an order's shipped units: the order counts them as returned (never more than shipped
 * minus already returned) and the return starts requested. Both POST /v1/returns and the order's
 * return action come here.
 */
export async function createReturn(
  db: DB,
  ctx: RequestContext,
  orderId: string,
  input: ReturnInput & { restocking_fee?: number },
  expected?: ExpectedVersion,
): Promise<{ order: Order; return: Return }> {
  const { order, result } = await orderCommand(db, ctx, orderId, expected, async (trx, next, _before, now) => {
    const { event, units } = returnUnits(next, input.line_items, 'line_items');
    const created = await insertReturn(trx, ctx, {
      order: next.row,
      type: input.type,
      reason_code: input.reason_code,
      customer_notes: input.customer_notes,
      tracking_number: input.tracking_number,
      carrier: input.carrier,
      restocking_fee: input.restocking_fee,
      metadata: input.metadata,
      units,
      items: input.line_items,
      now,
    });
    return { event, result: created };
  });
  return { order, return: result };
}

export async function createReturnDirect(db: DB, ctx: RequestContext, input: CreateReturnInput): Promise<Return> {
  const { order_id, ...rest } = input;
  return (await createReturn(db, ctx, order_id, rest)).return;
}
