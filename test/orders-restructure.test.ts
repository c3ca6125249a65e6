import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique } from './helpers.js';
import {
  assertInvalidTransition,
  assertLedgerConsistent,
  eventsOf,
  getCustomer,
  levels,
  newCustomer,
  placeOrder,
  post,
  reservedByLine,
  stockedSkus,
} from './orders-helpers.js';

async function makePromotion(t: Awaited<ReturnType<typeof getTestContext>>, body: Record<string, unknown>) {
  const res = await t.api('POST', '/v1/promotions', { code: unique('P'), ...body });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

describe('orders: split', () => {
  it('moves quantities and reservations; discounts split add up to the cent; payments follow the totals', async () => {
    const t = await getTestContext();
    const [a, b, c] = await stockedSkus(t, 10, 10, 10);
    const promo = await makePromotion(t, { type: 'percentage', value: 10 });
    const customer = await newCustomer(t);
    // Subtotal 999 + 500 + 1 = 1500; 12.5% = 187.5 -> 188; fixed 99; promotion 10% = 150: 437 off.
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [
        { sku: a, quantity: 3, price: 333 },
        { sku: b, quantity: 2, price: 250 },
        { sku: c, quantity: 1, price: 1 },
      ],
      discounts: [
        { type: 'percentage', value: 12.5, code: 'TWELVE' },
        { type: 'fixed', value: 99 },
      ],
      promotion_codes: [promo.code],
      shipping_address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
      shipping: { amount: 400 },
      payment: { status: 'paid', method: 'card', payment_intent_id: 'pi_split' },
    });
    assert.equal(order.totals.discount, 437);
    assert.equal(order.totals.total, 1500 - 437 + 400);
    const [la, lb, lc] = order.line_items;

    const everything = await t.api('POST', `/v1/orders/${order.id}/split`, {
      line_items: [
        { id: la.id, quantity: 3 },
        { id: lb.id, quantity: 2 },
        { id: lc.id, quantity: 1 },
      ],
    });
    assert.equal(everything.status, 409);
    assert.equal(everything.body.error.code, 'order_must_keep_a_line');
    const tooMany = await t.api('POST', `/v1/orders/${order.id}/split`, { line_items: [{ id: la.id, quantity: 4 }] });
    assert.equal(tooMany.body.error.code, 'quantity_exceeds_remaining');

    const result = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [
        { id: la.id, quantity: 1 },
        { id: lc.id, quantity: 1 },
      ],
    });
    assert.equal(result.object, 'order_split');
    const { order: kept, split_order: split } = result;
    assert.equal(split.split_from_order_id, order.id);
    assert.notEqual(split.order_number, order.order_number);
    assert.equal(split.customer_id, customer.id);
    assert.deepEqual(split.shipping_address, order.shipping_address);
    assert.deepEqual(
      split.line_items.map((l: any) => [l.sku, l.quantity]),
      [
        [a, 1],
        [c, 1],
      ],
    );
    assert.deepEqual(
      kept.line_items.map((l: any) => [l.sku, l.quantity]),
      [
        [a, 2],
        [b, 2],
      ],
    );

    // The split-off subtotal is 334 of 1500: its share of 437 is round(97.31) = 97, spread over the
    // entries by largest remainder: 188 -> 42, 99 -> 22, 150 -> 33.
    assert.equal(split.totals.subtotal, 334);
    assert.equal(kept.totals.subtotal, 1166);
    assert.equal(split.totals.discount, 97);
    assert.equal(kept.totals.discount, 340);
    assert.equal(kept.totals.discount + split.totals.discount, order.totals.discount);
    assert.deepEqual(
      split.discounts.map((d: any) => [d.type, d.value, d.amount, d.code]),
      [
        ['fixed', 42, 42, 'TWELVE'],
        ['fixed', 22, 22, null],
      ],
    );
    assert.deepEqual(
      kept.discounts.map((d: any) => d.amount),
      [146, 77],
    );
    assert.deepEqual(
      split.promotions.map((p: any) => [p.code, p.amount]),
      [[promo.code, 33]],
    );
    assert.deepEqual(
      kept.promotions.map((p: any) => p.amount),
      [117],
    );
    for (const o of [kept, split])
      assert.equal(
        o.line_items.reduce((n: number, l: any) => n + l.discount, 0),
        o.totals.discount,
      );

    // Shipping stays; the paid money follows the totals, so both are fully paid.
    assert.equal(kept.totals.shipping, 400);
    assert.equal(split.totals.shipping, 0);
    assert.equal(kept.totals.total + split.totals.total, order.totals.total);
    assert.equal(split.totals.paid, split.totals.total);
    assert.equal(kept.totals.paid, kept.totals.total);
    assert.equal(split.status, 'processing');
    assert.equal(kept.payment_status, 'paid');
    assert.equal(split.payment_status, 'paid');
    const payments = await t.db
      .selectFrom('payments')
      .select(['order_id', 'amount', 'payment_intent_id'])
      .where('order_id', 'in', [order.id, split.id])
      .execute();
    assert.equal(
      payments.reduce((n, p) => n + Number(p.amount), 0),
      order.totals.paid,
    );
    assert.ok(payments.every((p) => p.payment_intent_id === 'pi_split'));

    // Reservations moved with the quantities; stock totals unchanged.
    assert.deepEqual(await reservedByLine(t, order.id), { [la.id]: 2, [lb.id]: 2 });
    assert.deepEqual(await reservedByLine(t, split.id), { [split.line_items[0].id]: 1, [split.line_items[1].id]: 1 });
    assert.deepEqual(await levels(t, a), { on_hand: 10, reserved: 3, available: 7 });
    assert.deepEqual(await levels(t, c), { on_hand: 10, reserved: 1, available: 9 });
    await assertLedgerConsistent(t, [a, b, c]);

    // The promotion is used once: removing it from the split copy gives nothing back.
    assert.equal((await t.api('GET', `/v1/promotions/${promo.id}`)).body.times_used, 1);
    await t.api('DELETE', `/v1/orders/${split.id}/promotions/${promo.id}`);
    assert.equal((await t.api('GET', `/v1/promotions/${promo.id}`)).body.times_used, 1);
    assert.equal((await getCustomer(t, customer.id)).order_count, 2);
    assert.deepEqual((await eventsOf(t, order.id)).slice(1), ['order.split']);
    assert.deepEqual(await eventsOf(t, split.id), ['order.created', 'order.promotion_removed']);
    await post(t, `/v1/orders/${order.id}/ship`, {});
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${order.id}/split`, { line_items: [{ id: la.id, quantity: 1 }] }),
      'shipped',
      'split',
    );
  });

  it('splits an unpaid order in proportion and moves backordered units first', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 2);
    const order = await placeOrder(t, {
      line_items: [
        { sku, quantity: 5, price: 100 },
        { sku, quantity: 1, price: 50 },
      ],
      allow_backorder: true,
    });
    assert.deepEqual(
      order.line_items.map((l: any) => l.quantity_backordered),
      [3, 1],
    );
    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ id: order.line_items[0].id, quantity: 4 }],
    });
    assert.equal(split.line_items[0].quantity_backordered, 3, 'backordered units move first');
    assert.equal(kept.line_items[0].quantity_backordered, 0);
    assert.equal(split.status, 'pending');
    assert.equal(split.totals.paid, 0);
    assert.deepEqual(await levels(t, sku), { on_hand: 2, reserved: 2, available: 0 });
    assert.equal(
      Object.values(await reservedByLine(t, split.id)).reduce((a, b) => a + b, 0),
      1,
    );
    await assertLedgerConsistent(t, [sku]);
  });
});

describe('orders: merge', () => {
  it('moves lines, reservations, discounts and payments in; the others become merged', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    const customer = await newCustomer(t);
    const target = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: a, quantity: 1, price: 1000 }],
      discounts: [{ type: 'percentage', value: 10 }],
      tags: ['first'],
    });
    const other = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: b, quantity: 2, price: 500 }],
      shipping: { amount: 300 },
      payment: { status: 'paid' },
      tags: ['second'],
    });
    const third = await placeOrder(t, { customer_id: customer.id, line_items: [{ sku: a, quantity: 1, price: 200 }] });
    const expectedTotal = target.totals.total + other.totals.total + third.totals.total;

    const merged = await post(t, `/v1/orders/${target.id}/merge`, { order_ids: [other.order_number, third.id] });
    assert.equal(merged.id, target.id);
    assert.deepEqual(
      merged.line_items.map((l: any) => [l.sku, l.quantity]),
      [
        [a, 1],
        [b, 2],
        [a, 1],
      ],
    );
    assert.equal(merged.totals.total, expectedTotal, 'merging changes nothing owed');
    assert.equal(merged.totals.discount, 100);
    assert.equal(merged.totals.shipping, 300);
    assert.equal(merged.totals.paid, other.totals.paid);
    assert.deepEqual(merged.tags, ['first', 'second']);
    assert.equal(merged.status, 'pending', 'not fully paid yet');
    assert.deepEqual(Object.values(await reservedByLine(t, target.id)).sort(), [1, 1, 2]);
    assert.deepEqual(await reservedByLine(t, other.id), {});
    assert.deepEqual(await levels(t, a), { on_hand: 10, reserved: 2, available: 8 });

    for (const gone of [other, third]) {
      const o = (await t.api('GET', `/v1/orders/${gone.id}`)).body;
      assert.equal(o.status, 'merged');
      assert.equal(o.merged_into_order_id, target.id);
      assert.equal(o.line_items.length, 0);
      assertInvalidTransition(await t.api('POST', `/v1/orders/${gone.id}/cancel`, {}), 'merged', 'cancel');
    }
    const payments = await t.db
      .selectFrom('payments')
      .select('order_id')
      .where('order_id', 'in', [target.id, other.id])
      .execute();
    assert.ok(payments.every((p) => p.order_id === target.id));
    assert.equal((await getCustomer(t, customer.id)).order_count, 1);
    assert.deepEqual((await eventsOf(t, other.id)).slice(1), ['order.merged']);
    assert.deepEqual((await eventsOf(t, target.id)).slice(1), ['order.merged']);

    // The merged order pays and ships as one.
    const paid = await post(t, `/v1/orders/${target.id}/pay`, {});
    assert.equal(paid.status, 'processing');
    const shipped = await post(t, `/v1/orders/${target.id}/ship`, {});
    assert.equal(shipped.status, 'shipped');
    assert.deepEqual(await levels(t, a), { on_hand: 8, reserved: 0, available: 8 });
    await assertLedgerConsistent(t, [a, b]);
  });

  it('refuses other customers, other currencies, shipped or held orders and itself', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 20);
    const customer = await newCustomer(t);
    const mk = (extra: Record<string, unknown> = {}) =>
      placeOrder(t, { customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 100 }], ...extra });
    const target = await mk();
    const stranger = await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 100 }] });
    const euros = await mk({ currency: 'EUR' });
    const shipped = await mk({ payment: { status: 'paid' } });
    await post(t, `/v1/orders/${shipped.id}/ship`, {});
    const held = await mk();
    await post(t, `/v1/orders/${held.id}/hold`, { reason: 'check' });

    const mismatch = await t.api('POST', `/v1/orders/${target.id}/merge`, { order_ids: [stranger.id] });
    assert.equal(mismatch.status, 409);
    assert.equal(mismatch.body.error.code, 'merge_mismatch');
    assert.equal(
      (await t.api('POST', `/v1/orders/${target.id}/merge`, { order_ids: [euros.id] })).body.error.code,
      'merge_mismatch',
    );
    const fromShipped = await t.api('POST', `/v1/orders/${target.id}/merge`, { order_ids: [shipped.id] });
    assertInvalidTransition(fromShipped, 'shipped', 'merge');
    assert.match(fromShipped.body.error.message, new RegExp(shipped.order_number));
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${target.id}/merge`, { order_ids: [held.id] }),
      'on_hold',
      'merge',
    );
    const self = await t.api('POST', `/v1/orders/${target.id}/merge`, { order_ids: [target.order_number] });
    assert.equal(self.status, 400);
    assert.equal(self.body.error.details[0].path, 'order_ids[0]');
    const missing = await t.api('POST', `/v1/orders/${target.id}/merge`, { order_ids: ['ord_nope'] });
    assert.equal(missing.status, 400);
    assert.equal((await t.api('GET', `/v1/orders/${target.id}`)).body.version, target.version, 'nothing changed');
  });
});

