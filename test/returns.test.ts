/**
 * Issue 12: the returns workflow through the API, on both databases: every action and refused
 * transition, partial receipts, restock through the ledger once per unit, refund once (also under
 * parallel requests), restocking fees, exchanges, line items, and the order's totals following.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyInventory } from '../src/modules/inventory/index.js';
import { getTestContext, type TestContext } from './helpers.js';
import {
  assertInvalidTransition,
  assertLedgerConsistent,
  eventsOf,
  levels,
  placeOrder,
  post,
  stockedSkus,
} from './orders-helpers.js';

/** A paid order of `quantity` units at `price`, all shipped. */
async function shippedOrder(t: TestContext, sku: string, quantity: number, price = 1000, extra = {}) {
  const order = await placeOrder(t, {
    line_items: [{ sku, quantity, price }],
    payment: { status: 'paid' },
    ...extra,
  });
  await post(t, `/v1/orders/${order.id}/ship`, {});
  return order;
}

async function order(t: TestContext, id: string) {
  return (await t.api('GET', `/v1/orders/${id}`)).body;
}

async function verifyClean(t: TestContext) {
  assert.deepEqual((await verifyInventory(t.db)).drifts, []);
}

describe('returns: the desk workflow', () => {
  it('two of three shipped units come back, one damaged: receive, inspect, restock the good one, refund with a fee', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const o = await shippedOrder(t, sku, 3, 2000);
    assert.deepEqual(await levels(t, sku), { on_hand: 7, reserved: 0, available: 7 });

    // One line per unit condition for the same order line.
    const created = await t.api('POST', '/v1/returns', {
      order_id: o.order_number,
      line_items: [
        { sku, quantity: 1, condition: 'new', reason: 'too big' },
        { sku, quantity: 1, condition: 'damaged', reason: 'arrived cracked' },
      ],
      reason_code: 'damaged_in_transit',
    });
    assert.equal(created.status, 201, created.raw);
    const ret = created.body;
    assert.equal(ret.status, 'requested');
    assert.equal(ret.line_items.length, 2);
    assert.deepEqual(
      ret.line_items.map((l: any) => [l.condition, l.resellable, l.refund_amount]),
      [
        ['new', true, 2000],
        ['damaged', false, 2000],
      ],
    );
    assert.equal(ret.totals.refund_subtotal, 4000);
    let after = await order(t, o.id);
    assert.equal(after.line_items[0].quantity_returned, 2);
    assert.equal(after.fulfillment_status, 'partially_returned');

    // More than shipped and not already returned is refused.
    const tooMany = await t.api('POST', '/v1/returns', { order_id: o.id, line_items: [{ sku, quantity: 2 }] });
    assert.equal(tooMany.status, 409, tooMany.raw);
    assert.equal(tooMany.body.error.code, 'return_exceeds_shipped');

    // Retrieve by RMA; list filters.
    assert.equal((await t.api('GET', `/v1/returns/${ret.rma}`)).body.id, ret.id);
    for (const q of [
      `order_id=${o.id}`,
      `customer_id=${o.customer_id}`,
      `rma=${ret.rma.toLowerCase()}`,
      'reason_code=damaged_in_transit',
      'status=requested',
    ]) {
      const list = await t.api('GET', `/v1/returns?${q}`);
      assert.equal(list.status, 200, list.raw);
      assert.ok(
        list.body.data.some((r: any) => r.id === ret.id),
        q,
      );
    }
    assert.equal((await t.api('GET', '/v1/returns?nope=1')).status, 400);

    // Restock and refund refused before the goods are in.
    assertInvalidTransition(await t.api('POST', `/v1/returns/${ret.id}/receive`, {}), 'requested', 'receive');
    assertInvalidTransition(await t.api('POST', `/v1/returns/${ret.id}/restock`, {}), 'requested', 'restock');
    const approved = await post(t, `/v1/returns/${ret.id}/approve`);
    assert.equal(approved.status, 'approved');
    assert.ok(approved.approved_at);
    assertInvalidTransition(await t.api('POST', `/v1/returns/${ret.id}/approve`), 'approved', 'approve');
    assertInvalidTransition(
      await t.api('PATCH', `/v1/returns/${ret.id}`, { customer_notes: 'x' }),
      'approved',
      'update',
    );

    // Partial receipts add up, never past the line.
    const [good, damaged] = ret.line_items;
    let r = await post(t, `/v1/returns/${ret.id}/receive`, { line_items: [{ id: good.id, quantity: 1 }] });
    assert.equal(r.status, 'received');
    const over = await t.api('POST', `/v1/returns/${ret.id}/receive`, { line_items: [{ id: good.id, quantity: 1 }] });
    assert.equal(over.status, 409, over.raw);
    assert.equal(over.body.error.code, 'receive_exceeds_quantity');
    r = await post(t, `/v1/returns/${ret.id}/receive`, { line_items: [{ id: damaged.id, quantity: 1 }] });
    assert.deepEqual(
      r.line_items.map((l: any) => l.quantity_received),
      [1, 1],
    );
    assert.equal((await t.api('POST', `/v1/returns/${ret.id}/receive`, {})).body.error.code, 'nothing_to_receive');
    // Nothing went on hand by receiving.
    assert.equal((await levels(t, sku)).on_hand, 7);

    r = await post(t, `/v1/returns/${ret.id}/inspect`, {
      condition: 'fair',
      notes: 'one cracked',
      defects: ['cracked handle'],
      recommended_action: 'restock',
      line_items: [{ id: damaged.id, condition: 'damaged', resellable: false }],
    });
    assert.equal(r.status, 'inspected');
    assert.deepEqual(r.inspection.defects, ['cracked handle']);

    // The damaged unit cannot go back on hand.
    const bad = await t.api('POST', `/v1/returns/${ret.id}/restock`, { line_items: [{ id: damaged.id, quantity: 1 }] });
    assert.equal(bad.status, 409, bad.raw);
    assert.equal(bad.body.error.code, 'not_resellable');
    r = await post(t, `/v1/returns/${ret.id}/restock`, {});
    assert.deepEqual(
      r.line_items.map((l: any) => l.quantity_restocked),
      [1, 0],
    );
    assert.deepEqual(await levels(t, sku), { on_hand: 8, reserved: 0, available: 8 });
    const again = await t.api('POST', `/v1/returns/${ret.id}/restock`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'nothing_to_restock');
    const movements = await t.db
      .selectFrom('inventory_movements')
      .select(['quantity', 'reason', 'reference_id'])
      .where('reference_id', '=', ret.id)
      .execute();
    assert.deepEqual(
      movements.map((m) => [Number(m.quantity), m.reason]),
      [[1, 'return_restock']],
    );

    // Refund with a restocking fee: one Refund on the order, the order's totals follow.
    const tooBig = await t.api('POST', `/v1/returns/${ret.id}/refund`, { restocking_fee: 4001 });
    assert.equal(tooBig.status, 409);
    assert.equal(tooBig.body.error.code, 'restocking_fee_exceeds_refund');
    r = await post(t, `/v1/returns/${ret.id}/refund`, { restocking_fee: 500, reason: 'returned' });
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.totals, { refund_subtotal: 4000, restocking_fee: 500, refund_total: 3500, refunded: 3500 });
    assert.match(r.refund_id, /^re_/);
    after = await order(t, o.id);
    assert.equal(after.totals.refunded, 3500);
    assert.equal(after.payment_status, 'partially_refunded');
    assert.equal(after.line_items[0].quantity_refunded, 2);
    const refund = (await t.api('GET', `/v1/refunds/${r.refund_id}`)).body;
    assert.equal(refund.amount, 3500);
    assert.equal(refund.return_id, ret.id);
    assert.equal(
      refund.line_items.reduce((n: number, l: any) => n + l.amount, 0),
      3500,
    );
    // Once: a second refund is refused, through either endpoint.
    assertInvalidTransition(await t.api('POST', `/v1/returns/${ret.id}/refund`, {}), 'completed', 'refund');
    const viaOrder = await t.api('POST', `/v1/orders/${o.id}/refund`, { return_id: ret.id });
    assert.equal(viaOrder.status, 409);
    assert.equal(viaOrder.body.error.code, 'return_already_refunded');
    assert.equal((await t.api('GET', `/v1/refunds?return_id=${ret.id}`)).body.total_count, 1);

    // Restock from completed still works for units received later: none here.
    r = await post(t, `/v1/returns/${ret.id}/close`);
    assert.equal(r.status, 'closed');
    r = await post(t, `/v1/returns/${ret.id}/reopen`);
    assert.equal(r.status, 'requested');
    assert.equal((await order(t, o.id)).line_items[0].quantity_returned, 2, 'units still counted');

    assert.deepEqual(await eventsOf(t, ret.id), [
      'return.created',
      'return.approved',
      'return.received',
      'return.received',
      'return.inspected',
      'return.restocked',
      'return.refunded',
      'return.closed',
      'return.reopened',
    ]);
    const timeline = await t.api('GET', `/v1/returns/${ret.rma}/events`);
    assert.equal(timeline.status, 200, timeline.raw);
    assert.equal(timeline.body.data.length, 9);
    await assertLedgerConsistent(t, [sku]);
    await verifyClean(t);
  });

  it('refuses every transition the table does not list, naming the status', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const o = await shippedOrder(t, sku, 4);
    const make = async () =>
      (await post(t, '/v1/returns', { order_id: o.id, line_items: [{ sku, quantity: 1 }] }, 201)).id;

    const a = await make();
    for (const action of ['inspect', 'close', 'reopen'])
      assertInvalidTransition(await t.api('POST', `/v1/returns/${a}/${action}`, {}), 'requested', action);
    const rejected = await post(t, `/v1/returns/${a}/reject`, { reason: 'outside policy' });
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.rejection_reason, 'outside policy');
    assert.equal((await order(t, o.id)).line_items[0].quantity_returned, 0, 'a rejected return frees its units');
    for (const action of ['approve', 'receive', 'refund', 'cancel'])
      assertInvalidTransition(await t.api('POST', `/v1/returns/${a}/${action}`, {}), 'rejected', action);
    await post(t, `/v1/returns/${a}/close`);
    const reopened = await post(t, `/v1/returns/${a}/reopen`);
    assert.equal(reopened.status, 'requested');
    assert.equal((await order(t, o.id)).line_items[0].quantity_returned, 1, 'reopened: counted again');

    const b = await make();
    await post(t, `/v1/returns/${b}/approve`);
    assert.equal((await post(t, `/v1/returns/${b}/cancel`, { reason: 'kept it' })).status, 'cancelled');
    const bodies: Record<string, unknown> = {
      reject: { reason: 'x' },
      exchange: { new_items: [{ sku, quantity: 1, price: 1 }] },
    };
    for (const action of [
      'approve',
      'reject',
      'receive',
      'inspect',
      'restock',
      'refund',
      'exchange',
      'close',
      'reopen',
    ])
      assertInvalidTransition(
        await t.api('POST', `/v1/returns/${b}/${action}`, bodies[action] ?? {}),
        'cancelled',
        action,
      );
    assert.equal((await order(t, o.id)).line_items[0].quantity_returned, 1);
    // If-Match on a return action.
    const c = await make();
    const stale = await t.api('POST', `/v1/returns/${c}/approve`, undefined, { 'if-match': '7' });
    assert.equal(stale.status, 412);
    assert.equal((await t.api('GET', '/v1/returns/ret_nope')).status, 404);
    // Delete while requested gives the units back.
    const deleted = await t.api('DELETE', `/v1/returns/${c}`);
    assert.deepEqual(deleted.body, { id: c, object: 'return', deleted: true });
    assert.equal((await order(t, o.id)).line_items[0].quantity_returned, 1);
  });

  it('edits return line items only while requested', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const o = await shippedOrder(t, sku, 3, 999);
    const ret = await post(t, '/v1/returns', { order_id: o.id, line_items: [{ sku, quantity: 1 }] }, 201);
    const added = await t.api('POST', '/v1/return_line_items', {
      return_id: ret.rma,
      sku,
      quantity: 1,
      condition: 'damaged',
    });
    assert.equal(added.status, 201, added.raw);
    assert.equal(added.body.resellable, false);
    assert.equal(added.body.refund_amount, 999);
    const list = (await t.api('GET', `/v1/return_line_items?return_id=${ret.id}`)).body;
    assert.equal(list.total_count, 2);
    const patched = await t.api('PATCH', `/v1/return_line_items/${added.body.id}`, { quantity: 2, condition: 'good' });
    assert.equal(patched.status, 200, patched.raw);
    assert.equal(patched.body.quantity, 2);
    assert.equal(patched.body.resellable, true);
    assert.equal((await order(t, o.id)).line_items[0].quantity_returned, 3);
    const over = await t.api('PATCH', `/v1/return_line_items/${added.body.id}`, { quantity: 3 });
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'return_exceeds_shipped');
    const full = (await t.api('GET', `/v1/returns/${ret.id}`)).body;
    assert.equal(full.totals.refund_subtotal, 2997);
    assert.equal((await t.api('DELETE', `/v1/return_line_items/${added.body.id}`)).status, 200);
    assert.equal((await order(t, o.id)).line_items[0].quantity_returned, 1);
    const last = await t.api('DELETE', `/v1/return_line_items/${ret.line_items[0].id}`);
    assert.equal(last.status, 409);
    assert.equal(last.body.error.code, 'return_must_keep_a_line');

    await post(t, `/v1/returns/${ret.id}/approve`);
    const late = await t.api('POST', '/v1/return_line_items', { return_id: ret.id, sku, quantity: 1 });
    assertInvalidTransition(late, 'approved', 'edit the line items of');
    assertInvalidTransition(
      await t.api('PATCH', `/v1/return_line_items/${ret.line_items[0].id}`, { reason: 'x' }),
      'approved',
      'edit the line items of',
    );
  });

  it('refunds in advance keep the status; the call after the goods arrive completes it without paying again', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const o = await shippedOrder(t, sku, 2, 1500);
    const { return: ret } = await post(t, `/v1/orders/${o.id}/return`, { line_items: [{ sku, quantity: 1 }] });
    const advanced = await post(t, `/v1/returns/${ret.id}/refund`, {});
    assert.equal(advanced.status, 'requested');
    assert.equal(advanced.totals.refunded, 1500);
    assert.equal((await t.api('POST', `/v1/returns/${ret.id}/refund`, {})).body.error.code, 'return_already_refunded');
    // Refunded returns cannot be rejected or cancelled.
    assert.equal(
      (await t.api('POST', `/v1/returns/${ret.id}/reject`, { reason: 'x' })).body.error.code,
      'return_already_refunded',
    );
    await post(t, `/v1/returns/${ret.id}/approve`);
    await post(t, `/v1/returns/${ret.id}/receive`, {});
    const done = await post(t, `/v1/returns/${ret.id}/refund`, {});
    assert.equal(done.status, 'completed');
    assert.equal((await order(t, o.id)).totals.refunded, 1500);
    assert.deepEqual((await eventsOf(t, ret.id)).slice(-1), ['return.completed']);
  });

  it('exchanges a return: the new order reserves its stock and is paid by the return', async () => {
    const t = await getTestContext();
    const [sku, other] = await stockedSkus(t, 10, 5);
    const o = await shippedOrder(t, sku, 2, 1500);
    const ret = await post(t, '/v1/returns', { order_id: o.id, line_items: [{ sku, quantity: 1 }] }, 201);
    await post(t, `/v1/returns/${ret.id}/approve`);
    await post(t, `/v1/returns/${ret.id}/receive`, {});
    const short = await t.api('POST', `/v1/returns/${ret.id}/exchange`, {
      new_items: [{ sku: other, quantity: 6, price: 100 }],
    });
    assert.equal(short.status, 409);
    assert.equal(short.body.error.code, 'insufficient_inventory');
    const ex = await post(t, `/v1/returns/${ret.id}/exchange`, {
      new_items: [{ sku: other, quantity: 1, price: 1000 }],
    });
    assert.equal(ex.status, 'completed');
    assert.equal(ex.type, 'replacement');
    assert.equal(ex.totals.refunded, 1500);
    const newOrder = await order(t, ex.exchange_order_id);
    assert.equal(newOrder.exchange_for_return_id, ret.id);
    assert.equal(newOrder.totals.paid, 1000);
    assert.equal(newOrder.status, 'processing');
    assert.deepEqual(await levels(t, other), { on_hand: 5, reserved: 1, available: 4 });
    const original = await order(t, o.id);
    assert.equal(original.totals.refunded, 1500, '1000 credited to the new order, 500 refunded');
    const again = await t.api('POST', `/v1/returns/${ret.id}/exchange`, {
      new_items: [{ sku: other, quantity: 1, price: 1 }],
    });
    assert.equal(again.status, 409);
    await assertLedgerConsistent(t, [sku, other]);
    await verifyClean(t);
  });
});

