import type { DB, Trx } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { ConflictError, ValidationError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { mergeMetadata } from '../../platform/schemas.js';
import { inTransaction } from '../../db/transaction.js';
import { parseJson, toJson } from '../../platform/json.js';
import { ensureItem, inItemOrder, postMovement, resolveLocationId } from '../inventory/index.js';
import {
  countUnitsAsRefunded,
  exchangeIntoNewOrder,
  getOrder,
  orderCommand,
  recordOrderRefund,
  refundUnitsByLine,
  returnUnits,
  unreturnUnits,
  type Order,
  type OrderDraft,
  type RefundInput,
  type RefundLine,
} from '../orders/index.js';
import type {
  ExchangeInput,
  InspectInput,
  ReceiveInput,
  RestockInput,
  Return,
  ReturnExchangeInput,
  ReturnRefundInput,
  UpdateReturnInput,
} from './schemas.js';
import {
  applyReturnTotals,
  cloneReturn,
  insertReturn,
  lockReturn,
  returnIdOf,
  saveReturn,
  toReturn,
  type ReturnDraft,
} from './service.js';
import { GOODS_IN_STATUSES, returnMachine, transitionReturn } from './transitions.js';

// ---------------------------------------------------------------- command runners

/** A command on the return alone: one transaction, the return locked and If-Match checked. */
async function returnCommand(
  db: DB,
  ctx: RequestContext,
  idOrRma: string,
  expected: ExpectedVersion,
  change: (trx: Trx, next: ReturnDraft, before: ReturnDraft, now: string) => Promise<string | null>,
): Promise<Return> {
  return inTransaction(db, async (trx) => {
    const { id } = await returnIdOf(trx, idOrRma);
    const before = await lockReturn(trx, id, expected);
    const next = cloneReturn(before);
    const now = nowIso();
    const event = await change(trx, next, before, now);
    if (event === null) return toReturn(before.row, before.lines);
    return saveReturn(trx, ctx, before, next, event, now);
  });
}

/**
 * A command that changes the return and its order (units counted as returned, money refunded):
 * the order is locked first, then the return (the order every such command takes, so two of
 * them cannot deadlock); If-Match applies to the return.
 */
export async function returnAndOrderCommand(
  db: DB,
  ctx: RequestContext,
  idOrRma: string,
  expected: ExpectedVersion,
  change: (
    trx: Trx,
    next: ReturnDraft,
    order: OrderDraft,
    now: string,
  ) => Promise<{ returnEvent: string | null; orderEvent: string | null }>,
): Promise<Return> {
  const { id, order_id } = await returnIdOf(db, idOrRma);
  const { result } = await orderCommand(db, ctx, order_id, undefined, async (trx, order, _before, now) => {
    const before = await lockReturn(trx, id, expected);
    const next = cloneReturn(before);
    const { returnEvent, orderEvent } = await change(trx, next, order, now);
    const saved = returnEvent
      ? await saveReturn(trx, ctx, before, next, returnEvent, now)
      : toReturn(before.row, before.lines);
    return { event: orderEvent, result: saved };
  });
  return result;
}

const isGoodsIn = (d: ReturnDraft) => GOODS_IN_STATUSES.includes(d.row.status);

function refuseIfRefunded(d: ReturnDraft, action: string): void {
  if (Number(d.row.refunded_amount) > 0 || d.row.exchange_order_id)
    throw new ConflictError(
      'return_already_refunded',
      `Return ${d.row.rma} has been refunded or exchanged (${d.row.refunded_amount}); it cannot be ${action}.`,
      { return_id: d.row.id, refunded: Number(d.row.refunded_amount) },
    );
}

function lineOf(d: ReturnDraft, id: string, path: string) {
  const line = d.lines.find((l) => l.id === id);
  if (!line)
    throw new ValidationError(`Return ${d.row.rma} has no line item "${id}".`, [
      { path, code: 'resource_missing', message: `No line item "${id}" on this return` },
    ]);
  return line;
}

// ---------------------------------------------------------------- simple transitions

export function updateReturn(
  db: DB,
  ctx: RequestContext,
  idOrRma: string,
  input: UpdateReturnInput,
  expected?: ExpectedVersion,
): Promise<Return> {
  return returnCommand(db, ctx, idOrRma, expected, async (_trx, next, before) => {
    const { event } = transitionReturn('update', next.row);
    const r = next.row;
    if (input.type !== undefined) r.type = input.type;
    if (input.reason_code !== undefined) r.reason_code = input.reason_code;
    for (const key of ['customer_notes', 'tracking_number', 'carrier'] as const)
      if (input[key] !== undefined) r[key] = input[key] ?? null;
    if (input.restocking_fee !== undefined && input.restocking_fee !== Number(r.restocking_fee)) {
      refuseIfRefunded(next, 'given another restocking fee');
      r.restocking_fee = input.restocking_fee;
    }
    r.metadata = toJson(mergeMetadata(parseJson(r.metadata, {}), input.metadata));
    applyReturnTotals(next);
    const changed = changedAttributes(toReturn(before.row, before.lines) as any, toReturn(next.row, next.lines) as any);
    return Object.keys(changed).length ? event : null;
  });
}

export function approveReturn(db: DB, ctx: RequestContext, idOrRma: string, expected?: ExpectedVersion) {
  return returnCommand(db, ctx, idOrRma, expected, async (_trx, next, _before, now) => {
    const { to, event } = transitionReturn('approve', next.row);
    next.row.status = to;
    next.row.approved_at = now;
    return event;
  });
}

/** Rejected or cancelled: its units no longer count as returned on the order (they can be returned again). */
function endReturn(action: 'reject' | 'cancel', reason: string | null) {
  return async (_trx: Trx, next: ReturnDraft, order: OrderDraft, now: string) => {
    const { to, event } = transitionReturn(action, next.row);
    refuseIfRefunded(next, action === 'reject' ? 'rejected' : 'cancelled');
    const orderEvent = unreturnUnits(order, next.lines);
    next.row.status = to;
    if (action === 'reject') {
      next.row.rejected_at = now;
      next.row.rejection_reason = reason;
    } else next.row.cancelled_at = now;
    return { returnEvent: event, orderEvent };
  };
}

export function rejectReturn(db: DB, ctx: RequestContext, idOrRma: string, reason: string, expected?: ExpectedVersion) {
  return returnAndOrderCommand(db, ctx, idOrRma, expected, endReturn('reject', reason));
}

export function cancelReturn(
  db: DB,
  ctx: RequestContext,
  idOrRma: string,
  reason: string | null | undefined,
  expected?: ExpectedVersion,
) {
  return returnAndOrderCommand(db, ctx, idOrRma, expected, endReturn('cancel', reason ?? null));
}

export function closeReturn(db: DB, ctx: RequestContext, idOrRma: string, expected?: ExpectedVersion) {
  return returnCommand(db, ctx, idOrRma, expected, async (_trx, next, _before, now) => {
    const { to, event } = transitionReturn('close', next.row);
    next.row.status = to;
    next.row.closed_at = now;
    return event;
  });
}

/**
 * Closed -> requested. A return that had been rejected takes its units back on the order (409
 * return_exceeds_shipped when they have been returned since), valued as they are now.
 */
export function reopenReturn(db: DB, ctx: RequestContext, idOrRma: string, expected?: ExpectedVersion) {
  return returnAndOrderCommand(db, ctx, idOrRma, expected, async (_trx, next, order) => {
    const { to, event } = transitionReturn('reopen', next.row);
    let orderEvent: string | null = null;
    if (next.row.rejected_at) {
      const taken = returnUnits(
        order,
        next.lines.map((l) => ({ id: l.order_line_item_id, quantity: Number(l.quantity) })),
        'line_items',
      );
      taken.units.forEach((u, i) => (next.lines[i].refund_amount = u.refund_amount));
      orderEvent = taken.event;
      next.row.rejected_at = null;
      next.row.rejection_reason = null;
    }
    next.row.status = to;
    next.row.closed_at = null;
    next.row.completed_at = null;
    return { returnEvent: event, orderEvent };
  });
}

// ---------------------------------------------------------------- the goods

/** Units arrive: partial receipts add up, never past a line's quantity. */
export function receiveReturn(
  db: DB,
  ctx: RequestContext,
  idOrRma: string,
  input: ReceiveInput,
  expected?: ExpectedVersion,
) {
  return returnCommand(db, ctx, idOrRma, expected, async (trx, next, _before, now) => {
    const { to, event } = transitionReturn('receive', next.row);
    const left = (l: ReturnDraft['lines'][number]) => Number(l.quantity) - Number(l.quantity_received);
    const receipts = input.line_items
      ? input.line_items.map((item, index) => ({
          line: lineOf(next, item.id, `line_items[${index}].id`),
          quantity: item.quantity,
          index,
        }))
      : next.lines.filter((l) => left(l) > 0).map((line, index) => ({ line, quantity: left(line), index }));
    if (receipts.length === 0)
      throw new ConflictError('nothing_to_receive', `Every unit of return ${next.row.rma} has been received.`);
    for (const { line, quantity, index } of receipts) {
      if (quantity > left(line))
        throw new ConflictError(
          'receive_exceeds_quantity',
          `Line ${line.id} (${line.sku}) has ${left(line)} unit(s) still to receive, not ${quantity}.`,
          { line_item_id: line.id, remaining: left(line) },
          `line_items[${index}].quantity`,
        );
      line.quantity_received = Number(line.quantity_received) + quantity;
      line.updated_at = now;
      // Conditional: a unit is received once, whatever runs beside this command.
      const done = await trx
        .updateTable('return_line_items')
        .set((eb) => ({ quantity_received: eb('quantity_received', '+', quantity), updated_at: now }))
        .where('id', '=', line.id)
        .where((eb) => eb(eb('quantity_received', '+', quantity), '<=', eb.ref('quantity')))
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1)
        throw new ConflictError('receive_exceeds_quantity', `Line ${line.id} (${line.sku}) was received meanwhile.`);
    }
    if (input.tracking_number !== undefined) next.row.tracking_number = input.tracking_number ?? null;
    if (input.carrier !== undefined) next.row.carrier = input.carrier ?? null;
    next.row.status = to;
    next.row.received_at ??= now;
    return event;
  });
}

