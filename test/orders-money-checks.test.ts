/** Money cases found by checking an operations day by hand: merge across tax rates and free shipping, cancel, currency. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique } from './helpers.js';
import { assertError } from './support.js';
import { newCustomer, placeOrder, post, stockedSkus } from './orders-helpers.js';

const paid = { method: 'card', status: 'paid' };

describe('order money checks', () => {
  it('merge keeps the tax each order charged when they are taxed differently (rates, explicit amount, none)', async () => {
    const t = await getTestContext();
    const [c, d, e, f, g] = await stockedSkus(t, 5, 5, 5, 5, 5);
    const customer = await newCustomer(t);
    const a = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: c, quantity: 1, price: 10000 }],
      tax_rate: 10,
      shipping: { amount: 500 },
    });
    const b = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: d, quantity: 1, price: 10000 }],
      tax_rate: 5,
      shipping: { amount: 300 },
      discounts: [{ type: 'percentage', value: 10 }],
    });
    const explicit = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: e, quantity: 1, price: 10000 }],
      tax: 123,
      payment: paid,
    });
    assert.deepEqual([a.totals.total, b.totals.total, explicit.totals.total], [11500, 9750, 10123]);

    const merged = await post(t, `/v1/orders/${a.id}/merge`, { order_ids: [b.id, explicit.id] });
    // Tax 1000 + 450 + 123; shipping 500 + 300; the discount 1000 moved as a fixed amount.
    assert.deepEqual(merged.totals, {
      subtotal: 30000,
      discount: 1000,
      tax: 1573,
      shipping: 800,
      total: 31373,
      paid: 10123,
      refunded: 0,
      balance_due: 21250,
    });
    assert.equal(merged.tax_rate, null, 'the merged tax is an explicit amount now');

    // A paid order taxed at 8.75% merged into an untaxed one keeps its 875 of tax.
    const untaxed = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: f, quantity: 1, price: 10000 }],
    });
    const taxed = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: g, quantity: 1, price: 10000 }],
      tax_rate: 8.75,
      payment: paid,
    });
    const second = await post(t, `/v1/orders/${untaxed.id}/merge`, { order_ids: [taxed.id] });
    assert.deepEqual(
      [second.totals.tax, second.totals.total, second.totals.paid, second.totals.balance_due],
      [875, 20875, 10875, 10000],
    );
  });

  it("merge keeps every order's shipping when one had free shipping", async () => {
    const t = await getTestContext();
    const [c, d, e, f] = await stockedSkus(t, 5, 5, 5, 5);
    const code = unique('SHIPFREE');
    await post(t, '/v1/promotions', { code, type: 'free_shipping' }, 201);
    const customer = await newCustomer(t);
    const free = () => ({ customer_id: customer.id, shipping: { amount: 500 }, promotion_codes: [code] });
    const charged = () => ({ customer_id: customer.id, shipping: { amount: 700 }, payment: paid });

    // Into the free-shipping order: the other's paid 700 of shipping stays charged.
    const a = await placeOrder(t, { ...free(), line_items: [{ sku: c, quantity: 1, price: 5000 }] });
    const b = await placeOrder(t, { ...charged(), line_items: [{ sku: d, quantity: 1, price: 5000 }] });
    assert.deepEqual([a.totals.total, b.totals.total], [5000, 5700]);
    const merged = await post(t, `/v1/orders/${a.id}/merge`, { order_ids: [b.id] });
    assert.deepEqual(
      [merged.totals.shipping, merged.totals.total, merged.totals.paid, merged.totals.balance_due],
      [700, 10700, 5700, 5000],
    );
    assert.deepEqual(
      merged.promotions.map((p: any) => [p.code, p.amount]),
      [[code, 0]],
      "the promotion stays listed; it waived its own order's shipping",
    );

    // The other way round: the free-shipping order's shipping stays waived, the other's charged.
    const x = await placeOrder(t, { ...free(), line_items: [{ sku: e, quantity: 1, price: 5000 }] });
    const y = await placeOrder(t, { ...charged(), line_items: [{ sku: f, quantity: 1, price: 5000 }] });
    const back = await post(t, `/v1/orders/${y.id}/merge`, { order_ids: [x.id] });
    assert.deepEqual([back.totals.shipping, back.totals.total, back.totals.balance_due], [700, 10700, 5000]);
  });

  it('cancel gives back promotion uses and leaves nothing due', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const code = unique('ONCE');
    await post(t, '/v1/promotions', { code, type: 'fixed', value: 500, usage_limit: 1 }, 201);
    const first = await placeOrder(t, {
      line_items: [{ sku, quantity: 1, price: 4000 }],
      tax_rate: 10,
      promotion_codes: [code],
    });
    assert.equal((await t.api('GET', `/v1/promotions/${code}`)).body.times_used, 1);
    const refused = await t.api('POST', '/v1/orders', {
      customer_id: (await newCustomer(t)).id,
      line_items: [{ sku, quantity: 1, price: 4000 }],
      promotion_codes: [code],
    });
    assertError(refused, 409, 'conflict', 'promotion_not_applicable');
    assert.equal(refused.body.error.details.reason, 'usage_limit_reached');

    const cancelled = await post(t, `/v1/orders/${first.id}/cancel`, { reason: 'customer_request' });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.totals.balance_due, 0, 'nothing is owed on a cancelled order');
    assert.deepEqual(
      cancelled.promotions.map((p: any) => p.code),
      [code],
      'the order still shows what it had',
    );
    assert.equal((await t.api('GET', `/v1/promotions/${code}`)).body.times_used, 0);
    const next = await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 4000 }], promotion_codes: [code] });
    assert.equal(next.totals.discount, 500);
    assert.equal((await t.api('GET', `/v1/promotions/${code}`)).body.times_used, 1);
  });

  it('refuses a currency that is not ISO 4217', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const customer = await newCustomer(t);
    const res = await t.api('POST', '/v1/orders', {
      customer_id: customer.id,
      currency: 'XYZ',
      line_items: [{ sku, quantity: 1, price: 100 }],
    });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.equal(res.body.error.details[0].path, 'currency');
    const orders = await t.db.selectFrom('orders').select('id').where('customer_id', '=', customer.id).execute();
    assert.equal(orders.length, 0);
    const euro = await placeOrder(t, {
      customer_id: customer.id,
      currency: 'eur',
      line_items: [{ sku, quantity: 1, price: 100 }],
    });
    assert.equal(euro.currency, 'EUR');
  });
});

/**
 * Every order's money agrees with itself and its records: payments add up to totals.paid, listed
 * refunds to totals.refunded, and nothing more than the total is kept (paid - refunded <= total).
 */
