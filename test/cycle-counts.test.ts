/** Cycle counts (issue 13): snapshot, count, reconcile through cycle_count movements. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique, type TestContext } from './helpers.js';
import { assertError } from './support.js';
import { assertLedgerClean, eventTypes, newWarehouse, stockOf } from './supply-helpers.js';

async function stockUp(
  t: TestContext,
  location: string,
  sku: string,
  onHand: number,
  fields: Record<string, unknown> = {},
) {
  const res = await t.api('POST', '/v1/inventory_items', { sku, location_id: location, on_hand: onHand, ...fields });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

async function orderFrom(t: TestContext, location: string, sku: string, quantity: number): Promise<any> {
  const res = await t.api('POST', '/v1/orders', {
    customer: { email: `${unique('cc')}@example.com` },
    location_id: location,
    line_items: [{ sku, quantity, price: 1000 }],
    payment: { method: 'card', status: 'paid' },
  });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

describe('cycle counts', () => {
  it('covers a SKU prefix or list; start snapshots; count is repeatable; complete needs every line; reconcile posts variances', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const prefix = unique('CC-');
    const a = await stockUp(t, wh.id, `${prefix}-A`, 10, { reorder_point: 9 });
    const b = await stockUp(t, wh.id, `${prefix}-B`, 5);
    await stockUp(t, wh.id, unique('OTHER-'), 3);

    const created = await t.api('POST', '/v1/cycle_counts', {
      location_id: wh.code,
      sku_filter: `${prefix}-`,
      counter: 'Grace',
      scheduled_date: '2027-01-04',
    });
    assert.equal(created.status, 201, created.raw);
    const cc = created.body;
    assert.match(cc.id, /^cc_/);
    assert.match(cc.cycle_count_number, /^CC-\d{6}$/);
    assert.deepEqual(
      cc.line_items.map((l: any) => [l.sku, l.expected_quantity]),
      [
        [`${prefix}-A`, null],
        [`${prefix}-B`, null],
      ],
    );
    const listed = await t.api('GET', `/v1/cycle_counts?location_id=${wh.id}&status=draft`);
    assert.equal(listed.body.total_count, 1);
    assertError(
      await t.api('POST', `/v1/cycle_counts/${cc.id}/count`, {
        line_items: [{ id: `${prefix}-A`, counted_quantity: 1 }],
      }),
      409,
      'conflict',
      'invalid_transition',
    );
    assertError(await t.api('POST', `/v1/cycle_counts/${cc.id}/reconcile`), 409, 'conflict', 'invalid_transition');

    const started = await t.api('POST', `/v1/cycle_counts/${cc.cycle_count_number}/start`);
    assert.equal(started.body.status, 'in_progress', started.raw);
    assert.deepEqual(
      started.body.line_items.map((l: any) => l.expected_quantity),
      [10, 5],
    );
    await t.api('POST', `/v1/cycle_counts/${cc.id}/count`, {
      line_items: [{ id: `${prefix}-A`, counted_quantity: 3 }],
    });
    assertError(await t.api('POST', `/v1/cycle_counts/${cc.id}/complete`), 409, 'conflict', 'lines_not_counted');
    const counted = await t.api('POST', `/v1/cycle_counts/${cc.id}/count`, {
      line_items: [
        { id: `${prefix}-A`, counted_quantity: 8 },
        { id: started.body.line_items[1].id, counted_quantity: 5 },
      ],
    });
    assert.deepEqual(
      counted.body.line_items.map((l: any) => l.variance),
      [-2, 0],
    );
    assert.equal((await t.api('POST', `/v1/cycle_counts/${cc.id}/complete`)).body.status, 'completed');
    const reconciled = await t.api('POST', `/v1/cycle_counts/${cc.id}/reconcile`);
    assert.equal(reconciled.body.status, 'reconciled', reconciled.raw);
    assert.deepEqual(
      reconciled.body.line_items.map((l: any) => [l.adjustment, l.movements_since_snapshot]),
      [
        [-2, 0],
        [0, 0],
      ],
    );
    assert.equal((await stockOf(t, `${prefix}-A`, wh.id)).on_hand, 8);
    assert.equal((await stockOf(t, `${prefix}-B`, wh.id)).on_hand, 5);
    const moves = await t.api('GET', `/v1/inventory_items/${a.id}/movements`);
    const countMoves = moves.body.data.filter((m: any) => m.reason === 'cycle_count');
    assert.equal(countMoves.length, 1);
    assert.equal(countMoves[0].quantity, -2);
    assert.equal(countMoves[0].reference.id, cc.id);
    const bMoves = await t.api('GET', `/v1/inventory_items/${b.id}/movements`);
    assert.equal(
      bMoves.body.data.filter((m: any) => m.reason === 'cycle_count').length,
      0,
      'no movement for no variance',
    );
    // Crossing the reorder point (9) on the way down to 8 is a low_stock event.
    assert.ok((await eventTypes(t, a.id)).includes('inventory_item.low_stock'));
    assertError(await t.api('POST', `/v1/cycle_counts/${cc.id}/cancel`), 409, 'conflict', 'invalid_transition');
    assert.deepEqual(await eventTypes(t, cc.id), [
      'cycle_count.created',
      'cycle_count.started',
      'cycle_count.counted',
      'cycle_count.counted',
      'cycle_count.completed',
      'cycle_count.reconciled',
    ]);
    const lines = await t.api('GET', `/v1/cycle_counts/${cc.id}/line_items?sku=${prefix}-B`);
    assert.equal(lines.body.data.length, 1);
    assert.equal((await t.api('GET', `/v1/cycle_counts/${cc.id}/events`)).body.total_count, 6);
    await assertLedgerClean(t);
  });

  it('a count reconciled while orders ship meanwhile leaves on_hand = the physical count minus what shipped', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const sku = unique('SHIP-');
    await stockUp(t, wh.id, sku, 20);
    const cc = (await t.api('POST', '/v1/cycle_counts', { location_id: wh.id, skus: [sku] })).body;
    await t.api('POST', `/v1/cycle_counts/${cc.id}/start`);
    // Orders placed and one shipped before the count is entered, others ship while it reconciles.
    const orders = [];
    for (let i = 0; i < 4; i++) orders.push(await orderFrom(t, wh.id, sku, 2));
    assert.equal((await t.api('POST', `/v1/orders/${orders[0].id}/ship`, {})).status, 200);
    await t.api('POST', `/v1/cycle_counts/${cc.id}/count`, { line_items: [{ id: sku, counted_quantity: 18 }] });
    await t.api('POST', `/v1/cycle_counts/${cc.id}/complete`);
    const results = await Promise.all([
      t.api('POST', `/v1/cycle_counts/${cc.id}/reconcile`),
      ...orders.slice(1).map((o) => t.api('POST', `/v1/orders/${o.id}/ship`, {})),
    ]);
    for (const r of results) assert.equal(r.status, 200, r.raw);
    const stock = await stockOf(t, sku, wh.id);
    // Two units were missing at the snapshot; eight shipped since.
    assert.equal(stock.on_hand, 18 - 8);
    assert.equal(stock.reserved, 0);
    const line = (await t.api('GET', `/v1/cycle_counts/${cc.id}`)).body.line_items[0];
    assert.equal(line.adjustment, -2);
    assert.ok(line.movements_since_snapshot <= -2 && line.movements_since_snapshot >= -8);
    await assertLedgerClean(t);
  });

  it('refuses unknown SKUs and both filters (400); updates, cancels and deletes', async () => {
    const t = await getTestContext();
    const wh = await newWarehouse(t);
    const sku = unique('U-');
    await stockUp(t, wh.id, sku, 1);
    const unknown = await t.api('POST', '/v1/cycle_counts', { location_id: wh.id, skus: [sku, 'NOPE-1'] });
    assertError(unknown, 400, 'invalid_request_error', 'validation_error');
    assert.equal(unknown.body.error.details[0].path, 'skus[1]');
    assertError(
      await t.api('POST', '/v1/cycle_counts', { location_id: wh.id, skus: [sku], sku_filter: 'U' }),
      400,
      'invalid_request_error',
    );
    assertError(await t.api('POST', '/v1/cycle_counts', { location_id: 'NOWHERE' }), 404, 'not_found');
    const cc = (await t.api('POST', '/v1/cycle_counts', { location_id: wh.id })).body;
    assert.equal(cc.line_items.length, 1);
    for (const method of ['PATCH', 'PUT', 'POST'] as const) {
      const res = await t.api(method, `/v1/cycle_counts/${cc.id}`, { counter: method });
      assert.equal(res.body.counter, method, res.raw);
    }
    await t.api('POST', `/v1/cycle_counts/${cc.id}/start`);
    assertError(await t.api('DELETE', `/v1/cycle_counts/${cc.id}`), 409, 'conflict', 'invalid_transition');
    assertError(
      await t.api('POST', `/v1/cycle_counts/${cc.id}/count`, { line_items: [{ id: 'ccl_nope', counted_quantity: 1 }] }),
      404,
      'not_found',
    );
    assert.equal((await t.api('POST', `/v1/cycle_counts/${cc.id}/cancel`)).body.status, 'cancelled');
    // An empty item a count names cannot be deleted from under it.
    const empty = await stockUp(t, wh.id, unique('EMPTY-'), 0);
    const draft = (await t.api('POST', '/v1/cycle_counts', { location_id: wh.id })).body;
    assertError(await t.api('DELETE', `/v1/inventory_items/${empty.id}`), 409, 'conflict', 'inventory_item_in_use');
    assert.equal((await t.api('DELETE', `/v1/cycle_counts/${draft.id}`)).body.deleted, true);
    assertError(await t.api('GET', `/v1/cycle_counts/${draft.id}`), 404, 'not_found');
    await assertLedgerClean(t);
  });
});
