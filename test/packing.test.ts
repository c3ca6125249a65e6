/** Packing lists (issue 13): inbound lists receive through purchasing, never twice; outbound from a shipment. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique } from './helpers.js';
import { assertError } from './support.js';
import { approvedPurchaseOrder, assertLedgerClean, eventTypes, newWarehouse, stockOf } from './supply-helpers.js';

describe('packing lists', () => {
  it('inbound: lists the open lines, arrives partially then the rest, receiving into stock against the PO', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const sku = unique('PKL-');
    const po = await approvedPurchaseOrder(t, wh.id, [
      { sku: `${sku}-A`, quantity_ordered: 6, unit_cost: 100 },
      { sku: `${sku}-B`, quantity_ordered: 4, unit_cost: 250 },
    ]);
    const created = await t.api('POST', '/v1/packing_lists', {
      direction: 'inbound',
      purchase_order_id: po.po_number,
      carrier: 'DHL',
      tracking_number: '1234567890',
    });
    assert.equal(created.status, 201, created.raw);
    const list = created.body;
    assert.match(list.packing_list_number, /^PKL-\d{6}$/);
    assert.deepEqual(
      list.line_items.map((i: any) => [i.sku, i.quantity, i.quantity_arrived]),
      [
        [`${sku}-A`, 6, 0],
        [`${sku}-B`, 4, 0],
      ],
    );
    assertError(await t.api('POST', `/v1/packing_lists/${list.id}/arrive`), 409, 'conflict', 'invalid_transition');
    assertError(await t.api('POST', `/v1/packing_lists/${list.id}/ship`), 409, 'conflict', 'invalid_transition');
    assert.equal((await t.api('POST', `/v1/packing_lists/${list.id}/submit`)).body.status, 'submitted');
    const shipped = await t.api('POST', `/v1/packing_lists/${list.packing_list_number}/ship`);
    assert.equal(shipped.body.status, 'shipped');
    assert.ok(shipped.body.ship_date);
    assertError(await t.api('POST', `/v1/packing_lists/${list.id}/cancel`), 409, 'conflict', 'invalid_transition');

    const partial = await t.api('POST', `/v1/packing_lists/${list.id}/arrive`, {
      line_items: [{ id: `${sku}-A`, quantity: 4 }],
    });
    assert.equal(partial.status, 200, partial.raw);
    assert.equal(partial.body.status, 'partially_arrived');
    let a = await stockOf(t, `${sku}-A`, wh.id);
    assert.deepEqual([a.on_hand, a.incoming], [4, 2]);
    assert.equal((await t.api('GET', `/v1/purchase_orders/${po.id}`)).body.status, 'partially_received');

    const over = await t.api('POST', `/v1/packing_lists/${list.id}/arrive`, {
      line_items: [{ id: list.line_items[0].id, quantity: 3 }],
    });
    assertError(over, 409, 'conflict', 'over_arrival');
    assert.equal((await stockOf(t, `${sku}-A`, wh.id)).on_hand, 4, 'a refused arrival leaves no trace');

    const rest = await t.api('POST', `/v1/packing_lists/${list.id}/arrive`);
    assert.equal(rest.status, 200, rest.raw);
    assert.equal(rest.body.status, 'arrived');
    assert.ok(rest.body.line_items.every((i: any) => i.arrived));
    a = await stockOf(t, `${sku}-A`, wh.id);
    const b = await stockOf(t, `${sku}-B`, wh.id);
    assert.deepEqual([a.on_hand, a.incoming, b.on_hand, b.incoming], [6, 0, 4, 0]);
    assert.equal((await t.api('GET', `/v1/purchase_orders/${po.id}`)).body.status, 'received');
    assertError(await t.api('POST', `/v1/packing_lists/${list.id}/arrive`), 409, 'conflict', 'invalid_transition');
    assert.equal((await t.api('POST', `/v1/packing_lists/${list.id}/verify`)).body.status, 'verified');
    assert.deepEqual(await eventTypes(t, list.id), [
      'packing_list.created',
      'packing_list.submitted',
      'packing_list.shipped',
      'packing_list.arrived',
      'packing_list.arrived',
      'packing_list.verified',
    ]);
    const movements = await t.api('GET', `/v1/inventory_items/${a.id}/movements`);
    assert.deepEqual(movements.body.data.map((m: any) => [m.reason, m.reference?.type, m.quantity]).sort(), [
      ['receipt', 'purchase_order', 2],
      ['receipt', 'purchase_order', 4],
    ]);
    await assertLedgerClean(t);
  });

  it('parallel arrivals of one list, and a PO received directly meanwhile, never receive twice', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const sku = unique('TWICE-');
    const po = await approvedPurchaseOrder(t, wh.id, [{ sku, quantity_ordered: 10, unit_cost: 100 }]);
    const list = (await t.api('POST', '/v1/packing_lists', { direction: 'inbound', purchase_order_id: po.id })).body;
    await t.api('POST', `/v1/packing_lists/${list.id}/submit`);
    await t.api('POST', `/v1/packing_lists/${list.id}/ship`);
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => t.api('POST', `/v1/packing_lists/${list.id}/arrive`)),
      t.api('POST', `/v1/purchase_orders/${po.id}/receive`, { line_items: [{ id: sku, quantity: 3 }] }),
    ]);
    const ok = results.filter((r) => r.status === 200);
    for (const r of results) if (r.status !== 200) assert.equal(r.status, 409, r.raw);
    const stock = await stockOf(t, sku, wh.id);
    const line = (await t.api('GET', `/v1/purchase_orders/${po.id}`)).body.line_items[0];
    assert.ok(stock.on_hand <= 10, `on_hand ${stock.on_hand} never passes the ordered 10`);
    assert.equal(stock.on_hand, line.quantity_received);
    assert.equal(stock.incoming, 10 - stock.on_hand);
    assert.ok(ok.length >= 1);
    await assertLedgerClean(t);
  });

  it("outbound: built from an order's shipment; arrival records delivery without moving stock", async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const sku = unique('OUT-');
    await t.api('POST', '/v1/inventory_items', { sku, location_id: wh.id, on_hand: 5 });
    const order = await t.api('POST', '/v1/orders', {
      customer: { email: `${unique('pk')}@example.com` },
      location_id: wh.id,
      line_items: [{ sku, quantity: 2, price: 1500 }],
      payment: { method: 'card', status: 'paid' },
    });
    assert.equal(order.status, 201, order.raw);
    await t.api('POST', `/v1/orders/${order.body.id}/ship`, { carrier: 'UPS' });
    const shipment = (await t.api('GET', `/v1/shipments?order_id=${order.body.id}`)).body.data[0];
    const created = await t.api('POST', '/v1/packing_lists', {
      direction: 'outbound',
      shipment_id: shipment.id,
      order_id: order.body.order_number,
    });
    assert.equal(created.status, 201, created.raw);
    assert.equal(created.body.order_id, order.body.id);
    assert.equal(created.body.location_id, wh.id);
    assert.deepEqual(
      created.body.line_items.map((i: any) => [i.sku, i.quantity]),
      [[sku, 2]],
    );
    const id = created.body.id;
    for (const action of ['submit', 'ship', 'arrive', 'verify'])
      assert.equal((await t.api('POST', `/v1/packing_lists/${id}/${action}`)).status, 200);
    assert.equal((await stockOf(t, sku, wh.id)).on_hand, 3);
    assertError(
      await t.api('POST', '/v1/packing_lists', { direction: 'outbound', purchase_order_id: 'po_x' }),
      400,
      'invalid_request_error',
    );
    assertError(
      await t.api('POST', '/v1/packing_lists', { direction: 'outbound', shipment_id: 'shp_nope' }),
      404,
      'not_found',
    );
    await assertLedgerClean(t);
  });

  it('items are editable only in draft; PATCH, cancel and delete', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const sku = unique('ITM-');
    const po = await approvedPurchaseOrder(t, wh.id, [{ sku, quantity_ordered: 5, unit_cost: 10 }]);
    const list = (
      await t.api('POST', '/v1/packing_lists', {
        direction: 'inbound',
        purchase_order_id: po.id,
        line_items: [{ sku, quantity: 2 }],
      })
    ).body;
    const added = await t.api('POST', '/v1/packing_list_items', {
      packing_list_id: list.packing_list_number,
      purchase_order_line_item_id: po.line_items[0].id,
      quantity: 1,
    });
    assert.equal(added.status, 201, added.raw);
    assert.match(added.body.id, /^pli_/);
    const patched = await t.api('PATCH', `/v1/packing_list_items/${added.body.id}`, { quantity: 3 });
    assert.equal(patched.body.quantity, 3);
    assert.equal((await t.api('GET', `/v1/packing_list_items?packing_list_id=${list.id}`)).body.total_count, 2);
    assert.equal((await t.api('DELETE', `/v1/packing_list_items/${added.body.id}`)).body.deleted, true);
    assert.equal(
      (await t.api('PATCH', `/v1/packing_lists/${list.id}`, { invoice_number: 'INV-9' })).body.invoice_number,
      'INV-9',
    );
    await t.api('POST', `/v1/packing_lists/${list.id}/submit`);
    assertError(
      await t.api('POST', '/v1/packing_list_items', { packing_list_id: list.id, sku, quantity: 1 }),
      409,
      'conflict',
      'invalid_transition',
    );
    assert.equal((await t.api('POST', `/v1/packing_lists/${list.id}/cancel`)).body.status, 'cancelled');
    assertError(
      await t.api('PATCH', `/v1/packing_lists/${list.id}`, { notes: 'x' }),
      409,
      'conflict',
      'invalid_transition',
    );
    const draft = (await t.api('POST', '/v1/packing_lists', { direction: 'inbound', purchase_order_id: po.id })).body;
    assert.equal((await t.api('DELETE', `/v1/packing_lists/${draft.id}`)).body.deleted, true);
    // A draft PO cannot have inbound lists.
    const sup = (await t.api('GET', `/v1/purchase_orders/${po.id}`)).body.supplier_id;
    const draftPo = (
      await t.api('POST', '/v1/purchase_orders', {
        supplier_id: sup,
        line_items: [{ sku, quantity_ordered: 1, unit_cost: 1 }],
      })
    ).body;
    assertError(
      await t.api('POST', '/v1/packing_lists', { direction: 'inbound', purchase_order_id: draftPo.id }),
      409,
      'conflict',
      'purchase_order_not_receivable',
    );
  });
});