export function inspectReturn(
  db: DB,
  ctx: RequestContext,
  idOrRma: string,
  input: InspectInput,
  expected?: ExpectedVersion,
) {
  return returnCommand(db, ctx, idOrRma, expected, async (_trx, next, _before, now) => {
    const { to, event } = transitionReturn('inspect', next.row);
    (input.line_items ?? []).forEach((item, index) => {
      const line = lineOf(next, item.id, `line_items[${index}].id`);
      if (item.condition !== undefined) line.condition = item.condition ?? null;
      if (item.resellable !== undefined) line.resellable = item.resellable ? 1 : 0;
    });
    next.row.inspection = toJson({
      condition: input.condition ?? null,
      notes: input.notes ?? null,
      defects: input.defects ?? [],
      recommended_action: input.recommended_action ?? null,
      inspected_at: now,
    });
    next.row.status = to;
    next.row.inspected_at = now;
    return event;
  });
}

/**
 * Puts received resellable units back on hand: a `return_restock` movement per line through the
 * ledger, at location_id or the order line's location. Each unit once, ever: quantity_restocked
 * rises by a conditional update that never passes quantity_received.
 */
export function restockReturn(
  db: DB,
  ctx: RequestContext,
  idOrRma: string,
  input: RestockInput,
  expected?: ExpectedVersion,
) {
  return returnCommand(db, ctx, idOrRma, expected, async (trx, next, _before, now) => {
    const { event } = transitionReturn('restock', next.row);
    const left = (l: ReturnDraft['lines'][number]) => Number(l.quantity_received) - Number(l.quantity_restocked);
    const wanted = input.line_items
      ? input.line_items.map((item, index) => {
          const line = lineOf(next, item.id, `line_items[${index}].id`);
          if (line.resellable !== 1)
            throw new ConflictError(
              'not_resellable',
              `Line ${line.id} (${line.sku}) is not resellable; its units cannot go back on hand.`,
              { line_item_id: line.id },
              `line_items[${index}].id`,
            );
          if (item.quantity > left(line))
            throw new ConflictError(
              'restock_exceeds_received',
              `Line ${line.id} (${line.sku}) has ${left(line)} received unit(s) not restocked yet, not ${item.quantity}.`,
              { line_item_id: line.id, restockable: left(line) },
              `line_items[${index}].quantity`,
            );
          return { line, quantity: item.quantity };
        })
      : next.lines.filter((l) => l.resellable === 1 && left(l) > 0).map((line) => ({ line, quantity: left(line) }));
    if (wanted.length === 0)
      throw new ConflictError(
        'nothing_to_restock',
        `Return ${next.row.rma} has no received resellable unit left to restock.`,
      );
    const location = input.location_id ? await resolveLocationId(trx, input.location_id, 'location_id') : null;
    const order = location ? null : await getOrder(trx, next.row.order_id);
    const entries = [];
    for (const w of wanted) {
      const at = location ?? order!.line_items.find((l) => l.id === w.line.order_line_item_id)?.location_id;
      if (!at)
        throw new ValidationError(`Name the location_id to restock ${w.line.sku} at.`, [
          { path: 'location_id', message: 'Required: the order line is no longer on the order' },
        ]);
      entries.push({ ...w, itemId: await ensureItem(trx, w.line.sku, at) });
    }
    // Items in id order, as every stock command locks them, so concurrent commands cannot deadlock.
    for (const { line, quantity, itemId } of inItemOrder(entries, (e) => e.itemId)) {
      const done = await trx
        .updateTable('return_line_items')
        .set((eb) => ({ quantity_restocked: eb('quantity_restocked', '+', quantity), updated_at: now }))
        .where('id', '=', line.id)
        .where('resellable', '=', 1)
        .where((eb) => eb(eb('quantity_restocked', '+', quantity), '<=', eb.ref('quantity_received')))
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1)
        throw new ConflictError(
          'already_restocked',
          `Units of line ${line.id} (${line.sku}) were restocked meanwhile.`,
        );
      line.quantity_restocked = Number(line.quantity_restocked) + quantity;
      line.updated_at = now;
      await postMovement(trx, ctx, {
        itemId,
        quantity,
        reason: 'return_restock',
        reference: { type: 'return', id: next.row.id, line_id: line.id },
        note: `return ${next.row.rma}`,
      });
    }
    next.row.restocked_at = now;
    return event;
  });
}

