import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext } from './helpers.js';
import {
  assertInvalidTransition,
  assertLedgerConsistent,
  eventsOf,
  getCustomer,
  levels,
  makeLocation,
  newCustomer,
  placeOrder,
  post,
  reservedByLine,
  stock,
  stockedSkus,
} from './orders-helpers.js';

describe('orders: ship and deliver', () => {
  it('ships partially by line, then the rest; consumes reservations and lowers on_hand', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 3, price: 100 },
        { sku: b, quantity: 2, price: 100 },
      ],
      payment: { status: 'paid' },
    });
    const [la, lb] = order.line_items;

    const pending = await placeOrder(t, { line_items: [{ sku: a, quantity: 1, price: 100 }] });
    assertInvalidTransition(await t.api('POST', `/v1/orders/${pending.id}/ship`, {}), 'pending', 'ship');

    const tooMany = await t.api('POST', `/v1/orders/${order.id}/ship`, { line_items: [{ id: la.id, quantity: 4 }] });
    assert.equal(tooMany.status, 409);
    assert.equal(tooMany.body.error.code, 'quantity_exceeds_remaining');
    const unknownLine = await t.api('POST', `/v1/orders/${order.id}/ship`, {
      line_items: [{ id: 'oli_nope', quantity: 1 }],
    });
    assert.equal(unknownLine.status, 400);
    assert.equal(unknownLine.body.error.details[0].path, 'line_items[0].id');

    const first = await post(t, `/v1/orders/${order.id}/ship`, {
      line_items: [{ id: la.id, quantity: 2 }],
      carrier: 'UPS',
      tracking_number: '1Z1',
    });
    assert.equal(first.status, 'partially_shipped');
    assert.equal(first.fulfillment_status, 'partially_shipped');
    assert.equal(first.line_items[0].quantity_shipped, 2);
    assert.equal(first.shipping.tracking_number, '1Z1');
    assert.deepEqual(await levels(t, a), { on_hand: 8, reserved: 2, available: 6 });
    assert.deepEqual(await reservedByLine(t, order.id), { [la.id]: 1, [lb.id]: 2 });
    assert.deepEqual(await levels(t, b), { on_hand: 10, reserved: 2, available: 8 });
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/deliver`), 'partially_shipped', 'deliver');
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/cancel`, {}), 'partially_shipped', 'cancel');

    const second = await post(t, `/v1/orders/${order.id}/ship`, { carrier: 'FedEx', tracking_number: '77' });
    assert.equal(second.status, 'shipped');
    assert.equal(second.fulfillment_status, 'shipped');
    assert.ok(second.shipped_at);
    assert.deepEqual(
      await levels(t, a),
      { on_hand: 7, reserved: 1, available: 6 },
      'the pending order still holds one',
    );
    assert.deepEqual(await levels(t, b), { on_hand: 8, reserved: 0, available: 8 });
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/ship`, {}), 'shipped', 'ship');

    const shipments = await t.api('GET', `/v1/shipments?order_id=${order.id}&sort=created_at`);
    assert.equal(shipments.body.total_count, 2);
    const [s1, s2] = shipments.body.data;
    assert.match(s1.id, /^shp_/);
    assert.deepEqual(s1.line_items, [{ order_line_item_id: la.id, sku: a, quantity: 2 }]);
    assert.equal(s2.carrier, 'FedEx');
    assert.deepEqual(
      s2.line_items.map((l: any) => l.quantity),
      [1, 2],
    );
    const movements = await t.db
      .selectFrom('inventory_movements')
      .select(['reason', 'quantity', 'reference_type', 'reference_id'])
      .where('reference_id', '=', s1.id)
      .execute();
    assert.deepEqual(
      movements.map((m) => [m.reason, Number(m.quantity), m.reference_type]),
      [['shipment', -2, 'shipment']],
    );

    const delivered = await post(t, `/v1/orders/${order.order_number}/deliver`);
    assert.equal(delivered.status, 'delivered');
    assert.equal(delivered.fulfillment_status, 'delivered');
    assert.ok(delivered.delivered_at);
    const after = await t.api('GET', `/v1/shipments/${s1.id}`);
    assert.equal(after.body.status, 'delivered');
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/deliver`), 'delivered', 'deliver');
    assert.deepEqual((await eventsOf(t, order.id)).slice(1), [
      'order.partially_shipped',
      'order.shipped',
      'order.delivered',
    ]);
    assert.deepEqual(await eventsOf(t, s1.id), ['shipment.created', 'shipment.delivered']);
    await assertLedgerConsistent(t, [a, b]);
  });

  it('ships what remains at one location and refuses lines from another', async () => {
    const t = await getTestContext();
    const [a] = await stockedSkus(t, 5);
    const order = await placeOrder(t, {
      line_items: [{ sku: a, quantity: 1, price: 100 }],
      payment: { status: 'paid' },
    });
    const other = await makeLocation(t);
    const elsewhere = await t.api('POST', `/v1/orders/${order.id}/ship`, { location_id: other });
    assert.equal(elsewhere.status, 409);
    assert.equal(elsewhere.body.error.code, 'nothing_to_ship');
    assert.equal(
      (await t.api('POST', `/v1/orders/${order.id}/ship`, { location_id: 'loc_elsewhere' })).status,
      404,
      'an unknown location',
    );
    const mismatch = await t.api('POST', `/v1/orders/${order.id}/ship`, {
      location_id: other,
      line_items: [{ id: order.line_items[0].id, quantity: 1 }],
    });
    assert.equal(mismatch.body.error.code, 'location_mismatch');
    const shipped = await post(t, `/v1/orders/${order.id}/ship`, { location_id: order.line_items[0].location_id });
    assert.equal(shipped.status, 'shipped');
  });

  it('updates shipment tracking and cancels an undelivered shipment, putting its stock back and reserving it again', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 5, 5);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 2, price: 100 },
        { sku: b, quantity: 1, price: 100 },
      ],
      payment: { status: 'paid' },
    });
    const partial = await post(t, `/v1/orders/${order.id}/ship`, {
      line_items: [{ id: order.line_items[0].id, quantity: 2 }],
    });
    assert.equal(partial.status, 'partially_shipped');
    const [shipment] = (await t.api('GET', `/v1/shipments?order_id=${order.id}`)).body.data;

    const stale = await t.api('PATCH', `/v1/shipments/${shipment.id}`, { tracking_number: 'X' }, { 'if-match': '99' });
    assert.equal(stale.status, 412);
    const tracked = await t.api('PATCH', `/v1/shipments/${shipment.id}`, {
      tracking_number: '1Z999',
      carrier: 'UPS',
      tracking_url: 'https://ups.example/1Z999',
    });
    assert.equal(tracked.status, 200, tracked.raw);
    assert.equal(tracked.body.tracking_number, '1Z999');
    assert.equal(tracked.body.version, 2);

    assert.deepEqual(await levels(t, a), { on_hand: 3, reserved: 0, available: 3 });
    const cancelled = await post(t, `/v1/shipments/${shipment.id}/cancel`);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.cancelled_at);
    assert.deepEqual(
      await levels(t, a),
      { on_hand: 5, reserved: 2, available: 3 },
      'back on hand and reserved for the line again',
    );
    const reopened = (await t.api('GET', `/v1/orders/${order.id}`)).body;
    assert.equal(reopened.status, 'processing');
    assert.equal(reopened.line_items[0].quantity_shipped, 0);
    assert.equal(reopened.fulfillment_status, 'unfulfilled');
    const twice = await t.api('POST', `/v1/shipments/${shipment.id}/cancel`);
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, 'invalid_transition');
    assert.match(twice.body.error.message, /cancel a shipment in status "cancelled"/);

    // A delivered order's shipment cannot be cancelled.
    await post(t, `/v1/orders/${order.id}/ship`, {});
    await post(t, `/v1/orders/${order.id}/deliver`);
    const [latest] = (await t.api('GET', `/v1/shipments?order_id=${order.id}&status=delivered`)).body.data;
    const refused = await t.api('POST', `/v1/shipments/${latest.id}/cancel`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'invalid_transition');
    assert.deepEqual(await eventsOf(t, shipment.id), ['shipment.created', 'shipment.updated', 'shipment.cancelled']);
    await assertLedgerConsistent(t, [a, b]);
  });
});