describe('returns: exact under parallel requests', () => {
  it('parallel refunds of one return pay it once', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const o = await shippedOrder(t, sku, 3, 1000);
    const ret = await post(t, '/v1/returns', { order_id: o.id, line_items: [{ sku, quantity: 2 }] }, 201);
    await post(t, `/v1/returns/${ret.id}/approve`);
    await post(t, `/v1/returns/${ret.id}/receive`, {});
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => t.api('POST', `/v1/returns/${ret.id}/refund`, {})),
      ...Array.from({ length: 4 }, () => t.api('POST', `/v1/orders/${o.id}/refund`, { return_id: ret.id })),
    ]);
    const ok = answers.filter((a) => a.status === 200);
    assert.equal(ok.length, 1, answers.map((a) => a.raw).join('\n'));
    for (const a of answers.filter((x) => x.status !== 200)) assert.equal(a.status, 409, a.raw);
    const refunds = (await t.api('GET', `/v1/refunds?return_id=${ret.id}`)).body;
    assert.equal(refunds.total_count, 1);
    assert.equal(refunds.data[0].amount, 2000);
    const after = await order(t, o.id);
    assert.equal(after.totals.refunded, 2000);
    assert.equal(after.line_items[0].quantity_refunded, 2);
    assert.equal((await t.api('GET', `/v1/returns/${ret.id}`)).body.totals.refunded, 2000);
  });

  it('parallel restocks of one return put each unit back once', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const o = await shippedOrder(t, sku, 4, 1000);
    const ret = await post(t, '/v1/returns', { order_id: o.id, line_items: [{ sku, quantity: 3 }] }, 201);
    await post(t, `/v1/returns/${ret.id}/approve`);
    await post(t, `/v1/returns/${ret.id}/receive`, {});
    assert.equal((await levels(t, sku)).on_hand, 6);
    const line = ret.line_items[0].id;
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => t.api('POST', `/v1/returns/${ret.id}/restock`, {})),
      ...Array.from({ length: 4 }, () =>
        t.api('POST', `/v1/returns/${ret.id}/restock`, { line_items: [{ id: line, quantity: 2 }] }),
      ),
    ]);
    for (const a of answers) assert.ok(a.status === 200 || a.status === 409, a.raw);
    const final = (await t.api('GET', `/v1/returns/${ret.id}`)).body;
    assert.equal(final.line_items[0].quantity_restocked, 3);
    assert.equal((await levels(t, sku)).on_hand, 9, 'three units back, never more');
    await assertLedgerConsistent(t, [sku]);
    await verifyClean(t);
  });
});