// ---------------------------------------------------------------- money

/**
 * Raises refunded_amount by `amount` only if the return's refund_total still allows it: the
 * database, not a read, decides, so parallel refunds of one return can never pay it twice.
 */
async function claimReturnMoney(trx: Trx, d: ReturnDraft, amount: number): Promise<void> {
  const r = d.row;
  const done = await trx
    .updateTable('returns')
    .set((eb) => ({
      refunded_amount: eb('refunded_amount', '+', amount),
      restocking_fee: Number(r.restocking_fee),
      refund_total: Number(r.refund_total),
    }))
    .where('id', '=', r.id)
    .where((eb) => eb(eb('refunded_amount', '+', amount), '<=', Number(r.refund_total)))
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) !== 1)
    throw new ConflictError('return_already_refunded', `Return ${r.rma} is already refunded (${r.refund_total}).`, {
      return_id: r.id,
    });
  r.refunded_amount = Number(r.refunded_amount) + amount;
}

/** The return's units, counted as refunded on their order lines, with what each is worth. */
function returnUnitsAsRefunded(d: ReturnDraft, order: OrderDraft, param: string): RefundLine[] {
  countUnitsAsRefunded(
    order,
    d.lines.map((l) => ({ order_line_item_id: l.order_line_item_id, quantity: Number(l.quantity) })),
    param,
  );
  return d.lines.map((l) => ({
    order_line_item_id: l.order_line_item_id,
    quantity: Number(l.quantity),
    amount: Number(l.refund_amount),
  }));
}