describe('orders and the ledger', () => {
  it('leave every inventory item consistent with its movements and reservations', async () => {
    const t = await getTestContext();
    const { verifyInventory } = await import('../src/modules/inventory/verify.js');
    const report = await verifyInventory(t.db);
    assert.deepEqual(report.drifts, []);
    assert.equal(report.ok, true);
  });
});

describe('orders: split after refunds', () => {
  it('divides what counts toward the totals: a refund by amount leaves nothing owed on either order', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    // Subtotal 3000 + 3000 = 6000; 15% = 900 and 250 off: 1150; tax 8.75% of 4850 = 424.375 -> 424; shipping 500: 5774.
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 3, price: 1000 },
        { sku: b, quantity: 2, price: 1500 },
      ],
      discounts: [
        { type: 'percentage', value: 15 },
        { type: 'fixed', value: 250 },
      ],
      tax_rate: 8.75,
      shipping: { amount: 500 },
      payment: { status: 'paid' },
    });
    assert.equal(order.totals.total, 5774);
    const refunded = await post(t, `/v1/orders/${order.id}/refund`, { amount: 300 });
    assert.equal(refunded.totals.balance_due, 0);

    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ id: order.line_items[1].id, quantity: 1 }],
    });
    // Moved subtotal 1500: discount round(1150 / 4) = 288, taxable 1212, tax 106.05 -> 106: 1318, all of it paid.
    assert.deepEqual(split.totals, {
      subtotal: 1500,
      discount: 288,
      tax: 106,
      shipping: 0,
      total: 1318,
      paid: 1318,
      refunded: 0,
      balance_due: 0,
    });
    assert.equal(split.status, 'processing');
    assert.equal(split.payment_status, 'paid');
    // Kept: 4500 - 862 = 3638, tax 318.325 -> 318, shipping 500: 4456; paid 5774 - 1318; the refund stays here.
    assert.deepEqual(kept.totals, {
      subtotal: 4500,
      discount: 862,
      tax: 318,
      shipping: 500,
      total: 4456,
      paid: 4456,
      refunded: 300,
      balance_due: 0,
    });
    assert.equal(kept.status, 'processing');
    assert.equal(kept.payment_status, 'partially_refunded');
    const payments = await t.db
      .selectFrom('payments')
      .select(['order_id', 'amount'])
      .where('order_id', 'in', [order.id, split.id])
      .execute();
    const paidOn = (id: string) => payments.filter((p) => p.order_id === id).reduce((n, p) => n + Number(p.amount), 0);
    assert.deepEqual([paidOn(order.id), paidOn(split.id)], [4456, 1318]);
    assert.deepEqual(
      (await t.api('GET', `/v1/refunds?order_id=${order.id}`)).body.data.map((r: any) => r.amount),
      [300],
    );
    await post(t, `/v1/orders/${split.id}/ship`, {});
  });

  it('moves a refunded unit with its refund, so the new order owes nothing for it', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 2, price: 1000 },
        { sku: b, quantity: 1, price: 1000 },
      ],
      payment: { status: 'paid' },
    });
    const la = order.line_items[0];
    const refunded = await post(t, `/v1/orders/${order.id}/refund`, { line_items: [{ id: la.id, quantity: 2 }] });
    assert.equal(refunded.totals.refunded, 2000);

    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ id: la.id, quantity: 1 }],
    });
    assert.deepEqual(
      split.line_items.map((l: any) => [l.sku, l.quantity, l.quantity_refunded]),
      [[a, 1, 1]],
    );
    assert.deepEqual(split.totals, {
      subtotal: 1000,
      discount: 0,
      tax: 0,
      shipping: 0,
      total: 1000,
      paid: 1000,
      refunded: 1000,
      balance_due: 0,
    });
    assert.equal(split.status, 'processing');
    assert.equal(split.payment_status, 'refunded');
    assert.deepEqual(
      kept.line_items.map((l: any) => [l.sku, l.quantity, l.quantity_refunded]),
      [
        [a, 1, 1],
        [b, 1, 0],
      ],
    );
    assert.deepEqual(kept.totals, {
      subtotal: 2000,
      discount: 0,
      tax: 0,
      shipping: 0,
      total: 2000,
      paid: 2000,
      refunded: 1000,
      balance_due: 0,
    });
    assert.equal(kept.payment_status, 'partially_refunded');
  });

  it('moves refunded money the original could no longer hold, never refunding more than paid', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 1, price: 1000 },
        { sku: b, quantity: 1, price: 3000 },
      ],
      payment: { status: 'paid' },
    });
    await post(t, `/v1/orders/${order.id}/refund`, { amount: 3500 });

    // The original keeps 1000 paid, so it can hold 1000 of the 3500 refunded; 2500 moves.
    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ id: order.line_items[1].id, quantity: 1 }],
    });
    assert.deepEqual(split.totals, {
      subtotal: 3000,
      discount: 0,
      tax: 0,
      shipping: 0,
      total: 3000,
      paid: 3000,
      refunded: 2500,
      balance_due: 0,
    });
    assert.equal(split.status, 'processing');
    assert.equal(split.payment_status, 'partially_refunded');
    assert.deepEqual(kept.totals, {
      subtotal: 1000,
      discount: 0,
      tax: 0,
      shipping: 0,
      total: 1000,
      paid: 1000,
      refunded: 1000,
      balance_due: 0,
    });
    assert.equal(kept.payment_status, 'refunded');
  });
});

