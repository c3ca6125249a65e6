import { ValidationError } from '../../platform/errors.js';
import { MAX_AMOUNT } from '../../platform/money.js';

export interface PriceBreak {
  min_quantity: number;
  unit_price: number;
}

/**
 * A line's price with volume breaks (the rule PRICE_BREAK_RULE documents): the unit price of the
 * break with the largest min_quantity not above the quantity, else the line's own unit price; the
 * total is that price times the quantity, exact in integer cents.
 */
export function priceLine(
  quantity: number,
  unitPrice: number,
  breaks: readonly PriceBreak[],
  path = 'line_items',
): { effective_unit_price: number; total: number } {
  let applied: PriceBreak | undefined;
  for (const b of breaks)
    if (b.min_quantity <= quantity && (!applied || b.min_quantity > applied.min_quantity)) applied = b;
  const effective = applied ? applied.unit_price : unitPrice;
  const total = effective * quantity;
  if (total > MAX_AMOUNT)
    throw new ValidationError(`The line total ${total} is above the largest amount, ${MAX_AMOUNT} cents.`, [
      { path, code: 'too_big', message: `quantity x unit price must be at most ${MAX_AMOUNT} cents` },
    ]);
  return { effective_unit_price: effective, total };
}

/** The order's totals: the sum of its line totals (wholesale orders carry no tax or shipping here). */
export function computeWholesaleTotals(lines: ReadonlyArray<{ total: number }>): { subtotal: number; total: number } {
  const subtotal = lines.reduce((n, l) => n + Number(l.total), 0);
  if (subtotal > MAX_AMOUNT)
    throw new ValidationError(`The order total ${subtotal} is above the largest amount, ${MAX_AMOUNT} cents.`, [
      { path: 'line_items', code: 'too_big', message: `The order total must be at most ${MAX_AMOUNT} cents` },
    ]);
  return { subtotal, total: subtotal };
}

const TERM_DAYS = { prepaid: 0, net_15: 15, net_30: 30, net_60: 60 } as const;

/** When an invoice issued at `issuedAt` is due under `terms`: that many days later, to the millisecond. */
export function dueDate(issuedAt: string, terms: keyof typeof TERM_DAYS): string {
  return new Date(Date.parse(issuedAt) + TERM_DAYS[terms] * 86_400_000).toISOString();
}