/**
 * Pays `amount` of the return back on its order (one Refund), claims it on the return, and moves
 * the return on: completed when its goods are in and nothing is left to refund.
 */
async function payReturn(
  trx: Trx,
  ctx: RequestContext,
  next: ReturnDraft,
  order: OrderDraft,
  input: {
    amount: number;
    lineItems: RefundLine[];
    linesNamed: boolean;
    reason?: string | null;
    metadata?: Record<string, unknown>;
    now: string;
  },
) {
  const unrefunded = Number(next.row.refund_total) - Number(next.row.refunded_amount);
  const completes = input.amount === unrefunded && isGoodsIn(next);
  const { to } = transitionReturn(completes ? 'refund' : 'refund_in_advance', next.row, 'refund');
  const { event, refund } = await recordOrderRefund(trx, ctx, order, {
    amount: input.amount,
    line_items: input.lineItems,
    linesNamed: input.linesNamed,
    reason: input.reason,
    return_id: next.row.id,
    metadata: input.metadata,
    now: input.now,
  });
  await claimReturnMoney(trx, next, input.amount);
  next.row.refund_id ??= refund.id;
  next.row.status = to;
  if (to === 'completed') next.row.completed_at = input.now;
  return { returnEvent: 'return.refunded', orderEvent: event };
}

