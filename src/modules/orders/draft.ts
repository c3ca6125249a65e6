import { ConflictError } from '../../platform/errors.js';
import { parseJson, tagsIndex, toJson } from '../../platform/json.js';
import type {
  FulfillmentStatus,
  OrderDiscountsTable,
  OrderLineItemsTable,
  OrderPromotionsTable,
  OrdersTable,
  OrderStatus,
} from './tables.js';
import { computeOrderTotals, paymentStatusOf, type TotalsAdjustmentInput } from './totals.js';
import { transitionOrder } from './transitions.js';

/**
 * The order's rules of quantities and money, each written once: what a line has left to ship,
 * to return, to refund; what the order has left to refund and still owes; its totals and the
 * statuses derived from them. Commands change a draft and ask these; they never recompute a rule.
 * (The arithmetic of money itself, cents and rounding, is in totals.ts and platform/money.ts.)
 */

/**
 * An order as commands work on it: its row and its children, loaded once, changed in memory, then
 * written back by saveOrder (one UPDATE plus one upsert per changed child table).
 */
export interface OrderDraft {
  row: OrdersTable;
  lines: OrderLineItemsTable[];
  discounts: OrderDiscountsTable[];
  promotions: OrderPromotionsTable[];
}

export interface HoldInfo {
  reason: string;
  held_at: string;
  previous_status: OrderStatus;
}

export function cloneDraft(d: OrderDraft): OrderDraft {
  return {
    row: { ...d.row },
    lines: d.lines.map((l) => ({ ...l })),
    discounts: d.discounts.map((x) => ({ ...x })),
    promotions: d.promotions.map((x) => ({ ...x })),
  };
}

export function holdOf(row: OrdersTable): HoldInfo | null {
  return parseJson<HoldInfo | null>(row.hold, null);
}

// ---------------------------------------------------------------- per line

type LineQuantities = Pick<
  OrderLineItemsTable,
  'quantity' | 'quantity_shipped' | 'quantity_returned' | 'quantity_refunded'
>;

/** Units of the line not shipped yet: what can still ship, move to a split order, or be backordered. */
export const unshipped = (l: LineQuantities) => Number(l.quantity) - Number(l.quantity_shipped);

/** Shipped units not returned yet: what a return (or exchange) can still take back. */
export const returnable = (l: LineQuantities) => Number(l.quantity_shipped) - Number(l.quantity_returned);

/** Units whose money has not gone back yet: what a refund by line can still name. */
export const unrefunded = (l: LineQuantities) => Number(l.quantity) - Number(l.quantity_refunded);

/** Every unit of every line has shipped. */
export const allShipped = (lines: LineQuantities[]) => lines.every((l) => unshipped(l) === 0);

/**
 * 409 quantity_exceeds_remaining unless `quantity` units of the line are unshipped (`purpose`
 * says what they are for: "left to ship", "that can move").
 */
export function assertUnshipped(line: OrderLineItemsTable, quantity: number, purpose: string, param?: string): void {
  const remaining = unshipped(line);
  if (quantity > remaining) {
    throw new ConflictError(
      'quantity_exceeds_remaining',
      `Line ${line.id} (${line.sku}) has ${remaining} unit(s) ${purpose}, not ${quantity}.`,
      { line_item_id: line.id, remaining },
      param,
    );
  }
}

/**
 * Counts `quantity` more units of the line as refunded: never units refunded already (409
 * refund_exceeds_quantity at `param`). `lineId` names the line when it is not on the order.
 */
export function countRefundedUnits(
  line: OrderLineItemsTable | undefined,
  lineId: string,
  quantity: number,
  param: string,
): void {
  const left = line ? unrefunded(line) : 0;
  if (!line || quantity > left) {
    throw new ConflictError(
      'refund_exceeds_quantity',
      `Line ${lineId}${line ? ` (${line.sku})` : ''} has ${left} unit(s) not yet refunded; cannot refund ${quantity}.`,
      { line_item_id: lineId, refundable_quantity: left },
      param,
    );
  }
  line.quantity_refunded = Number(line.quantity_refunded) + quantity;
}

// ---------------------------------------------------------------- per order: money

type OrderMoney = Pick<OrdersTable, 'status' | 'total' | 'paid_total' | 'refunded_total' | 'edit_refunded_total'>;

