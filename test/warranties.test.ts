/**
 * Issue 12: warranty claims through the API on both databases: coverage from the order's delivery
 * date, warranty_expired unless override, every action and refused transition, the zero-priced
 * replacement order reserving stock, line items and the timeline.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyInventory } from '../src/modules/inventory/index.js';
import { getTestContext } from './helpers.js';
import { assertInvalidTransition, eventsOf, levels, placeOrder, post, stockedSkus } from './orders-helpers.js';

describe('warranties', () => {
  it('a claim on a delivered unit ends in a replacement order that reserves stock', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const o = await placeOrder(t, {
      line_items: [{ sku, quantity: 1, price: 4900 }],
      payment: { status: 'paid' },
      shipping_address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
    });
    await post(t, `/v1/orders/${o.id}/ship`, {});
    const delivered = await post(t, `/v1/orders/${o.id}/deliver`);
    const res = await t.api('POST', '/v1/warranties', {
      order_id: o.order_number,
      sku,
      serial_number: 'SN-1',
      issue_description: 'Stopped working',
      coverage_days: 90,
    });
    assert.equal(res.status, 201, res.raw);
    const w = res.body;
    assert.match(w.id, /^wty_/);
    assert.match(w.warranty_number, /^WTY-\d{6}$/);
    assert.equal(w.status, 'submitted');
    assert.equal(w.customer_id, o.customer_id);
    assert.equal(w.order_line_item_id, o.line_items[0].id);
    assert.equal(w.coverage.starts_at, delivered.delivered_at);
    assert.equal(Date.parse(w.coverage.ends_at) - Date.parse(w.coverage.starts_at), 90 * 86_400_000);
    assert.equal((await t.api('GET', `/v1/warranties/${w.warranty_number}`)).body.id, w.id);
    assert.ok((await t.api('GET', `/v1/warranties?serial_number=SN-1`)).body.data.some((x: any) => x.id === w.id));

    for (const action of ['repair', 'replace', 'resolve', 'close', 'reopen'])
      assertInvalidTransition(await t.api('POST', `/v1/warranties/${w.id}/${action}`, {}), 'submitted', action);
    assert.equal((await post(t, `/v1/warranties/${w.id}/inspect`, { notes: 'send it in' })).status, 'inspecting');
    assert.equal((await post(t, `/v1/warranties/${w.id}/approve`)).status, 'approved');
    const before = await levels(t, sku);
    const replaced = await post(t, `/v1/warranties/${w.id}/replace`, {});
    assert.equal(replaced.status, 'replacement_sent');
    assert.equal(replaced.resolution, 'replace');
    const replacement = (await t.api('GET', `/v1/orders/${replaced.replacement_order_id}`)).body;
    assert.equal(replacement.totals.total, 0);
    assert.equal(replacement.status, 'processing');
    assert.equal(replacement.customer_id, o.customer_id);
    assert.equal(replacement.metadata.warranty_id, w.id);
    assert.equal(replacement.shipping_address.city, 'Springfield');
    assert.deepEqual(await levels(t, sku), {
      ...before,
      reserved: before.reserved + 1,
      available: before.available - 1,
    });
    assertInvalidTransition(await t.api('POST', `/v1/warranties/${w.id}/replace`, {}), 'replacement_sent', 'replace');
    assert.equal((await post(t, `/v1/warranties/${w.id}/resolve`, { resolution_notes: 'sent' })).status, 'resolved');
    const closed = await post(t, `/v1/warranties/${w.id}/close`, { resolution_notes: 'done' });
    assert.equal(closed.status, 'closed');
    assert.equal(closed.resolution_notes, 'done');
    assert.equal((await post(t, `/v1/warranties/${w.id}/reopen`)).status, 'submitted');
    assert.deepEqual(await eventsOf(t, w.id), [
      'warranty.submitted',
      'warranty.inspected',
      'warranty.approved',
      'warranty.replaced',
      'warranty.resolved',
      'warranty.closed',
      'warranty.reopened',
    ]);
    assert.equal((await t.api('GET', `/v1/warranties/${w.id}/events`)).body.data.length, 7);
    assert.deepEqual((await verifyInventory(t.db)).drifts, []);
  });

  it('refuses a claim past coverage unless override=true; repairs, rejects and line items', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const o = await placeOrder(t, { line_items: [{ sku, quantity: 2, price: 100 }], payment: { status: 'paid' } });
    await post(t, `/v1/orders/${o.id}/ship`, {});
    await post(t, `/v1/orders/${o.id}/deliver`);
    const late = {
      order_id: o.id,
      sku,
      issue_description: 'Broken',
      coverage: { starts_at: '2020-01-01T00:00:00Z' },
      coverage_days: 30,
    };
    const refused = await t.api('POST', '/v1/warranties', late);
    assert.equal(refused.status, 409, refused.raw);
    assert.equal(refused.body.error.code, 'warranty_expired');
    assert.equal(refused.body.error.details.coverage_ends_at, '2020-01-31T00:00:00.000Z');
    const overridden = await post(t, '/v1/warranties', { ...late, override: true }, 201);
    assert.equal(overridden.coverage.overridden, true);

    // The SKU's default coverage: warranty_days in its inventory item's metadata.
    await t.db.updateTable('inventory_items').set({ metadata: '{"warranty_days":1}' }).where('sku', '=', sku).execute();
    const bySku = await t.api('POST', '/v1/warranties', {
      order_id: o.id,
      sku,
      issue_description: 'x',
      coverage: { starts_at: '2020-01-01T00:00:00Z' },
    });
    assert.equal(bySku.status, 409);
    assert.equal(bySku.body.error.details.coverage_ends_at, '2020-01-02T00:00:00.000Z');

    const w = await post(t, '/v1/warranties', { order_id: o.id, sku, issue_description: 'Loose hinge' }, 201);
    const line = await t.api('POST', '/v1/warranty_line_items', {
      warranty_id: w.warranty_number,
      sku,
      quantity: 1,
      serial_number: 'SN-9',
      price: 100,
    });
    assert.equal(line.status, 201, line.raw);
    assert.match(line.body.id, /^wli_/);
    assert.equal((await t.api('GET', `/v1/warranty_line_items?warranty_id=${w.id}`)).body.total_count, 1);
    assert.equal(
      (await t.api('PATCH', `/v1/warranty_line_items/${line.body.id}`, { condition: 'scratched' })).body.condition,
      'scratched',
    );
    assert.equal((await t.api('GET', `/v1/warranties/${w.id}`)).body.line_items.length, 1);
    await post(t, `/v1/warranties/${w.id}/approve`);
    assertInvalidTransition(
      await t.api('POST', '/v1/warranty_line_items', { warranty_id: w.id, sku, quantity: 1 }),
      'approved',
      'edit the line items of',
    );
    assertInvalidTransition(
      await t.api('POST', `/v1/warranties/${w.id}/reject`, { reason: 'x' }),
      'approved',
      'reject',
    );
    const repaired = await post(t, `/v1/warranties/${w.id}/repair`, {
      type: 'hardware',
      location: 'bench 2',
      estimated_cost: 2500,
      ticket: 'T-1',
    });
    assert.equal(repaired.status, 'in_repair');
    assert.deepEqual(repaired.repair, { type: 'hardware', location: 'bench 2', estimated_cost: 2500, ticket: 'T-1' });
    assert.equal((await post(t, `/v1/warranties/${w.id}/resolve`, {})).resolution, 'repair');

    const r = await post(t, '/v1/warranties', { customer_id: o.customer_id, issue_description: 'No order' }, 201);
    assert.equal(r.coverage.ends_at, null);
    const rejected = await post(t, `/v1/warranties/${r.id}/reject`, { reason: 'misuse' });
    assert.equal(rejected.status, 'rejected');
    assert.equal((await post(t, `/v1/warranties/${r.id}/reopen`)).status, 'submitted');
    assert.equal((await t.api('DELETE', `/v1/warranties/${r.id}`)).status, 200);
    assert.equal((await t.api('GET', `/v1/warranties/${r.id}`)).status, 404);
    assert.equal((await t.api('POST', '/v1/warranties', { issue_description: 'x' })).status, 400);
    assert.equal(
      (await t.api('POST', '/v1/warranties', { order_id: 'ORD-999999', issue_description: 'x' })).status,
      404,
    );
  });
});

describe('warranties: the transition table', () => {
  it('refuses every action from every status the table does not allow, with 409 invalid_transition', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const o = await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 100 }], payment: { status: 'paid' } });
    await post(t, `/v1/orders/${o.id}/ship`, {});
    const steps: Record<string, Array<[string, unknown?]>> = {
      submitted: [],
      inspecting: [['inspect', {}]],
      approved: [['approve']],
      in_repair: [['approve'], ['repair', {}]],
      replacement_sent: [['approve'], ['replace', {}]],
      resolved: [['approve'], ['resolve', {}]],
      rejected: [['reject', { reason: 'no' }]],
      closed: [['approve'], ['resolve', {}], ['close', {}]],
    };
    const actions = ['update', 'inspect', 'approve', 'reject', 'repair', 'replace', 'resolve', 'close', 'reopen'];
    const { warrantyTransitions } = await import('../src/modules/warranties/transitions.js');
    let refused = 0;
    for (const [status, path] of Object.entries(steps)) {
      const w = await post(t, '/v1/warranties', { order_id: o.id, sku, issue_description: 'x' }, 201);
      for (const [action, body] of path) await post(t, `/v1/warranties/${w.id}/${action}`, body);
      assert.equal((await t.api('GET', `/v1/warranties/${w.id}`)).body.status, status);
      for (const action of actions) {
        if ((warrantyTransitions as any)[action].from.includes(status)) continue;
        const res =
          action === 'update'
            ? await t.api('PATCH', `/v1/warranties/${w.id}`, { reported_condition: 'x' })
            : await t.api('POST', `/v1/warranties/${w.id}/${action}`, action === 'reject' ? { reason: 'x' } : {});
        assertInvalidTransition(res, status, action);
        refused++;
      }
    }
    assert.ok(refused >= 40, `${refused} refusals checked`);
  });
});
