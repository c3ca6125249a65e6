import { ValidationError } from '../../platform/errors.js';
import { allocateByLargestRemainder, MAX_AMOUNT, percentOf } from '../../platform/money.js';
import type { PaymentStatus } from './tables.js';

/**
 * The one place an order's money is computed. Everything is integer cents; percentages (discounts,
 * tax rates) are exact decimals with at most 4 places, applied with integer arithmetic and rounded
 * half-up. Order-level amounts are allocated to lines by largest remainder so the lines add up to
 * the order to the cent.
 */

export interface TotalsLineInput {
  quantity: number;
  price: number;
}

export type TotalsAdjustmentInput =
  { type: 'percentage'; percentOff: number } | { type: 'fixed'; amountOff: number } | { type: 'free_shipping' };

export interface OrderTotalsInput {
  lines: TotalsLineInput[];
  /** Order discounts, then promotions, in the order they were applied; each is capped at what is left. */
  adjustments: TotalsAdjustmentInput[];
  /** Percent applied to the discounted subtotal, e.g. 8.75; null to use `taxAmount`. */
  taxRate: number | null;
  /** Explicit tax in cents when there is no rate. */
  taxAmount: number | null;
  shipping: number;
  paid: number;
  refunded: number;
}

export interface LineAmounts {
  discount: number;
  tax: number;
  total: number;
}

export interface OrderTotals {
  subtotal: number;
  discount: number;
  tax: number;
  shipping: number;
  total: number;
  paid: number;
  refunded: number;
  /** What the customer still owes: total minus paid, never below zero. */
  balance_due: number;
  lines: LineAmounts[];
  /** Cents each adjustment took, in input order (0 for free shipping). */
  adjustments: number[];
}

export function computeOrderTotals(input: OrderTotalsInput): OrderTotals {
  const gross = input.lines.map((l) => l.quantity * l.price);
  const subtotal = gross.reduce((a, b) => a + b, 0);
  if (!Number.isSafeInteger(subtotal) || subtotal > MAX_AMOUNT || gross.some((g) => !Number.isSafeInteger(g))) {
    throw new ValidationError('The order is larger than the largest amount supported.', [
      { path: 'line_items', message: `The subtotal may be at most ${MAX_AMOUNT} cents` },
    ]);
  }

  let left = subtotal;
  let freeShipping = false;
  const adjustments = input.adjustments.map((a) => {
    if (a.type === 'free_shipping') {
      freeShipping = true;
      return 0;
    }
    const wanted = a.type === 'percentage' ? percentOf(subtotal, a.percentOff) : a.amountOff;
    const taken = Math.min(wanted, left);
    left -= taken;
    return taken;
  });
  const discount = subtotal - left;
  const lineDiscounts = allocateByLargestRemainder(discount, gross);

  const taxable = subtotal - discount;
  const tax = input.taxRate != null ? percentOf(taxable, input.taxRate) : (input.taxAmount ?? 0);
  const lineTaxable = gross.map((g, i) => g - lineDiscounts[i]);
  const lineTaxes = allocateByLargestRemainder(tax, lineTaxable);

  const shipping = freeShipping ? 0 : input.shipping;
  const total = taxable + tax + shipping;
  return {
    subtotal,
    discount,
    tax,
    shipping,
    total,
    paid: input.paid,
    refunded: input.refunded,
    balance_due: Math.max(0, total - input.paid),
    lines: gross.map((g, i) => ({
      discount: lineDiscounts[i],
      tax: lineTaxes[i],
      total: g - lineDiscounts[i] + lineTaxes[i],
    })),
    adjustments,
  };
}

/** Derived from the money alone, so it can never disagree with the totals. */
export function paymentStatusOf(totals: { total: number; paid: number; refunded: number }): PaymentStatus {
  if (totals.refunded > 0) return totals.refunded >= totals.paid ? 'refunded' : 'partially_refunded';
  return totals.paid >= totals.total ? 'paid' : 'unpaid';
}

/**
 * What `quantity` more units of a line are worth when `already` units were counted before (returned
 * or refunded): the difference of cumulative floor shares of the line total, so however the units
 * are split over several returns, all of them together are worth exactly the line total.
 */
export function lineValueOfUnits(line: { total: number; quantity: number }, already: number, quantity: number): number {
  const cumulative = (units: number) => Number((BigInt(line.total) * BigInt(units)) / BigInt(line.quantity));
  return cumulative(already + quantity) - cumulative(already);
}
