/** Suppliers and purchase orders (issue 13): approval raises incoming, receipts go through the ledger. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique } from './helpers.js';
import { assertError } from './support.js';
import {
  approvedPurchaseOrder,
  assertLedgerClean,
  eventTypes,
  newSupplier,
  newWarehouse,
  stockOf,
} from './supply-helpers.js';

describe('suppliers', () => {
  it('creates, lists with status and search, updates (with aliases), deletes an unused one', async () => {
    const t = await getTestContext();
    const code = unique('ACME-');
    const created = await newSupplier(t, {
      name: 'Acme Ceramics',
      code,
      email: 'orders@acme.example',
      payment_terms: 'NET30',
      lead_time_days: 14,
    });
    assert.match(created.id, /^sup_/);
    assert.equal(created.object, 'supplier');
    assert.equal(created.status, 'active');
    assert.equal((await t.api('GET', `/v1/suppliers/${code}`)).body.id, created.id);

    const found = await t.api('GET', `/v1/suppliers?search=${code.toLowerCase()}&status=active`);
    assert.equal(found.status, 200, found.raw);
    assert.deepEqual(
      found.body.data.map((s: any) => s.id),
      [created.id],
    );
    assertError(await t.api('GET', '/v1/suppliers?colour=red'), 400, 'invalid_request_error', 'validation_error');
    assertError(await t.api('POST', '/v1/suppliers', { name: 'Dup', code }), 409, 'conflict', 'already_exists');

    for (const method of ['PATCH', 'PUT', 'POST'] as const) {
      const res = await t.api(method, `/v1/suppliers/${created.id}`, { payment_terms: `NET${method.length}` });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.payment_terms, `NET${method.length}`);
    }
    assertError(
      await t.api('PATCH', `/v1/suppliers/${created.id}`, { name: 'x' }, { 'if-match': '1' }),
      412,
      'precondition_failed',
    );
    const deleted = await t.api('DELETE', `/v1/suppliers/${created.id}`);
    assert.deepEqual(deleted.body, { id: created.id, object: 'supplier', deleted: true });
    assert.deepEqual(await eventTypes(t, created.id), [
      'supplier.created',
      'supplier.updated',
      'supplier.updated',
      'supplier.updated',
      'supplier.deleted',
    ]);
  });

  it('a supplier with purchase orders cannot be deleted (409), only deactivated; inactive ones take no orders', async () => {
    const t = await getTestContext();
    const supplier = await newSupplier(t);
    const po = await t.api('POST', '/v1/purchase_orders', { supplier_id: supplier.code });
    assert.equal(po.status, 201, po.raw);
    assertError(await t.api('DELETE', `/v1/suppliers/${supplier.id}`), 409, 'conflict', 'supplier_has_purchase_orders');
    const inactive = await t.api('PATCH', `/v1/suppliers/${supplier.id}`, { status: 'inactive' });
    assert.equal(inactive.body.status, 'inactive');
    assertError(
      await t.api('POST', '/v1/purchase_orders', { supplier_id: supplier.id }),
      409,
      'conflict',
      'supplier_inactive',
    );
    assertError(await t.api('POST', '/v1/purchase_orders', { supplier_id: 'sup_nope' }), 404, 'not_found');
  });
});

describe('purchase orders', () => {
  it('totals in cents; lines editable only in draft; submit, approve raises incoming (creating the item)', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const supplier = await newSupplier(t);
    const sku = unique('PO-SKU-');
    const existing = await t.api('POST', '/v1/inventory_items', { sku: `${sku}-A`, location_id: wh.code, on_hand: 4 });
    assert.equal(existing.status, 201, existing.raw);
    const created = await t.api('POST', '/v1/purchase_orders', {
      supplier_id: supplier.id,
      location_id: wh.code,
      tax: 125,
      shipping: 990,
      line_items: [{ sku: `${sku}-A`, quantity_ordered: 10, unit_cost: 333 }],
    });
    assert.equal(created.status, 201, created.raw);
    const po = created.body;
    assert.match(po.po_number, /^PO-\d{6}$/);
    assert.equal(po.status, 'draft');
    assert.deepEqual(po.totals, { subtotal: 3330, tax: 125, shipping: 990, total: 4445 });

    const added = await t.api('POST', '/v1/purchase_order_line_items', {
      purchase_order_id: po.po_number,
      sku: `${sku}-B`,
      quantity_ordered: 3,
      unit_cost: 1999,
    });
    assert.equal(added.status, 201, added.raw);
    assert.match(added.body.id, /^pol_/);
    const patched = await t.api('PATCH', `/v1/purchase_order_line_items/${added.body.id}`, { quantity_ordered: 5 });
    assert.equal(patched.body.total, 9995);
    assert.equal((await t.api('GET', `/v1/purchase_orders/${po.id}`)).body.totals.total, 3330 + 9995 + 125 + 990);
    const listed = await t.api('GET', `/v1/purchase_order_line_items?purchase_order_id=${po.id}`);
    assert.equal(listed.body.total_count, 2);

    assert.equal((await t.api('POST', `/v1/purchase_orders/${po.id}/submit`)).body.status, 'submitted');
    assertError(
      await t.api('PATCH', `/v1/purchase_order_line_items/${added.body.id}`, { quantity_ordered: 6 }),
      409,
      'conflict',
      'invalid_transition',
    );
    assertError(
      await t.api('PATCH', `/v1/purchase_orders/${po.id}`, { tax: 0 }),
      409,
      'conflict',
      'invalid_transition',
    );
    assert.equal((await t.api('PATCH', `/v1/purchase_orders/${po.id}`, { notes: 'dock 4' })).body.notes, 'dock 4');
    assertError(await t.api('DELETE', `/v1/purchase_order_line_items/${added.body.id}`), 409, 'conflict');
    assertError(await t.api('DELETE', `/v1/purchase_orders/${po.id}`), 409, 'conflict', 'invalid_transition');
    assertError(
      await t.api('POST', `/v1/purchase_orders/${po.id}/receive`, { line_items: [{ id: `${sku}-A`, quantity: 1 }] }),
      409,
      'conflict',
      'invalid_transition',
    );

    assert.equal((await stockOf(t, `${sku}-B`, wh.id)) ?? null, null);
    const approved = await t.api('POST', `/v1/purchase_orders/${po.id}/approve`);
    assert.equal(approved.body.status, 'approved', approved.raw);
    const a = await stockOf(t, `${sku}-A`, wh.id);
    const b = await stockOf(t, `${sku}-B`, wh.id);
    assert.deepEqual([a.on_hand, a.incoming], [4, 10]);
    assert.deepEqual([b.on_hand, b.incoming], [0, 5]);
    assert.equal(approved.body.line_items[1].inventory_item_id, b.id);
    assertError(await t.api('POST', `/v1/purchase_orders/${po.id}/approve`), 409, 'conflict', 'invalid_transition');

    const financed = await t.api('POST', `/v1/purchase_orders/${po.id}/finance`, { financer: 'Kickfurther' });
    assert.equal(financed.body.financed.financer, 'Kickfurther');
    assertError(
      await t.api('POST', `/v1/purchase_orders/${po.id}/finance`, { financer: 'Other' }),
      409,
      'conflict',
      'already_financed',
    );

    // Cancel an approved order: incoming goes back down.
    const cancelled = await t.api('POST', `/v1/purchase_orders/${po.id}/cancel`);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal((await stockOf(t, `${sku}-A`, wh.id)).incoming, 0);
    assert.equal((await stockOf(t, `${sku}-B`, wh.id)).incoming, 0);
    assert.deepEqual(await eventTypes(t, po.id), [
      'purchase_order.created',
      'purchase_order.updated',
      'purchase_order.updated',
      'purchase_order.submitted',
      'purchase_order.updated',
      'purchase_order.approved',
      'purchase_order.financed',
      'purchase_order.cancelled',
    ]);
    const timeline = await t.api('GET', `/v1/purchase_orders/${po.po_number}/events`);
    assert.equal(timeline.body.total_count, 8);
    await assertLedgerClean(t);
  });

  it('receives partially then fully through receipt movements; over-receipt refused unless allowed; moving average cost', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const sku = unique('RCV-');
    const item = await t.api('POST', '/v1/inventory_items', { sku, location_id: wh.id, on_hand: 10, unit_cost: 100 });
    const po = await approvedPurchaseOrder(t, wh.id, [
      { sku, quantity_ordered: 10, unit_cost: 200 },
      { sku: `${sku}-X`, quantity_ordered: 2, unit_cost: 50 },
    ]);
    const line = po.line_items[0];
    const partial = await t.api('POST', `/v1/purchase_orders/${po.id}/receive`, {
      line_items: [{ id: line.id, quantity: 4 }],
    });
    assert.equal(partial.status, 200, partial.raw);
    assert.equal(partial.body.status, 'partially_received');
    assert.equal(partial.body.line_items[0].quantity_received, 4);
    let stock = await stockOf(t, sku, wh.id);
    assert.deepEqual([stock.on_hand, stock.incoming], [14, 6]);
    // (10 x 100 + 4 x 200) / 14 = 128.57 -> 129
    assert.equal(stock.unit_cost, 129);

    const over = await t.api('POST', `/v1/purchase_orders/${po.id}/receive`, {
      line_items: [{ id: sku, quantity: 7 }],
    });
    assertError(over, 409, 'conflict', 'over_receipt');
    assert.equal(over.body.error.details.quantity_open, 6);
    assert.deepEqual([(await stockOf(t, sku, wh.id)).on_hand], [14], 'a refused receipt leaves no trace');

    const rest = await t.api('POST', `/v1/purchase_orders/${po.id}/receive`, {
      line_items: [
        { id: sku, quantity: 7 },
        { id: `${sku}-X`, quantity: 2 },
      ],
      allow_over_receipt: true,
    });
    assert.equal(rest.status, 200, rest.raw);
    assert.equal(rest.body.status, 'received');
    assert.equal(rest.body.line_items[0].quantity_received, 11);
    assert.equal(rest.body.line_items[0].quantity_open, 0);
    stock = await stockOf(t, sku, wh.id);
    assert.deepEqual([stock.on_hand, stock.incoming], [21, 0]);
    assertError(await t.api('POST', `/v1/purchase_orders/${po.id}/cancel`), 409, 'conflict', 'invalid_transition');

    const movements = await t.api('GET', `/v1/inventory_items/${item.body.id}/movements`);
    const receipts = movements.body.data.filter(
      (m: any) => m.reason === 'receipt' && m.reference?.type === 'purchase_order',
    );
    assert.equal(receipts.length, 2);
    for (const m of receipts) {
      assert.equal(m.reference.id, po.id);
      assert.equal(m.reference.line_id, line.id);
    }
    const completed = await t.api('POST', `/v1/purchase_orders/${po.id}/complete`);
    assert.equal(completed.body.status, 'completed');
    assert.ok((await eventTypes(t, po.id)).filter((e) => e === 'purchase_order.received').length === 2);
    await assertLedgerClean(t);
  });

  it('receives into another location; completing a partly received order releases what is open', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const other = await newWarehouse(t);
    const sku = unique('LOC-');
    const po = await approvedPurchaseOrder(t, wh.code, [{ sku, quantity_ordered: 8, unit_cost: 500 }]);
    const res = await t.api('POST', `/v1/purchase_orders/${po.po_number}/receive`, {
      line_items: [{ id: sku, quantity: 3, location_id: other.code }],
    });
    assert.equal(res.status, 200, res.raw);
    assert.deepEqual([(await stockOf(t, sku, wh.id)).incoming, (await stockOf(t, sku, wh.id)).on_hand], [5, 0]);
    const there = await stockOf(t, sku, other.id);
    assert.deepEqual([there.on_hand, there.unit_cost], [3, 500]);
    assert.equal((await t.api('POST', `/v1/purchase_orders/${po.id}/complete`)).body.status, 'completed');
    assert.equal((await stockOf(t, sku, wh.id)).incoming, 0);
    await assertLedgerClean(t);
  });

  it('parallel receipts against one line never over-receive', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const sku = unique('PAR-');
    const po = await approvedPurchaseOrder(t, wh.id, [{ sku, quantity_ordered: 10, unit_cost: 100 }]);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.api('POST', `/v1/purchase_orders/${po.id}/receive`, {
          line_items: [{ id: po.line_items[0].id, quantity: 3 }],
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 3, results.map((r) => r.status).join(','));
    for (const r of results) if (r.status !== 200) assertError(r, 409, 'conflict', 'over_receipt');
    const stock = await stockOf(t, sku, wh.id);
    assert.deepEqual([stock.on_hand, stock.incoming], [9, 1]);
    const after = await t.api('GET', `/v1/purchase_orders/${po.id}`);
    assert.equal(after.body.line_items[0].quantity_received, 9);
    await assertLedgerClean(t);
  });

  it('refuses bad input with 400 and unknown lines with 404; deletes a draft', async () => {
    const t = await getTestContext();
    const supplier = await newSupplier(t);
    const bad = await t.api('POST', '/v1/purchase_orders', {
      supplier_id: supplier.id,
      line_items: [{ sku: 'X', quantity_ordered: 0, unit_cost: 1.5 }],
    });
    assertError(bad, 400, 'invalid_request_error', 'validation_error');
    const draft = await t.api('POST', '/v1/purchase_orders', { supplier_id: supplier.id });
    assertError(
      await t.api('POST', `/v1/purchase_orders/${draft.body.id}/submit`),
      409,
      'conflict',
      'purchase_order_empty',
    );
    const del = await t.api('DELETE', `/v1/purchase_orders/${draft.body.id}`);
    assert.equal(del.body.deleted, true);
    assertError(await t.api('GET', `/v1/purchase_orders/${draft.body.id}`), 404, 'not_found');
    const wh = await newWarehouse(t);
    const po = await approvedPurchaseOrder(t, wh.id, [{ sku: unique('N-'), quantity_ordered: 1, unit_cost: 1 }]);
    assertError(
      await t.api('POST', `/v1/purchase_orders/${po.id}/receive`, { line_items: [{ id: 'pol_nope', quantity: 1 }] }),
      404,
      'not_found',
    );
  });
});