/**
 * POST /v1/returns/:id/refund: one Refund on the order for refund_total (less the restocking fee,
 * which may be set here before anything is refunded), counted against the return's units. Once:
 * a return with nothing left to refund is refused (409 return_already_refunded), unless its goods
 * are in, when the call completes it (its money was refunded in advance or credited to an exchange).
 */
export function refundReturn(
  db: DB,
  ctx: RequestContext,
  idOrRma: string,
  input: ReturnRefundInput,
  expected?: ExpectedVersion,
) {
  return returnAndOrderCommand(db, ctx, idOrRma, expected, async (trx, next, order, now) => {
    const r = next.row;
    if (!returnMachine.can('refund_in_advance', r.status)) transitionReturn('refund', r);
    if (input.restocking_fee !== undefined && input.restocking_fee !== Number(r.restocking_fee)) {
      refuseIfRefunded(next, 'given another restocking fee');
      r.restocking_fee = input.restocking_fee;
      applyReturnTotals(next);
    }
    const unrefunded = Number(r.refund_total) - Number(r.refunded_amount);
    if (unrefunded <= 0) {
      if (!returnMachine.can('complete', r.status))
        throw new ConflictError('return_already_refunded', `Return ${r.rma} is already refunded (${r.refund_total}).`, {
          return_id: r.id,
        });
      const { to, event } = transitionReturn('complete', r);
      r.status = to;
      r.completed_at = now;
      return { returnEvent: event, orderEvent: null };
    }
    const lineItems = Number(r.refunded_amount) === 0 ? returnUnitsAsRefunded(next, order, 'id') : [];
    return payReturn(trx, ctx, next, order, {
      amount: unrefunded,
      lineItems,
      linesNamed: false,
      reason: input.reason,
      metadata: input.metadata,
      now,
    });
  });
}