describe('orders: concurrent shipping and cancelling', () => {
  it('ships and cancels orders that share SKUs in opposite line orders at once, without deadlock', async () => {
    const t = await getTestContext();
    const [a, b, c] = await stockedSkus(t, 200, 200, 200);
    const lines = (skus: string[]) => skus.map((sku) => ({ sku, quantity: 1, price: 100 }));
    const orders = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        placeOrder(t, { line_items: lines(i % 2 ? [a, b, c] : [c, b, a]), payment: { status: 'paid' } }),
      ),
    );
    // Half ship and half cancel, all at once: each touches the same three inventory rows.
    const results = await Promise.all(
      orders.map((o, i) =>
        t.api('POST', `/v1/orders/${o.id}/${i % 4 < 2 ? 'ship' : 'cancel'}`, i % 4 < 2 ? {} : { reason: 'other' }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(24).fill(200),
      results.find((r) => r.status !== 200)?.raw,
    );
    for (const sku of [a, b, c]) assert.deepEqual(await levels(t, sku), { on_hand: 188, reserved: 0, available: 188 });
    await assertLedgerConsistent(t, [a, b, c]);
  });
});

describe('orders: shipping with a balance', () => {
  it('refuses to ship a processing order that gained a balance (a line added after payment) until it is paid', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 5, 5);
    const order = await placeOrder(t, {
      line_items: [{ sku: a, quantity: 1, price: 1000 }],
      payment: { status: 'paid' },
    });
    const added = await post(t, `/v1/orders/${order.id}/line_items`, { sku: b, quantity: 1, price: 400 });
    assert.equal(added.status, 'processing');
    assert.equal(added.totals.balance_due, 400);
    const refused = await t.api('POST', `/v1/orders/${order.id}/ship`, {});
    assert.equal(refused.status, 409, refused.raw);
    assert.equal(refused.body.error.code, 'balance_due');
    assert.equal(refused.body.error.details.balance_due, 400);
    assert.deepEqual(await levels(t, b), { on_hand: 5, reserved: 1, available: 4 }, 'nothing consumed');
    await post(t, `/v1/orders/${order.id}/pay`, {});
    const shipped = await post(t, `/v1/orders/${order.id}/ship`, {});
    assert.equal(shipped.status, 'shipped');
  });
});

