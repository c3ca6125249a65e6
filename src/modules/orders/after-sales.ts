import { adjustOrderStats } from '../customers/index.js';
import type { Trx } from '../../db/connection.js';
import type { RequestContext } from '../../platform/context.js';
import { ConflictError, ValidationError } from '../../platform/errors.js';
import { parseJson } from '../../platform/json.js';
import { allocateByLargestRemainder } from '../../platform/money.js';
import { insertRefund } from './refunds.js';
import type { LineItemInput, Order, Refund } from './schemas.js';
import { countRefundedUnits, refundable, returnable, type OrderDraft } from './draft.js';
import type { RefundMethod } from './tables.js';
import { lineValueOfUnits } from './totals.js';
import { transitionOrder } from './transitions.js';
import { placeOrder } from './commands/create.js';
import { type LineRef, resolveLine, resolveLineQuantities } from './lines.js';

/**
 * What the order offers after-sales documents (the returns and warranties modules): the order's
 * own rules for returned and refunded units and its money, applied to a locked draft inside the
 * caller's transaction (orderCommand or lockOrder + saveOrder). The documents keep their own
 * tables; the order keeps its counters (quantity_returned, quantity_refunded, refunded_total).
 */

/** Units of order lines with what they are worth (their share of the line total, in cents). */
export interface OrderUnits {
  order_line_item_id: string;
  sku: string;
  quantity: number;
  refund_amount: number;
  /** The position of the item in the request, for error paths. */
  index: number;
}

/**
 * Counts shipped units as returned, one entry per item given (several items may name one line, e.g.
 * one per unit condition): never more than shipped minus already returned over the line (409
 * return_exceeds_shipped). Each entry is valued by cumulative shares of its line total, so however
 * units are split over returns they add up to the line total. Answers the order event to record.
 */
export function returnUnits(
  next: OrderDraft,
  items: Array<LineRef & { quantity: number }>,
  field: string,
  action: 'return' | 'exchange' = 'return',
): { event: string; units: OrderUnits[] } {
  const { event } = transitionOrder(action, next.row);
  const units = items.map((item, index) => {
    const line = resolveLine(next, item, `${field}[${index}]`);
    const left = returnable(line);
    if (item.quantity > left) {
      throw new ConflictError(
        'return_exceeds_shipped',
        `Line ${line.id} (${line.sku}) has ${left} shipped unit(s) not yet returned; cannot return ${item.quantity}.`,
        { line_item_id: line.id, returnable: left },
        `${field}[${index}].quantity`,
      );
    }
    const value = lineValueOfUnits(
      { total: Number(line.total), quantity: Number(line.quantity) },
      Number(line.quantity_returned),
      item.quantity,
    );
    line.quantity_returned = Number(line.quantity_returned) + item.quantity;
    return { order_line_item_id: line.id, sku: line.sku, quantity: item.quantity, refund_amount: value, index };
  });
  return { event, units };
}

/**
 * Gives units back to their lines' returnable quantity (a return rejected, cancelled, or a return
 * line removed): they no longer count as returned. Answers the order event to record.
 */
export function unreturnUnits(
  next: OrderDraft,
  units: Array<{ order_line_item_id: string; quantity: number }>,
): string {
  for (const unit of units) {
    const line = next.lines.find((l) => l.id === unit.order_line_item_id);
    if (!line) continue; // a line removed from the order holds no returned units
    line.quantity_returned = Math.max(0, Number(line.quantity_returned) - unit.quantity);
  }
  return 'order.updated';
}

/** Units whose money goes back (a refunded return, an exchange credit): never units refunded already. */
export function countUnitsAsRefunded(
  d: OrderDraft,
  units: Array<{ order_line_item_id: string; quantity: number }>,
  param: string,
): void {
  for (const unit of units) {
    const line = d.lines.find((l) => l.id === unit.order_line_item_id);
    countRefundedUnits(line, unit.order_line_item_id, unit.quantity, param);
  }
}

export interface RefundLine {
  order_line_item_id: string;
  quantity: number;
  amount: number;
}

/** Units named by line (id or SKU) and quantity, counted as refunded and valued by their share of the line total. */
export function refundUnitsByLine(
  next: OrderDraft,
  items: Array<LineRef & { quantity: number }>,
  field: string,
): RefundLine[] {
  transitionOrder('refund', next.row);
  return resolveLineQuantities(next, items, field).map(({ line, quantity, index }) => {
    const already = Number(line.quantity_refunded);
    countRefundedUnits(line, line.id, quantity, `${field}[${index}].quantity`);
    const amount = lineValueOfUnits({ total: Number(line.total), quantity: Number(line.quantity) }, already, quantity);
    return { order_line_item_id: line.id, quantity, amount };
  });
}