/**
 * The order's refund action with return_id (POST /v1/orders/:id/refund), kept as it was: amount
 * (default what the return has not had refunded), or line_items attributed to the return; a return
 * is refunded at most its refund_total over all its refunds. Orders hands it here (app.ts).
 */
export async function refundReturnThroughOrder(
  db: DB,
  ctx: RequestContext,
  orderId: string,
  input: RefundInput,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order: saved } = await orderCommand(db, ctx, orderId, expected, async (trx, order, _before, now) => {
    const returnId = input.return_id!;
    const found = await trx
      .selectFrom('returns')
      .select(['id', 'order_id'])
      .where('id', '=', returnId)
      .executeTakeFirst();
    if (!found || found.order_id !== order.row.id)
      throw new ValidationError(`Order ${order.row.order_number} has no return "${returnId}".`, [
        { path: 'return_id', code: 'resource_missing', message: 'No such return on this order' },
      ]);
    const before = await lockReturn(trx, found.id);
    const next = cloneReturn(before);
    const r = next.row;
    const unrefunded = Number(r.refund_total) - Number(r.refunded_amount);
    if (unrefunded <= 0)
      throw new ConflictError(
        'return_already_refunded',
        `Return ${r.rma} is already refunded (${r.refund_total}).`,
        { return_id: r.id },
        'return_id',
      );
    const lineItems = input.line_items
      ? refundUnitsByLine(order, input.line_items, 'line_items')
      : Number(r.refunded_amount) === 0
        ? returnUnitsAsRefunded(next, order, 'return_id')
        : [];
    const linesValue = lineItems.reduce((n, l) => n + l.amount, 0);
    const amount = input.amount ?? (input.line_items ? linesValue : unrefunded);
    if (input.line_items && amount > linesValue)
      throw new ConflictError(
        'refund_exceeds_lines',
        `Cannot refund ${amount} for the units named: they are worth ${linesValue}.`,
        { refundable: linesValue },
        'amount',
      );
    if (amount > unrefunded)
      throw new ConflictError(
        'refund_exceeds_return',
        `Cannot refund ${amount} for return ${r.rma}: ${unrefunded} of it is not yet refunded.`,
        { refundable: unrefunded },
        'amount',
      );
    const { returnEvent, orderEvent } = await payReturn(trx, ctx, next, order, {
      amount,
      lineItems,
      linesNamed: input.line_items !== undefined,
      reason: input.reason,
      metadata: input.metadata,
      now,
    });
    await saveReturn(trx, ctx, before, next, returnEvent, now);
    return { event: orderEvent };
  });
  return saved;
}

// ---------------------------------------------------------------- exchanges

/**
 * POST /v1/returns/:id/exchange: a new order for new_items (reserving its stock) paid with what the
 * return has not had refunded (up to what the order has paid and not refunded); any rest of that
 * credit is refunded. Completes a return whose goods are in.
 */
export function exchangeReturn(
  db: DB,
  ctx: RequestContext,
  idOrRma: string,
  input: ReturnExchangeInput,
  expected?: ExpectedVersion,
) {
  return returnAndOrderCommand(db, ctx, idOrRma, expected, async (trx, next, order, now) => {
    const r = next.row;
    const completes = isGoodsIn(next);
    const { to, event } = transitionReturn(completes ? 'exchange' : 'exchange_in_advance', r, 'exchange');
    if (r.exchange_order_id)
      throw new ConflictError(
        'return_already_exchanged',
        `Return ${r.rma} already has an exchange order (${r.exchange_order_id}).`,
        { exchange_order_id: r.exchange_order_id },
      );
    if (Number(r.refunded_amount) === 0) returnUnitsAsRefunded(next, order, 'id');
    const value = Number(r.refund_total) - Number(r.refunded_amount);
    const ex = await exchangeIntoNewOrder(trx, ctx, order, {
      returnId: r.id,
      value,
      new_items: input.new_items,
      allow_backorder: input.allow_backorder,
      linesField: 'new_items',
      now,
    });
    if (ex.credit > 0) await claimReturnMoney(trx, next, ex.credit);
    r.exchange_order_id = ex.exchangeOrder.id;
    r.refund_id ??= ex.refunds[ex.refunds.length - 1]?.id ?? null;
    r.type = 'replacement';
    r.status = to;
    if (to === 'completed') r.completed_at = now;
    return { returnEvent: event, orderEvent: ex.event };
  });
}