async function assertMoneyAddsUp(t: Awaited<ReturnType<typeof getTestContext>>, orderIds: string[]): Promise<any[]> {
  const orders = [];
  for (const id of orderIds) {
    const order = (await t.api('GET', `/v1/orders/${id}`)).body;
    const payments = await t.db.selectFrom('payments').select('amount').where('order_id', '=', id).execute();
    assert.equal(
      payments.reduce((n, p) => n + Number(p.amount), 0),
      order.totals.paid,
      `${order.order_number}: payments`,
    );
    const refunds = (await t.api('GET', `/v1/refunds?order_id=${id}&limit=100`)).body.data;
    assert.equal(
      refunds.reduce((n: number, r: any) => n + r.amount, 0),
      order.totals.refunded,
      `${order.order_number}: refunds listed`,
    );
    for (const r of refunds) {
      if (r.line_items.length)
        assert.ok(
          r.line_items.every((e: any) => order.line_items.some((l: any) => l.id === e.order_line_item_id)),
          `${r.id} names lines of ${order.order_number}`,
        );
    }
    if (order.status !== 'merged')
      assert.ok(
        order.totals.paid - order.totals.refunded <= order.totals.total,
        `${order.order_number}: keeps no more than its total`,
      );
    orders.push(order);
  }
  return orders;
}

const sum = (orders: any[], field: string) => orders.reduce((n, o) => n + o.totals[field], 0);