/** Money paid and not yet refunded: the most any refund (or exchange credit) can give back. */
export const refundable = (r: Pick<OrdersTable, 'paid_total' | 'refunded_total'>) =>
  Number(r.paid_total) - Number(r.refunded_total);

/** What the order holds beyond what it is worth (a change lowered its total after payment). */
export const overpaid = (r: OrderMoney) => refundable(r) - Number(r.total);

/** What is still owed: the total less what was paid and kept (refunds after edits do not count as paid). */
export const balanceDue = (r: OrderMoney) =>
  r.status === 'cancelled' ? 0 : Math.max(0, Number(r.total) - (Number(r.paid_total) - Number(r.edit_refunded_total)));

/**
 * A pending order whose balance is covered (paid, or its total lowered to what was paid) moves to
 * processing through the transition table; a held one will return to processing when released.
 * `paidAt` is when its money came in (now, or the original's payment for a split).
 */
export function confirmIfPaid(d: OrderDraft, paidAt: string): void {
  if (balanceDue(d.row) > 0) return;
  if (d.row.status === 'pending') {
    d.row.status = transitionOrder('confirm_payment', d.row).to;
    d.row.paid_at ??= paidAt;
  } else if (d.row.status === 'on_hold') {
    const hold = holdOf(d.row);
    if (hold?.previous_status === 'pending') {
      d.row.hold = toJson({ ...hold, previous_status: 'processing' });
      d.row.paid_at ??= paidAt;
    }
  }
}

// ---------------------------------------------------------------- totals and derived statuses

function adjustmentOf(x: {
  type: string;
  percent_off: number | null;
  amount_off: number | null;
}): TotalsAdjustmentInput {
  if (x.type === 'percentage') return { type: 'percentage', percentOff: Number(x.percent_off) };
  if (x.type === 'fixed') return { type: 'fixed', amountOff: Number(x.amount_off) };
  return { type: 'free_shipping' };
}

export function fulfillmentStatusOf(d: OrderDraft): FulfillmentStatus {
  let quantity = 0;
  let shipped = 0;
  let returned = 0;
  for (const l of d.lines) {
    quantity += Number(l.quantity);
    shipped += Number(l.quantity_shipped);
    returned += Number(l.quantity_returned);
  }
  if (returned > 0) return returned >= quantity ? 'returned' : 'partially_returned';
  if (d.row.status === 'delivered') return 'delivered';
  if (shipped === 0) return 'unfulfilled';
  return shipped >= quantity ? 'shipped' : 'partially_shipped';
}

/**
 * Recomputes the draft's money with computeOrderTotals and writes every computed figure into it:
 * line discount/tax/total, each discount's and promotion's amount, the order totals and the
 * statuses derived from them.
 */
export function applyTotals(d: OrderDraft): void {
  const r = d.row;
  const totals = computeOrderTotals({
    lines: d.lines.map((l) => ({ quantity: Number(l.quantity), price: Number(l.price) })),
    adjustments: [...d.discounts.map(adjustmentOf), ...d.promotions.map(adjustmentOf)],
    taxRate: r.tax_rate,
    taxAmount: r.tax_amount == null ? null : Number(r.tax_amount),
    shipping: Number(r.shipping_amount),
    paid: Number(r.paid_total),
    refunded: Number(r.refunded_total),
  });
  d.lines.forEach((l, i) => Object.assign(l, totals.lines[i]));
  d.discounts.forEach((x, i) => (x.amount = totals.adjustments[i]));
  d.promotions.forEach((x, i) => (x.amount = totals.adjustments[d.discounts.length + i]));
  r.subtotal = totals.subtotal;
  r.discount_total = totals.discount;
  r.tax_total = totals.tax;
  r.shipping_total = totals.shipping;
  r.total = totals.total;
  // An order merged away keeps the statuses it had; its lines and money now live on the other order.
  if (r.status === 'merged') return;
  r.payment_status = paymentStatusOf(totals);
  r.fulfillment_status = fulfillmentStatusOf(d);
}

export const isOrderNumber = (value: string) => /^ORD-\d+$/i.test(value);

export function searchTextOf(
  r: Pick<OrdersTable, 'order_number' | 'customer_email' | 'customer_first_name' | 'customer_last_name'>,
): string {
  return [r.order_number, r.customer_email, r.customer_first_name, r.customer_last_name]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
}

export function setTags(r: OrdersTable, tags: string[]): void {
  r.tags = toJson(tags);
  r.tags_index = tagsIndex(tags);
}