export interface OrderRefundInput {
  /** Default: what the line_items are worth. */
  amount?: number;
  line_items: RefundLine[];
  /** line_items were named by the caller: the amount may not exceed what they are worth. */
  linesNamed?: boolean;
  reason?: string | null;
  method?: RefundMethod;
  return_id?: string | null;
  metadata?: Record<string, unknown>;
  now: string;
}

/**
 * Pays money back on the order: never more than paid minus refunded (409 refund_exceeds_paid), nor
 * (named line_items) more than the units are worth (409 refund_exceeds_lines). A smaller amount is
 * spread over the units by their value so the refund's lines add up to it. Writes the Refund,
 * raises refunded_total and lowers the customer's lifetime value; answers the order event.
 */
export async function recordOrderRefund(
  trx: Trx,
  ctx: RequestContext,
  next: OrderDraft,
  input: OrderRefundInput,
): Promise<{ event: string; refund: Refund; amount: number }> {
  const { event } = transitionOrder('refund', next.row);
  const r = next.row;
  const left = refundable(r);
  let lineItems = input.line_items;
  const linesValue = lineItems.reduce((n, l) => n + l.amount, 0);
  const amount = input.amount ?? linesValue;
  // Named units are refunded at most what they are worth, or the rest of the order would be paid back through them.
  if (input.linesNamed && amount > linesValue) {
    throw new ConflictError(
      'refund_exceeds_lines',
      `Cannot refund ${amount} for the units named: they are worth ${linesValue}.`,
      { refundable: linesValue },
      'amount',
    );
  }
  if (amount < linesValue) {
    const parts = allocateByLargestRemainder(
      amount,
      lineItems.map((l) => l.amount),
    );
    lineItems = lineItems.map((l, i) => ({ ...l, amount: parts[i] }));
  }
  if (amount > left || left === 0) {
    throw new ConflictError(
      'refund_exceeds_paid',
      `Cannot refund ${amount}: order ${r.order_number} has ${left} paid and not yet refunded.`,
      { refundable: left },
      'amount',
    );
  }
  if (amount <= 0)
    throw new ValidationError('Nothing to refund: the units named are worth 0.', [
      { path: 'line_items', message: 'Worth 0' },
    ]);
  const refund = await insertRefund(trx, ctx, {
    order: r,
    amount,
    reason: input.reason,
    method: input.method ?? 'original_payment',
    line_items: lineItems,
    return_id: input.return_id,
    metadata: input.metadata,
    now: input.now,
  });
  r.refunded_total = Number(r.refunded_total) + amount;
  await adjustOrderStats(trx, r.customer_id, { value: -amount });
  return { event, refund, amount };
}

/**
 * The new order of an exchange, linked to its return: `value` (what the returned units are worth,
 * up to what was paid and not refunded) is credited: it pays the new order (an exchange_credit
 * refund here and a payment there) and any rest is refunded to the original payment. The new order
 * reserves its stock like any order and stays unpaid for any difference.
 */
export async function exchangeIntoNewOrder(
  trx: Trx,
  ctx: RequestContext,
  next: OrderDraft,
  input: {
    returnId: string;
    value: number;
    new_items: LineItemInput[];
    allow_backorder?: boolean;
    linesField: string;
    now: string;
  },
): Promise<{ event: string; exchangeOrder: Order; refunds: Refund[]; credit: number; applied: number }> {
  const { event } = transitionOrder('exchange', next.row);
  const r = next.row;
  const credit = Math.max(0, Math.min(input.value, refundable(r)));
  const { order: exchangeOrder } = await placeOrder(
    trx,
    ctx,
    {
      line_items: input.new_items,
      customer_id: r.customer_id,
      shipping_address: parseJson<any>(r.shipping_address, null),
      billing_address: parseJson<any>(r.billing_address, null),
      shipping: { method: r.shipping_method, carrier: r.shipping_carrier, amount: 0 },
      currency: r.currency,
      tax_rate: r.tax_rate,
      source: r.source,
      allow_backorder: input.allow_backorder ?? false,
      notes: `Exchange for order ${r.order_number}`,
    },
    {
      exchangeForReturnId: input.returnId,
      now: input.now,
      credit: { upTo: credit, method: 'exchange_credit' },
      linesField: input.linesField,
    },
  );
  const applied = exchangeOrder.totals.paid;
  const refunds: Refund[] = [];
  const refundOf = (amount: number, method: RefundMethod) =>
    insertRefund(trx, ctx, {
      order: r,
      amount,
      reason: 'exchange',
      method,
      return_id: input.returnId,
      exchange_order_id: exchangeOrder.id,
      now: input.now,
    });
  if (applied > 0) refunds.push(await refundOf(applied, 'exchange_credit'));
  if (credit - applied > 0) refunds.push(await refundOf(credit - applied, 'original_payment'));
  r.refunded_total = Number(r.refunded_total) + credit;
  await adjustOrderStats(trx, r.customer_id, { value: -credit });
  return { event, exchangeOrder, refunds, credit, applied };
}