describe('orders: returns, refunds, exchanges', () => {
  it('returns shipped units only, then refunds them at their share of the line to the cent', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const customer = await newCustomer(t);
    // 3 x 1000, 10% off = 2700, 8.75% tax = 236.25 -> 236: the line is worth 2936.
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku, quantity: 3, price: 1000 }],
      discounts: [{ type: 'percentage', value: 10 }],
      tax_rate: 8.75,
      payment: { status: 'paid' },
    });
    assert.equal(order.totals.total, 2936);
    const line = order.line_items[0];
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${order.id}/return`, { line_items: [{ id: line.id, quantity: 1 }] }),
      'processing',
      'return',
    );
    await post(t, `/v1/orders/${order.id}/ship`, { line_items: [{ id: line.id, quantity: 2 }] });
    const tooMany = await t.api('POST', `/v1/orders/${order.id}/return`, {
      line_items: [{ id: line.id, quantity: 3 }],
    });
    assert.equal(tooMany.status, 409);
    assert.equal(tooMany.body.error.code, 'return_exceeds_shipped');
    assert.equal(tooMany.body.error.details.returnable, 2);

    const returned = await post(t, `/v1/orders/${order.id}/return`, {
      line_items: [{ id: line.id, quantity: 1, condition: 'like_new', reason: 'too big' }],
      reason_code: 'not_satisfied',
    });
    assert.equal(returned.object, 'order_return');
    assert.equal(returned.order.line_items[0].quantity_returned, 1);
    assert.equal(returned.order.fulfillment_status, 'partially_returned');
    const rma = returned.return;
    assert.match(rma.id, /^ret_/);
    assert.match(rma.rma, /^RMA-\d{6}$/);
    assert.equal(rma.status, 'requested');
    assert.equal(rma.reason_code, 'not_satisfied');
    assert.equal(rma.line_items[0].refund_amount, 978, 'floor(2936 / 3)');
    assert.equal(rma.totals.refund_total, 978);
    assert.equal((await t.api('GET', `/v1/returns/${rma.id}`)).body.rma, rma.rma);
    assert.equal((await t.api('GET', `/v1/returns/${rma.rma}`)).body.id, rma.id);
    assert.deepEqual(
      (await t.api('GET', `/v1/returns?order_id=${order.id}`)).body.data.map((r: any) => r.id),
      [rma.id],
    );
    const again = await t.api('POST', `/v1/orders/${order.id}/return`, { line_items: [{ id: line.id, quantity: 2 }] });
    assert.equal(again.status, 409, 'one shipped unit left to return');

    const tooMuch = await t.api('POST', `/v1/orders/${order.id}/refund`, { amount: 2937 });
    assert.equal(tooMuch.status, 409);
    assert.equal(tooMuch.body.error.code, 'refund_exceeds_paid');
    const refunded = await post(t, `/v1/orders/${order.id}/refund`, {
      line_items: [{ id: line.id, quantity: 1 }],
      reason: 'returned',
      return_id: rma.id,
    });
    assert.equal(refunded.totals.refunded, 978);
    assert.equal(refunded.payment_status, 'partially_refunded');
    assert.equal(refunded.line_items[0].quantity_refunded, 1);
    const refund = (await t.api('GET', `/v1/refunds?return_id=${rma.id}`)).body.data[0];
    assert.match(refund.id, /^re_/);
    assert.equal(refund.amount, 978);
    assert.deepEqual(refund.line_items, [{ order_line_item_id: line.id, quantity: 1, amount: 978 }]);
    assert.equal((await t.api('GET', `/v1/refunds/${refund.id}`)).body.order_id, order.id);
    assert.equal((await t.api('GET', `/v1/returns/${rma.id}`)).body.refund_id, refund.id);

    // The next unit is worth 979 (cumulative shares), and the rest of the money can be refunded.
    await post(t, `/v1/orders/${order.id}/ship`, {});
    const second = await post(t, `/v1/orders/${order.id}/return`, { line_items: [{ id: line.id, quantity: 2 }] });
    assert.equal(second.return.totals.refund_total, 979 + 979);
    assert.equal(second.order.fulfillment_status, 'returned');
    const rest = await post(t, `/v1/orders/${order.id}/refund`, {});
    assert.equal(rest.totals.refunded, 2936);
    assert.equal(rest.payment_status, 'refunded');
    const nothing = await t.api('POST', `/v1/orders/${order.id}/refund`, { amount: 1 });
    assert.equal(nothing.body.error.code, 'refund_exceeds_paid');
    assert.equal((await getCustomer(t, customer.id)).lifetime_value, 0);
    const events = await eventsOf(t, order.id);
    assert.deepEqual(
      events.filter((e) => e === 'order.returned' || e === 'order.refunded'),
      ['order.returned', 'order.refunded', 'order.returned', 'order.refunded'],
    );
    // Issue 12: refunding a return is an action on the return too, so its timeline shows it.
    assert.deepEqual(await eventsOf(t, rma.id), ['return.created', 'return.refunded']);
  });

  it('refuses refunding an unpaid order and refunding units twice', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const unpaid = await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 500 }] });
    const res = await t.api('POST', `/v1/orders/${unpaid.id}/refund`, {});
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'refund_exceeds_paid');
    const paid = await placeOrder(t, { line_items: [{ sku, quantity: 2, price: 500 }], payment: { status: 'paid' } });
    await post(t, `/v1/orders/${paid.id}/refund`, { line_items: [{ id: paid.line_items[0].id, quantity: 2 }] });
    const twice = await t.api('POST', `/v1/orders/${paid.id}/refund`, {
      line_items: [{ id: paid.line_items[0].id, quantity: 1 }],
    });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, 'refund_exceeds_quantity');
  });

  it('refunds a return once: a repeated refund of it is refused, and its units cannot be refunded again by line', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const customer = await newCustomer(t);
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku, quantity: 3, price: 1250 }],
      payment: { status: 'paid' },
    });
    const line = order.line_items[0];
    await post(t, `/v1/orders/${order.id}/ship`, {});
    const { return: rma } = await post(t, `/v1/orders/${order.id}/return`, {
      line_items: [{ id: line.id, quantity: 2 }],
      reason_code: 'damaged',
    });
    assert.equal(rma.totals.refund_total, 2500);

    const overReturn = await t.api('POST', `/v1/orders/${order.id}/refund`, { return_id: rma.id, amount: 2501 });
    assert.equal(overReturn.status, 409, overReturn.raw);
    assert.equal(overReturn.body.error.code, 'refund_exceeds_return');
    const refunded = await post(t, `/v1/orders/${order.id}/refund`, { return_id: rma.id });
    assert.equal(refunded.totals.refunded, 2500);
    assert.equal(refunded.line_items[0].quantity_refunded, 2, 'the returned units count as refunded');

    // A second click on "refund this return" pays nothing more.
    const again = await t.api('POST', `/v1/orders/${order.id}/refund`, { return_id: rma.id });
    assert.equal(again.status, 409, again.raw);
    assert.equal(again.body.error.code, 'return_already_refunded');
    // Nor can those units be refunded again by line: one unit is left.
    const byLine = await t.api('POST', `/v1/orders/${order.id}/refund`, { line_items: [{ id: line.id, quantity: 2 }] });
    assert.equal(byLine.status, 409, byLine.raw);
    assert.equal(byLine.body.error.code, 'refund_exceeds_quantity');
    const after = (await t.api('GET', `/v1/orders/${order.id}`)).body;
    assert.equal(after.totals.refunded, 2500);
    assert.equal((await t.api('GET', `/v1/refunds?order_id=${order.id}`)).body.total_count, 1);
    assert.equal((await getCustomer(t, customer.id)).lifetime_value, 3750 - 2500);

    // Units refunded by line first cannot be refunded again through a return of them.
    const second = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku, quantity: 2, price: 1000 }],
      payment: { status: 'paid' },
    });
    await post(t, `/v1/orders/${second.id}/ship`, {});
    await post(t, `/v1/orders/${second.id}/refund`, { line_items: [{ id: second.line_items[0].id, quantity: 2 }] });
    const { return: late } = await post(t, `/v1/orders/${second.id}/return`, {
      line_items: [{ id: second.line_items[0].id, quantity: 1 }],
    });
    const lateRefund = await t.api('POST', `/v1/orders/${second.id}/refund`, { return_id: late.id });
    assert.equal(lateRefund.status, 409, lateRefund.raw);
    assert.equal(lateRefund.body.error.code, 'refund_exceeds_quantity', lateRefund.raw);
  });

  it('exchanges for a dearer item: the credit pays the new order, which stays unpaid for the difference', async () => {
    const t = await getTestContext();
    const [old, dear] = await stockedSkus(t, 5, 5);
    const customer = await newCustomer(t);
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: old, quantity: 2, price: 1500 }],
      payment: { status: 'paid' },
    });
    await post(t, `/v1/orders/${order.id}/ship`, {});
    const ex = await post(t, `/v1/orders/${order.id}/exchange`, {
      return_items: [{ id: order.line_items[0].id, quantity: 1, reason: 'wrong size' }],
      new_items: [{ sku: dear, quantity: 1, price: 2000 }],
      reason_code: 'wrong_item',
    });
    assert.equal(ex.object, 'order_exchange');
    assert.equal(ex.return_value, 1500);
    assert.equal(ex.price_difference, 500);
    assert.equal(ex.settlement, 'charge');
    assert.equal(ex.credit_applied, 1500);
    assert.equal(ex.amount_due, 500);
    assert.equal(ex.amount_refunded, 0);
    assert.equal(ex.exchange_order.exchange_for_return_id, ex.return.id);
    assert.equal(ex.return.exchange_order_id, ex.exchange_order.id);
    assert.equal(ex.return.type, 'replacement');
    assert.equal(ex.exchange_order.status, 'pending');
    assert.equal(ex.exchange_order.totals.paid, 1500);
    assert.equal(ex.exchange_order.totals.balance_due, 500);
    assert.equal(ex.exchange_order.customer_id, customer.id);
    assert.deepEqual(
      ex.refunds.map((r: any) => [r.method, r.amount]),
      [['exchange_credit', 1500]],
    );
    assert.equal(ex.order.totals.refunded, 1500);
    assert.equal(ex.order.line_items[0].quantity_returned, 1);
    assert.equal(ex.order.line_items[0].quantity_refunded, 1, 'the credited unit counts as refunded');
    // Only the unit that was not exchanged can still be refunded by line.
    const both = await t.api('POST', `/v1/orders/${order.id}/refund`, {
      line_items: [{ id: order.line_items[0].id, quantity: 2 }],
    });
    assert.equal(both.status, 409, both.raw);
    assert.equal(both.body.error.code, 'refund_exceeds_quantity');
    assert.deepEqual(await levels(t, dear), { on_hand: 5, reserved: 1, available: 4 });
    const paid = await post(t, `/v1/orders/${ex.exchange_order.id}/pay`, {});
    assert.equal(paid.totals.paid, 2000);
    assert.equal(paid.status, 'processing');
    const c = await getCustomer(t, customer.id);
    assert.equal(c.order_count, 2);
    assert.equal(c.lifetime_value, 3000 - 1500 + 1500 + 500);
    assert.ok((await eventsOf(t, order.id)).includes('order.exchanged'));
  });

  it('exchanges for a cheaper item: the new order is paid and the rest refunded', async () => {
    const t = await getTestContext();
    const [old, cheap] = await stockedSkus(t, 5, 5);
    const order = await placeOrder(t, {
      line_items: [{ sku: old, quantity: 1, price: 1500 }],
      payment: { status: 'paid' },
    });
    await post(t, `/v1/orders/${order.id}/ship`, {});
    const ex = await post(t, `/v1/orders/${order.id}/exchange`, {
      return_items: [{ id: order.line_items[0].id, quantity: 1 }],
      new_items: [{ sku: cheap, quantity: 1, price: 1000 }],
    });
    assert.equal(ex.price_difference, -500);
    assert.equal(ex.settlement, 'refund');
    assert.equal(ex.amount_refunded, 500);
    assert.equal(ex.amount_due, 0);
    assert.equal(ex.exchange_order.status, 'processing');
    assert.deepEqual(
      ex.refunds.map((r: any) => [r.method, r.amount]),
      [
        ['exchange_credit', 1000],
        ['original_payment', 500],
      ],
    );
    assert.equal(ex.order.payment_status, 'refunded');
    const over = await t.api('POST', `/v1/orders/${order.id}/exchange`, {
      return_items: [{ id: order.line_items[0].id, quantity: 1 }],
      new_items: [{ sku: cheap, quantity: 1, price: 1 }],
    });
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'return_exceeds_shipped');
    const short = await t.api('POST', `/v1/orders/${order.id}/exchange`, {
      return_items: [{ id: order.line_items[0].id, quantity: 1 }],
      new_items: [{ sku: cheap, quantity: 99, price: 1 }],
    });
    assert.equal(short.status, 409);
    await assertLedgerConsistent(t, [old, cheap]);
  });

  it('ships units received after a partial shipment, and the ledger agrees', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 3);
    const order = await placeOrder(t, { line_items: [{ sku, quantity: 3, price: 100 }], payment: { status: 'paid' } });
    await post(t, `/v1/orders/${order.id}/ship`, { line_items: [{ id: order.line_items[0].id, quantity: 1 }] });
    await stock(t, sku, 2);
    await post(t, `/v1/orders/${order.id}/ship`, {});
    assert.deepEqual(await levels(t, sku), { on_hand: 2, reserved: 0, available: 2 });
    await assertLedgerConsistent(t, [sku]);
  });
});

describe('orders: more refusals', () => {
  it('checks If-Match on actions, refunds a return by its id, and keeps returned units from being un-shipped', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const order = await placeOrder(t, { line_items: [{ sku, quantity: 2, price: 1000 }], payment: { status: 'paid' } });
    const stale = await t.api(
      'POST',
      `/v1/orders/${order.id}/hold`,
      { reason: 'x' },
      { 'if-match': String(order.version + 1) },
    );
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error.code, 'precondition_failed');
    const shipped = await t.api('POST', `/v1/orders/${order.id}/ship`, {}, { 'if-match': String(order.version) });
    assert.equal(shipped.status, 200, shipped.raw);
    const returned = await post(t, `/v1/orders/${order.id}/return`, {
      line_items: [{ id: order.line_items[0].id, quantity: 1 }],
      reason_code: 'defective',
    });
    const refunded = await post(t, `/v1/orders/${order.id}/refund`, { return_id: returned.return.id });
    assert.equal(refunded.totals.refunded, 1000, "the return's refund_total");
    const other = await t.api('POST', `/v1/orders/${order.id}/refund`, { return_id: 'ret_elsewhere' });
    assert.equal(other.status, 400);
    const [shipment] = (await t.api('GET', `/v1/shipments?order_id=${order.id}`)).body.data;
    const refused = await t.api('POST', `/v1/shipments/${shipment.id}/cancel`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'shipment_has_returns');
    await assertLedgerConsistent(t, [sku]);
  });

  it('adds a line as backordered when the order allows backorders', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 5, 1);
    const order = await placeOrder(t, { line_items: [{ sku: a, quantity: 1, price: 100 }], allow_backorder: true });
    const added = await post(t, `/v1/orders/${order.id}/line_items`, { sku: b, quantity: 3, price: 100 });
    assert.equal(added.line_items[1].quantity_backordered, 2);
    assert.deepEqual(await levels(t, b), { on_hand: 1, reserved: 1, available: 0 });
    const strict = await t.api('POST', `/v1/orders/${order.id}/line_items`, {
      sku: b,
      quantity: 1,
      price: 100,
      allow_backorder: false,
    });
    assert.equal(strict.status, 409);
    assert.equal(strict.body.error.code, 'insufficient_inventory');
  });
});

describe('orders: refunds by amount and line_items', () => {
  it('refuses an amount above what the named units are worth, writing nothing', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    // 3 x 3333 = 9999, shipping 500: total 10499; one unit of the line is worth floor(9999 / 3) = 3333.
    const order = await placeOrder(t, {
      line_items: [{ sku, quantity: 3, price: 3333 }],
      shipping: { amount: 500 },
      payment: { status: 'paid' },
    });
    assert.equal(order.totals.total, 10499);
    const line = order.line_items[0];
    for (const amount of [9000, 3334]) {
      const res = await t.api('POST', `/v1/orders/${order.id}/refund`, {
        amount,
        line_items: [{ id: line.id, quantity: 1 }],
        reason: 'x',
      });
      assert.equal(res.status, 409, res.raw);
      assert.equal(res.body.error.code, 'refund_exceeds_lines');
      assert.equal(res.body.error.param, 'amount');
      assert.equal(res.body.error.details.refundable, 3333);
      assert.match(res.body.error.message, /3333/);
    }
    // Nothing was written: no refund, the order (and its line) as it was, no event.
    assert.deepEqual((await t.api('GET', `/v1/refunds?order_id=${order.id}`)).body.data, []);
    const after = (await t.api('GET', `/v1/orders/${order.id}`)).body;
    assert.deepEqual(after.totals, {
      subtotal: 9999,
      discount: 0,
      tax: 0,
      shipping: 500,
      total: 10499,
      paid: 10499,
      refunded: 0,
      balance_due: 0,
    });
    assert.equal(after.payment_status, 'paid');
    assert.equal(after.line_items[0].quantity_refunded, 0);
    assert.equal(after.version, order.version);
    assert.ok(!(await eventsOf(t, order.id)).includes('order.refunded'));

    // Exactly the units' value is allowed.
    const refunded = await post(t, `/v1/orders/${order.id}/refund`, {
      amount: 3333,
      line_items: [{ id: line.id, quantity: 1 }],
      reason: 'x',
    });
    assert.deepEqual(refunded.totals, {
      subtotal: 9999,
      discount: 0,
      tax: 0,
      shipping: 500,
      total: 10499,
      paid: 10499,
      refunded: 3333,
      balance_due: 0,
    });
    assert.equal(refunded.payment_status, 'partially_refunded');
    assert.equal(refunded.line_items[0].quantity_refunded, 1);
    const refunds = (await t.api('GET', `/v1/refunds?order_id=${order.id}`)).body.data;
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0].amount, 3333);
    assert.deepEqual(refunds[0].line_items, [{ order_line_item_id: line.id, quantity: 1, amount: 3333 }]);
  });

  it("spreads an amount below the units' value over them so the refund's lines add up to it", async () => {
    const t = await getTestContext();
    const [c, d] = await stockedSkus(t, 5, 5);
    // Subtotal 9999 + 1000 = 10999; 10% = 1100 off, by line 1000 and 100; tax 8.75% of 9899 = 866,
    // by line 787 and 79. Line totals: C 9999 - 1000 + 787 = 9786, D 1000 - 100 + 79 = 979.
    const order = await placeOrder(t, {
      line_items: [
        { sku: c, quantity: 3, price: 3333 },
        { sku: d, quantity: 2, price: 500 },
      ],
      discounts: [{ type: 'percentage', value: 10 }],
      tax_rate: 8.75,
      payment: { status: 'paid' },
    });
    assert.equal(order.totals.total, 10765);
    const [lc, ld] = order.line_items;
    assert.deepEqual([lc.total, ld.total], [9786, 979]);
    const items = [
      { id: lc.id, quantity: 1 },
      { id: ld.id, quantity: 2 },
    ];

    // One C unit is worth floor(9786 / 3) = 3262, both D units 979: 4241 at most.
    const over = await t.api('POST', `/v1/orders/${order.id}/refund`, { amount: 4242, line_items: items });
    assert.equal(over.status, 409, over.raw);
    assert.equal(over.body.error.code, 'refund_exceeds_lines');
    assert.equal(over.body.error.details.refundable, 4241);
    assert.deepEqual((await t.api('GET', `/v1/refunds?order_id=${order.id}`)).body.data, []);
    assert.equal((await t.api('GET', `/v1/orders/${order.id}`)).body.totals.refunded, 0);

    // 3000 over 3262 : 979 = 2307.47 : 692.53 -> 2307 and 693.
    const refunded = await post(t, `/v1/orders/${order.id}/refund`, { amount: 3000, line_items: items });
    assert.deepEqual(refunded.totals, {
      subtotal: 10999,
      discount: 1100,
      tax: 866,
      shipping: 0,
      total: 10765,
      paid: 10765,
      refunded: 3000,
      balance_due: 0,
    });
    assert.deepEqual(
      refunded.line_items.map((l: any) => l.quantity_refunded),
      [1, 2],
    );
    const [refund] = (await t.api('GET', `/v1/refunds?order_id=${order.id}`)).body.data;
    assert.equal(refund.amount, 3000);
    assert.deepEqual(refund.line_items, [
      { order_line_item_id: lc.id, quantity: 1, amount: 2307 },
      { order_line_item_id: ld.id, quantity: 2, amount: 693 },
    ]);
  });
});
