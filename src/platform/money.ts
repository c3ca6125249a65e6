import { z } from 'zod';
import { int8 } from './schemas.js';

/**
 * Money is integer cents everywhere. Percentages (discounts, tax rates) are exact decimals with at
 * most 4 places, applied in integer arithmetic and rounded half-up; amounts split across parts
 * (lines, orders) are allocated by largest remainder so they add up to the cent.
 */

/** Upper bound on any amount (order, line, cost), far below where integer cents stop being exact in a double. */
export const MAX_AMOUNT = 10_000_000_000_000;

const PERCENT_SCALE = 10_000; // 4 decimal places

/** True for a percent with at most 4 decimal places (12.5, 8.75, 7.125). */
export function isExactPercent(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value * PERCENT_SCALE - Math.round(value * PERCENT_SCALE)) < 1e-6;
}

/** `percent`% of `amount` cents, rounded half-up, in exact integer arithmetic. */
export function percentOf(amount: number, percent: number): number {
  const scaled = BigInt(Math.round(percent * PERCENT_SCALE));
  const divisor = BigInt(100 * PERCENT_SCALE);
  return Number((BigInt(amount) * scaled + divisor / 2n) / divisor);
}

/**
 * Splits `total` cents in proportion to `weights` so the parts add up exactly: each part is the floor
 * of its share, and the cents left over go to the largest remainders (the earlier part on a tie).
 * With no weight at all, parts are equal.
 */
export function allocateByLargestRemainder(total: number, weights: number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  const w = sum > 0 ? weights : weights.map(() => 1);
  const bigTotal = BigInt(total);
  const bigSum = BigInt(sum > 0 ? sum : weights.length);
  const parts = w.map((weight) => {
    const product = bigTotal * BigInt(weight);
    return { share: product / bigSum, remainder: product % bigSum };
  });
  let left = total - parts.reduce((n, p) => n + Number(p.share), 0);
  const order = parts
    .map((_, i) => i)
    .sort((a, b) =>
      parts[b].remainder > parts[a].remainder ? 1 : parts[b].remainder < parts[a].remainder ? -1 : a - b,
    );
  const out = parts.map((p) => Number(p.share));
  for (const i of order) {
    if (left <= 0) break;
    out[i] += 1;
    left -= 1;
  }
  return out;
}

export const MoneySchema = int8(0, MAX_AMOUNT).describe('Integer cents');
export const PositiveMoneySchema = int8(1, MAX_AMOUNT).describe('Integer cents, > 0');
export const PercentSchema = z.number().gt(0).max(100).refine(isExactPercent, 'At most 4 decimal places');