describe('order money checks: merge and split at a tax rate', () => {
  it('merging two paid orders taxed at one rate keeps the tax they charged: nothing overpaid', async () => {
    const t = await getTestContext();
    const [c, d] = await stockedSkus(t, 5, 5);
    const customer = await newCustomer(t);
    // 7% of 1350 = 94.5 -> 95 each; 7% of 2700 = 189: the merged total must not drop to 2889.
    const a = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: c, quantity: 1, price: 1350 }],
      tax_rate: 7,
      payment: paid,
    });
    const b = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: d, quantity: 1, price: 1350 }],
      tax_rate: 7,
      payment: paid,
    });
    assert.deepEqual([a.totals.total, b.totals.total], [1445, 1445]);
    const merged = await post(t, `/v1/orders/${a.id}/merge`, { order_ids: [b.id] });
    assert.deepEqual(merged.totals, {
      subtotal: 2700,
      discount: 0,
      tax: 190,
      shipping: 0,
      total: 2890,
      paid: 2890,
      refunded: 0,
      balance_due: 0,
    });
    assert.equal(merged.payment_status, 'paid');
    assert.equal(merged.status, 'processing');
    await assertMoneyAddsUp(t, [a.id, b.id]);

    // Merge then split: the explicit tax divides back into 95 + 95, each order paid in full.
    const { order: kept, split_order: split } = await post(t, `/v1/orders/${a.id}/split`, {
      line_items: [{ id: merged.line_items[1].id, quantity: 1 }],
    });
    assert.deepEqual(
      [kept.totals.total, kept.totals.paid, split.totals.total, split.totals.paid],
      [1445, 1445, 1445, 1445],
    );
    assert.deepEqual([kept.status, split.status], ['processing', 'processing']);
    const after = await assertMoneyAddsUp(t, [a.id, split.id]);
    assert.deepEqual([sum(after, 'total'), sum(after, 'paid')], [2890, 2890]);

    // Unpaid orders at one rate keep the rate (nothing paid can be overpaid).
    const x = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: c, quantity: 1, price: 1350 }],
      tax_rate: 7,
    });
    const y = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: d, quantity: 1, price: 1350 }],
      tax_rate: 7,
    });
    const unpaid = await post(t, `/v1/orders/${x.id}/merge`, { order_ids: [y.id] });
    assert.deepEqual([unpaid.tax_rate, unpaid.totals.tax, unpaid.totals.total], [7, 189, 2889]);
  });

  it('splitting a paid order taxed at a rate owes no rounding cent, and merging it back restores it', async () => {
    const t = await getTestContext();
    const [sku, other] = await stockedSkus(t, 5, 5);
    // 8.75% of 2002 = 175.175 -> 175; of 1001 = 87.5875 -> 88 each half, 176 together.
    const order = await placeOrder(t, {
      line_items: [
        { sku, quantity: 2, price: 1001 },
        { sku: other, quantity: 1, price: 0 },
      ],
      tax_rate: 8.75,
      payment: paid,
    });
    assert.deepEqual([order.totals.tax, order.totals.total], [175, 2177]);
    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ id: order.line_items[0].id, quantity: 1 }],
    });
    assert.equal(kept.totals.tax + split.totals.tax, 175);
    assert.deepEqual([kept.totals.balance_due, split.totals.balance_due], [0, 0]);
    assert.deepEqual([kept.status, split.status], ['processing', 'processing']);
    assert.deepEqual([kept.payment_status, split.payment_status], ['paid', 'paid']);
    let orders = await assertMoneyAddsUp(t, [order.id, split.id]);
    assert.deepEqual([sum(orders, 'total'), sum(orders, 'paid'), sum(orders, 'tax')], [2177, 2177, 175]);

    // Split then merge: back to one order of 2177, all paid, nothing refunded.
    const merged = await post(t, `/v1/orders/${order.id}/merge`, { order_ids: [split.id] });
    assert.deepEqual(merged.totals, {
      subtotal: 2002,
      discount: 0,
      tax: 175,
      shipping: 0,
      total: 2177,
      paid: 2177,
      refunded: 0,
      balance_due: 0,
    });
    orders = await assertMoneyAddsUp(t, [order.id, split.id]);

    // An unpaid order keeps its rate on both parts.
    const unpaid = await placeOrder(t, { line_items: [{ sku, quantity: 2, price: 1001 }], tax_rate: 8.75 });
    const parts = await post(t, `/v1/orders/${unpaid.id}/split`, {
      line_items: [{ id: unpaid.line_items[0].id, quantity: 1 }],
    });
    assert.deepEqual([parts.order.tax_rate, parts.split_order.tax_rate], [8.75, 8.75]);
  });
});