/**
 * The order's exchange action (POST /v1/orders/:id/exchange): returns units and creates a new order
 * for the new items, linked both ways, in one step. What the returned units are worth (up to what
 * was paid and not refunded) pays the new order, and any rest is refunded; the new order is left
 * unpaid for any difference. The return (type replacement) then follows the returns workflow.
 */
export async function exchangeOrder(
  db: DB,
  ctx: RequestContext,
  orderId: string,
  input: ExchangeInput,
  expected?: ExpectedVersion,
) {
  const { order, result } = await orderCommand(db, ctx, orderId, expected, async (trx, next, _before, now) => {
    const { event, units } = returnUnits(next, input.return_items, 'return_items', 'exchange');
    // The returned units' value is credited (or refunded) below, so they count as refunded.
    countUnitsAsRefunded(next, units, 'return_items');
    const returnValue = units.reduce((n, l) => n + l.refund_amount, 0);
    const returnId = newId('ret');
    const ex = await exchangeIntoNewOrder(trx, ctx, next, {
      returnId,
      value: returnValue,
      new_items: input.new_items,
      allow_backorder: input.allow_backorder,
      linesField: 'new_items',
      now,
    });
    const created = await insertReturn(trx, ctx, {
      id: returnId,
      order: next.row,
      type: 'replacement',
      reason_code: input.reason_code,
      customer_notes: input.customer_notes,
      units,
      items: input.return_items,
      exchange_order_id: ex.exchangeOrder.id,
      refund_id: ex.refunds[ex.refunds.length - 1]?.id ?? null,
      refunded_amount: ex.credit,
      now,
    });
    const difference = ex.exchangeOrder.totals.total - returnValue;
    const answer = {
      return: created,
      exchange_order: ex.exchangeOrder,
      return_value: returnValue,
      credit_applied: ex.applied,
      price_difference: difference,
      settlement: (difference > 0 ? 'charge' : difference < 0 ? 'refund' : 'even') as 'charge' | 'refund' | 'even',
      amount_due: ex.exchangeOrder.totals.balance_due,
      amount_refunded: ex.credit - ex.applied,
      refunds: ex.refunds,
    };
    return { event, result: answer };
  });
  return { object: 'order_exchange' as const, order, ...result };
}

/**
 * DELETE /v1/returns/:id: only while requested and nothing refunded; its units no longer count as
 * returned on the order. Its events stay (return.deleted closes its timeline).
 */
export async function deleteReturn(db: DB, ctx: RequestContext, idOrRma: string, expected?: ExpectedVersion) {
  const { id, order_id } = await returnIdOf(db, idOrRma);
  await orderCommand(db, ctx, order_id, undefined, async (trx, order) => {
    const d = await lockReturn(trx, id, expected);
    transitionReturn('edit_lines', d.row, 'delete');
    refuseIfRefunded(d, 'deleted');
    const orderEvent = unreturnUnits(order, d.lines);
    await trx.deleteFrom('return_line_items').where('return_id', '=', id).execute();
    await trx.deleteFrom('returns').where('id', '=', id).execute();
    await recordEvent(trx, ctx, 'return.deleted', toReturn(d.row, d.lines));
    return { event: orderEvent };
  });
  return { id, object: 'return' as const, deleted: true as const };
}
