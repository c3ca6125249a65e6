/** Line actions name a line by its id or by a SKU that is on exactly one line of the order. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext } from './helpers.js';
import { assertError } from './support.js';
import { assertLedgerConsistent, levels, placeOrder, post, stockedSkus } from './orders-helpers.js';

const paid = { status: 'paid', method: 'card' };

describe('orders: line actions by SKU', () => {
  it('ship, return, refund, split and exchange accept {sku, quantity}', async () => {
    const t = await getTestContext();
    const [a, b, c, d] = await stockedSkus(t, 10, 10, 10, 10);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 3, price: 1000 },
        { sku: b, quantity: 2, price: 500 },
        { sku: c, quantity: 1, price: 700 },
      ],
      payment: paid,
    });
    const [la, lb, lc] = order.line_items;

    const { order: kept, split_order: split } = await post(t, `/v1/orders/${order.id}/split`, {
      line_items: [{ sku: c, quantity: 1 }],
    });
    assert.deepEqual(
      split.line_items.map((l: any) => [l.sku, l.quantity]),
      [[c, 1]],
    );
    assert.deepEqual(
      kept.line_items.map((l: any) => l.id),
      [la.id, lb.id],
    );
    assert.equal(kept.totals.total + split.totals.total, order.totals.total);

    const shipped = await post(t, `/v1/orders/${order.id}/ship`, {
      line_items: [
        { sku: a, quantity: 2 },
        { id: lb.id, quantity: 2 },
      ],
    });
    assert.deepEqual(
      shipped.line_items.map((l: any) => [l.sku, l.quantity_shipped]),
      [
        [a, 2],
        [b, 2],
      ],
    );
    assert.equal(shipped.status, 'partially_shipped');
    assert.deepEqual(await levels(t, a), { on_hand: 8, reserved: 1, available: 7 });

    const returned = await post(t, `/v1/orders/${order.id}/return`, {
      line_items: [{ sku: a, quantity: 1, reason: 'too big' }],
    });
    assert.deepEqual(
      returned.return.line_items.map((l: any) => [l.order_line_item_id, l.quantity]),
      [[la.id, 1]],
    );
    assert.equal(returned.order.line_items[0].quantity_returned, 1);

    const refunded = await post(t, `/v1/orders/${order.id}/refund`, { line_items: [{ sku: b, quantity: 1 }] });
    assert.equal(refunded.totals.refunded, 500);
    assert.equal(refunded.line_items[1].quantity_refunded, 1);
    const [refund] = (await t.api('GET', `/v1/refunds?order_id=${order.id}`)).body.data;
    assert.deepEqual(refund.line_items, [{ order_line_item_id: lb.id, quantity: 1, amount: 500 }]);

    const exchange = await post(t, `/v1/orders/${order.id}/exchange`, {
      return_items: [{ sku: a, quantity: 1 }],
      new_items: [{ sku: d, quantity: 1, price: 1000 }],
    });
    assert.deepEqual(
      exchange.return.line_items.map((l: any) => [l.order_line_item_id, l.quantity]),
      [[la.id, 1]],
    );
    assert.equal(exchange.order.line_items[0].quantity_returned, 2);
    await assertLedgerConsistent(t, [a, b, c, d]);
  });

  it('removes a line by SKU (body or path)', async () => {
    const t = await getTestContext();
    const [a, b, c] = await stockedSkus(t, 5, 5, 5);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 1, price: 100 },
        { sku: b, quantity: 2, price: 100 },
        { sku: c, quantity: 1, price: 100 },
      ],
    });
    const viaBody = await post(t, `/v1/orders/${order.id}/remove_item`, { sku: b });
    assert.deepEqual(
      viaBody.line_items.map((l: any) => l.sku),
      [a, c],
    );
    const viaPath = await t.api('DELETE', `/v1/orders/${order.id}/line_items/${encodeURIComponent(c)}`);
    assert.equal(viaPath.status, 200, viaPath.raw);
    assert.deepEqual(
      viaPath.body.line_items.map((l: any) => l.sku),
      [a],
    );
    assert.deepEqual(await levels(t, b), { on_hand: 5, reserved: 0, available: 5 });
    assert.equal((await t.api('DELETE', `/v1/orders/${order.id}/line_items/NO-SUCH-SKU`)).status, 404);
    const unknown = await t.api('POST', `/v1/orders/${order.id}/remove_item`, { sku: 'NO-SUCH-SKU' });
    assertError(unknown, 400, 'invalid_request_error', 'validation_error');
    assert.match(unknown.body.error.message, /NO-SUCH-SKU/);
  });

  it('refuses a SKU on two lines (naming both ids), a SKU on none, and id with sku; nothing changes', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 10);
    const order = await placeOrder(t, {
      line_items: [
        { sku: a, quantity: 1, price: 100 },
        { sku: a, quantity: 2, price: 90 },
        { sku: b, quantity: 1, price: 100 },
      ],
      payment: paid,
    });
    const [first, second] = order.line_items;

    for (const [action, body] of [
      ['ship', { line_items: [{ sku: a, quantity: 1 }] }],
      ['split', { line_items: [{ sku: a, quantity: 1 }] }],
      ['refund', { line_items: [{ sku: a, quantity: 1 }] }],
      ['remove_item', { sku: a }],
    ] as const) {
      const res = await t.api('POST', `/v1/orders/${order.id}/${action}`, body);
      assertError(res, 400, 'invalid_request_error', 'ambiguous_sku');
      assert.deepEqual(res.body.error.details, { sku: a, line_item_ids: [first.id, second.id] }, action);
      assert.match(res.body.error.message, new RegExp(`${first.id}.*${second.id}`));
    }
    const missing = await t.api('POST', `/v1/orders/${order.id}/ship`, {
      line_items: [
        { id: first.id, quantity: 1 },
        { sku: 'NOPE-1', quantity: 1 },
      ],
    });
    assertError(missing, 400, 'invalid_request_error', 'validation_error');
    assert.equal(missing.body.error.details[0].path, 'line_items[1].sku');
    assert.match(missing.body.error.message, /NOPE-1/);

    const both = await t.api('POST', `/v1/orders/${order.id}/ship`, {
      line_items: [{ id: first.id, sku: a, quantity: 1 }],
    });
    assertError(both, 400, 'invalid_request_error', 'validation_error');
    const neither = await t.api('POST', `/v1/orders/${order.id}/split`, { line_items: [{ quantity: 1 }] });
    assertError(neither, 400, 'invalid_request_error', 'validation_error');

    const after = (await t.api('GET', `/v1/orders/${order.id}`)).body;
    assert.equal(after.version, order.version, 'nothing changed');
    assert.deepEqual(await levels(t, a), { on_hand: 10, reserved: 3, available: 7 });
    // The SKU that names one line still works on the same order.
    const shipped = await post(t, `/v1/orders/${order.id}/ship`, { line_items: [{ sku: b, quantity: 1 }] });
    assert.equal(shipped.line_items[2].quantity_shipped, 1);
  });

  it('shows id or sku in the OpenAPI request schemas', async () => {
    const t = await getTestContext();
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const resolve = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s);
    for (const [action, field] of [
      ['ship', 'line_items'],
      ['split', 'line_items'],
      ['refund', 'line_items'],
      ['return', 'line_items'],
      ['exchange', 'return_items'],
    ]) {
      const body = resolve(doc.paths[`/v1/orders/{id}/${action}`].post.requestBody.content['application/json'].schema);
      const variants = body.anyOf ?? body.oneOf ?? [body];
      const item = resolve(resolve(variants.find((v: any) => resolve(v).properties)).properties[field].items);
      assert.ok(item.properties.id && item.properties.sku, `${action}: id and sku`);
      assert.deepEqual(item.oneOf, [{ required: ['id'] }, { required: ['sku'] }], `${action}: one of id or sku`);
    }
  });
});