describe('refund records follow their money', () => {
  it('after a split and a merge, each order lists refunds adding up to its totals.refunded', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    const customer = await newCustomer(t);
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [
        { sku: a, quantity: 1, price: 1000 },
        { sku: b, quantity: 1, price: 3000 },
      ],
      payment: paid,
    });
    const first = await post(t, `/v1/orders/${order.id}/refund`, { amount: 2000, reason: 'goodwill' });
    await post(t, `/v1/orders/${order.id}/refund`, { amount: 1500 });
    assert.equal(first.totals.refunded, 2000);

    // The original keeps 1000 paid and 1000 refunded; 2500 of refunds move: the newer 1500 whole, 1000 of the 2000.
    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ id: order.line_items[1].id, quantity: 1 }],
    });
    assert.deepEqual([kept.totals.refunded, split.totals.refunded], [1000, 2500]);
    const [keptRefunds, splitRefunds] = await Promise.all(
      [order.id, split.id].map(async (id) => (await t.api('GET', `/v1/refunds?order_id=${id}&sort=amount`)).body.data),
    );
    assert.deepEqual(
      keptRefunds.map((r: any) => [r.amount, r.reason]),
      [[1000, 'goodwill']],
    );
    assert.deepEqual(
      splitRefunds.map((r: any) => [r.amount, r.reason]),
      [
        [1000, 'goodwill'],
        [1500, null],
      ],
    );
    assert.equal(splitRefunds[0].created_at, keptRefunds[0].created_at, 'the divided refund keeps when it was made');
    const all = await assertMoneyAddsUp(t, [order.id, split.id]);
    assert.deepEqual([sum(all, 'paid'), sum(all, 'refunded'), sum(all, 'total')], [4000, 3500, 4000]);
    const events = await t.db
      .selectFrom('events')
      .select(['type', 'object_id'])
      .where('object_type', '=', 'refund')
      .where(
        'object_id',
        'in',
        [...keptRefunds, ...splitRefunds].map((r: any) => r.id),
      )
      .execute();
    assert.equal(events.filter((e) => e.type === 'refund.updated').length, 2, 'the divided and the moved refund');

    // Merge back: every refund is on the merged order again.
    const merged = await post(t, `/v1/orders/${order.id}/merge`, { order_ids: [split.id] });
    assert.equal(merged.totals.refunded, 3500);
    await assertMoneyAddsUp(t, [order.id, split.id]);
    assert.equal((await t.api('GET', `/v1/refunds?order_id=${order.id}`)).body.total_count, 3);
  });

  it('a refund of units moves with the units it paid for', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 2, price: 1000 },
        { sku: b, quantity: 1, price: 1000 },
      ],
      payment: paid,
    });
    const la = order.line_items[0];
    await post(t, `/v1/orders/${order.id}/refund`, { line_items: [{ id: la.id, quantity: 2 }] });
    const { split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ id: la.id, quantity: 1 }],
    });
    const moved = split.line_items[0];
    const refundsOf = async (id: string) => (await t.api('GET', `/v1/refunds?order_id=${id}`)).body.data;
    assert.deepEqual(
      (await refundsOf(order.id)).map((r: any) => r.line_items),
      [[{ order_line_item_id: la.id, quantity: 1, amount: 1000 }]],
    );
    assert.deepEqual(
      (await refundsOf(split.id)).map((r: any) => r.line_items),
      [[{ order_line_item_id: moved.id, quantity: 1, amount: 1000 }]],
    );
    await assertMoneyAddsUp(t, [order.id, split.id]);
  });
});

describe('refund records after splitting a partially shipped order', () => {
  it("a return's refund stays with the returned units; other refunded money moves as far as the original cannot hold it", async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 2, price: 1000 },
        { sku: b, quantity: 2, price: 1000 },
      ],
      payment: paid,
    });
    await post(t, `/v1/orders/${order.id}/ship`, { line_items: [{ sku: a, quantity: 2 }] });
    const { return: rma } = await post(t, `/v1/orders/${order.id}/return`, { line_items: [{ sku: a, quantity: 1 }] });
    await post(t, `/v1/orders/${order.id}/refund`, { return_id: rma.id });
    await post(t, `/v1/orders/${order.id}/refund`, { amount: 2500, reason: 'late delivery' });

    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ sku: b, quantity: 2 }],
    });
    assert.equal(kept.status, 'shipped');
    assert.equal(kept.fulfillment_status, 'partially_returned');
    // Kept: 2000 paid, can hold 2000 refunded (its 1000 for the return and 1000 of the 2500); 1500 moves.
    assert.deepEqual([kept.totals.total, kept.totals.paid, kept.totals.refunded], [2000, 2000, 2000]);
    assert.deepEqual([split.totals.total, split.totals.paid, split.totals.refunded], [2000, 2000, 1500]);
    const listed = async (id: string) =>
      (await t.api('GET', `/v1/refunds?order_id=${id}&sort=amount`)).body.data.map((r: any) => [
        r.amount,
        r.return_id,
        r.reason,
      ]);
    assert.deepEqual(await listed(order.id), [
      [1000, rma.id, null],
      [1000, null, 'late delivery'],
    ]);
    assert.deepEqual(await listed(split.id), [[1500, null, 'late delivery']]);
    const all = await assertMoneyAddsUp(t, [order.id, split.id]);
    assert.deepEqual([sum(all, 'total'), sum(all, 'paid'), sum(all, 'refunded')], [4000, 4000, 3500]);
    // The return is refunded once, whatever order its refund sits on.
    assert.equal(
      (await t.api('POST', `/v1/orders/${order.id}/refund`, { return_id: rma.id })).body.error.code,
      'return_already_refunded',
    );
  });
});
