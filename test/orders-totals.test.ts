import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeOrderTotals, lineValueOfUnits, paymentStatusOf } from '../src/modules/orders/totals.js';
import { allocateByLargestRemainder, percentOf } from '../src/platform/money.js';

const base = { adjustments: [], taxRate: null, taxAmount: null, shipping: 0, paid: 0, refunded: 0 };

describe('computeOrderTotals', () => {
  it('rounds percentages half-up in exact integer arithmetic', () => {
    assert.equal(percentOf(1005, 10), 101); // 100.5
    assert.equal(percentOf(1000, 8.75), 88); // 87.5
    assert.equal(percentOf(1749, 8.75), 153); // 153.0375
    assert.equal(percentOf(1999, 12.5), 250); // 249.875
    assert.equal(percentOf(10, 33.3333), 3);
    // 0.1 + 0.2 style float noise must not leak in: 1.15% of 100000 is exactly 1150.
    assert.equal(percentOf(100_000, 1.15), 1150);
  });

  it('allocates by largest remainder so parts add up exactly', () => {
    assert.deepEqual(allocateByLargestRemainder(100, [1, 1, 1]), [34, 33, 33]);
    assert.deepEqual(allocateByLargestRemainder(250, [999, 1000]), [125, 125]);
    assert.deepEqual(allocateByLargestRemainder(153, [874, 875]), [76, 77]);
    assert.deepEqual(allocateByLargestRemainder(5, [0, 0]), [3, 2]);
    assert.deepEqual(allocateByLargestRemainder(0, [5, 7]), [0, 0]);
    for (let total = 0; total < 200; total += 7) {
      const parts = allocateByLargestRemainder(total, [3, 5, 11, 0, 2]);
      assert.equal(
        parts.reduce((a, b) => a + b, 0),
        total,
      );
    }
  });

  it('computes a percentage discount, tax on the discounted subtotal and per-line shares to the cent', () => {
    const t = computeOrderTotals({
      ...base,
      lines: [
        { quantity: 1, price: 999 },
        { quantity: 2, price: 500 },
      ],
      adjustments: [{ type: 'percentage', percentOff: 12.5 }],
      taxRate: 8.75,
      shipping: 500,
    });
    assert.equal(t.subtotal, 1999);
    assert.equal(t.discount, 250); // 249.875 -> 250
    assert.equal(t.tax, 153); // 8.75% of 1749 = 153.0375
    assert.equal(t.total, 1749 + 153 + 500);
    assert.deepEqual(t.lines, [
      { discount: 125, tax: 76, total: 950 },
      { discount: 125, tax: 77, total: 952 },
    ]);
    assert.equal(t.lines.reduce((n, l) => n + l.total, 0) + t.shipping, t.total);
  });

  it('caps discounts so nothing goes negative, in the order they were applied', () => {
    const t = computeOrderTotals({
      ...base,
      lines: [{ quantity: 1, price: 1000 }],
      adjustments: [
        { type: 'fixed', amountOff: 700 },
        { type: 'percentage', percentOff: 50 },
        { type: 'fixed', amountOff: 100 },
      ],
      taxRate: 10,
      shipping: 300,
    });
    assert.deepEqual(t.adjustments, [700, 300, 0]);
    assert.equal(t.discount, 1000);
    assert.equal(t.tax, 0);
    assert.equal(t.total, 300);
  });

  it('zeroes shipping under free shipping and uses explicit tax when there is no rate', () => {
    const t = computeOrderTotals({
      ...base,
      lines: [{ quantity: 3, price: 100 }],
      adjustments: [{ type: 'free_shipping' }],
      taxAmount: 25,
      shipping: 999,
    });
    assert.equal(t.shipping, 0);
    assert.equal(t.tax, 25);
    assert.equal(t.total, 325);
    assert.deepEqual(t.lines, [{ discount: 0, tax: 25, total: 325 }]);
  });

  it('values units so that any split of returns adds up to the line total', () => {
    const line = { total: 2936, quantity: 3 };
    assert.equal(lineValueOfUnits(line, 0, 1), 978);
    assert.equal(lineValueOfUnits(line, 1, 1), 979);
    assert.equal(lineValueOfUnits(line, 2, 1), 979);
    assert.equal(lineValueOfUnits(line, 0, 3), 2936);
    assert.equal(lineValueOfUnits(line, 1, 2), 1958);
  });

  it('derives the payment status from the money', () => {
    assert.equal(paymentStatusOf({ total: 100, paid: 0, refunded: 0 }), 'unpaid');
    assert.equal(paymentStatusOf({ total: 100, paid: 50, refunded: 0 }), 'unpaid');
    assert.equal(paymentStatusOf({ total: 100, paid: 100, refunded: 0 }), 'paid');
    assert.equal(paymentStatusOf({ total: 100, paid: 100, refunded: 30 }), 'partially_refunded');
    assert.equal(paymentStatusOf({ total: 100, paid: 100, refunded: 100 }), 'refunded');
    assert.equal(paymentStatusOf({ total: 0, paid: 0, refunded: 0 }), 'paid');
  });
});