describe('orders: split of a partially shipped order', () => {
  it('moves only unshipped units with their reservations; the original becomes shipped when all it keeps has shipped', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    // 3 x 1000 + 2 x 1500 = 6000; tax 8.75% = 525; shipping 700: 7225.
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 3, price: 1000 },
        { sku: b, quantity: 2, price: 1500 },
      ],
      tax_rate: 8.75,
      shipping: { amount: 700 },
      payment: { status: 'paid' },
    });
    const [la, lb] = order.line_items;
    const shipped = await post(t, `/v1/orders/${order.id}/ship`, {
      line_items: [
        { id: la.id, quantity: 3 },
        { id: lb.id, quantity: 1 },
      ],
      carrier: 'UPS',
    });
    assert.equal(shipped.status, 'partially_shipped');

    const shippedUnit = await t.api('POST', `/v1/orders/${order.id}/split`, {
      line_items: [{ id: lb.id, quantity: 2 }],
    });
    assert.equal(shippedUnit.status, 409);
    assert.equal(shippedUnit.body.error.code, 'quantity_exceeds_remaining');
    assert.equal(shippedUnit.body.error.details.remaining, 1);

    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ id: lb.id, quantity: 1 }],
    });
    assert.deepEqual(
      kept.line_items.map((l: any) => [l.sku, l.quantity, l.quantity_shipped]),
      [
        [a, 3, 3],
        [b, 1, 1],
      ],
    );
    assert.deepEqual(
      split.line_items.map((l: any) => [l.sku, l.quantity, l.quantity_shipped]),
      [[b, 1, 0]],
    );
    assert.equal(kept.status, 'shipped', 'everything left on it has shipped');
    assert.equal(kept.fulfillment_status, 'shipped');
    assert.equal(kept.shipped_at, shipped.updated_at);
    assert.equal(split.status, 'processing');
    assert.equal(split.fulfillment_status, 'unfulfilled');
    assert.equal(kept.totals.total + split.totals.total, order.totals.total);
    assert.equal(kept.totals.paid + split.totals.paid, order.totals.paid);
    assert.deepEqual([kept.totals.balance_due, split.totals.balance_due], [0, 0]);
    assert.equal(kept.totals.shipping, 700);
    assert.deepEqual(await reservedByLine(t, order.id), {});
    assert.deepEqual(await reservedByLine(t, split.id), { [split.line_items[0].id]: 1 });
    assert.deepEqual(await levels(t, b), { on_hand: 9, reserved: 1, available: 8 });
    assert.deepEqual((await eventsOf(t, order.id)).slice(-1), ['order.split']);

    // The new order ships on its own; the original can still be delivered.
    assert.equal((await post(t, `/v1/orders/${split.id}/ship`, {})).status, 'shipped');
    assert.equal((await post(t, `/v1/orders/${order.id}/deliver`)).status, 'delivered');
    assert.deepEqual(await levels(t, b), { on_hand: 8, reserved: 0, available: 8 });
    await assertLedgerConsistent(t, [a, b]);
  });

  it('stays partially shipped while unshipped units remain on it', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 4, price: 250 },
        { sku: b, quantity: 1, price: 999 },
      ],
      payment: { status: 'paid' },
    });
    const [la] = order.line_items;
    await post(t, `/v1/orders/${order.id}/ship`, { line_items: [{ id: la.id, quantity: 1 }] });
    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ id: la.id, quantity: 2 }],
    });
    assert.equal(kept.status, 'partially_shipped');
    assert.deepEqual(
      kept.line_items.map((l: any) => [l.quantity, l.quantity_shipped]),
      [
        [2, 1],
        [1, 0],
      ],
    );
    assert.deepEqual(
      split.line_items.map((l: any) => [l.quantity, l.quantity_shipped]),
      [[2, 0]],
    );
    assert.deepEqual(
      [kept.totals.total, split.totals.total, kept.totals.paid, split.totals.paid],
      [1499, 500, 1499, 500],
    );
    assert.deepEqual(await reservedByLine(t, order.id), { [la.id]: 1, [order.line_items[1].id]: 1 });
    const rest = await post(t, `/v1/orders/${order.id}/ship`, {});
    assert.equal(rest.status, 'shipped');
    await assertLedgerConsistent(t, [a, b]);
  });
});