describe('returns: the transition table', () => {
  it('refuses every action from every status the table does not allow, with 409 invalid_transition', async () => {
    const t = await getTestContext();
    const [sku, other] = await stockedSkus(t, 20, 5);
    const o = await shippedOrder(t, sku, 8, 1000);
    const steps: Record<string, Array<[string, unknown?]>> = {
      requested: [],
      approved: [['approve']],
      received: [['approve'], ['receive', {}]],
      inspected: [['approve'], ['receive', {}], ['inspect', {}]],
      completed: [['approve'], ['receive', {}], ['inspect', {}], ['refund', {}]],
      closed: [['approve'], ['receive', {}], ['inspect', {}], ['refund', {}], ['close']],
      rejected: [['reject', { reason: 'no' }]],
      cancelled: [['cancel', {}]],
    };
    // Which table rows each public action may use.
    const rows: Record<string, string[]> = {
      update: ['update'],
      approve: ['approve'],
      reject: ['reject'],
      cancel: ['cancel'],
      receive: ['receive'],
      inspect: ['inspect'],
      restock: ['restock'],
      refund: ['refund', 'refund_in_advance', 'complete'],
      exchange: ['exchange', 'exchange_in_advance'],
      close: ['close'],
      reopen: ['reopen'],
    };
    const bodies: Record<string, unknown> = {
      reject: { reason: 'x' },
      exchange: { new_items: [{ sku: other, quantity: 1, price: 1 }] },
    };
    const { returnTransitions } = await import('../src/modules/returns/transitions.js');
    let refused = 0;
    for (const [status, path] of Object.entries(steps)) {
      const ret = await post(t, '/v1/returns', { order_id: o.id, line_items: [{ sku, quantity: 1 }] }, 201);
      for (const [action, body] of path) await post(t, `/v1/returns/${ret.id}/${action}`, body);
      assert.equal((await t.api('GET', `/v1/returns/${ret.id}`)).body.status, status);
      for (const [action, uses] of Object.entries(rows)) {
        const allowed = uses.some((u) => (returnTransitions as any)[u].from.includes(status));
        if (allowed) continue;
        const res =
          action === 'update'
            ? await t.api('PATCH', `/v1/returns/${ret.id}`, { customer_notes: 'x' })
            : await t.api('POST', `/v1/returns/${ret.id}/${action}`, bodies[action] ?? {});
        assertInvalidTransition(res, status, action);
        refused++;
      }
    }
    assert.ok(refused >= 50, `${refused} refusals checked`);
    await verifyClean(t);
  });
});
