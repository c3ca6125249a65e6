/**
 * Wholesale orders (issue 15): CRUD and lines, submit, approve (reserves through the ledger, all
 * lines or none), partial shipments, invoice on payment terms, pay, overdue computed on read and
 * filterable, cancel releasing stock, refused transitions, and parallel approvals on one stock level.
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
  makeLocation,
  newCustomer,
  post,
  stock,
  stockedSkus,
} from './orders-helpers.js';

async function draft(t: TestContext, body: Record<string, unknown>): Promise<any> {
  const full = { ...body };
  if (!full.customer_id) full.customer_id = (await newCustomer(t)).id;
  const res = await t.api('POST', '/v1/wholesale_orders', full);
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

/** A draft, submitted and approved. */
async function approved(t: TestContext, body: Record<string, unknown>): Promise<any> {
  const order = await draft(t, body);
  await post(t, `/v1/wholesale_orders/${order.id}/submit`);
  return post(t, `/v1/wholesale_orders/${order.id}/approve`);
}

async function assertVerifyClean(t: TestContext): Promise<void> {
  const report = await verifyInventory(t.db);
  assert.deepEqual(report.drifts, [], JSON.stringify(report).slice(0, 500));
}

describe('wholesale orders', () => {
  it('prices lines with volume breaks and keeps totals in cents; lines editable until approved', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 500);
    const breaks = [
      { min_quantity: 48, unit_price: 1500 },
      { min_quantity: 24, unit_price: 1600 },
    ];
    const order = await draft(t, {
      po_number: 'PO-1',
      line_items: [
        { sku, quantity: 10, unit_price: 1800, price_breaks: breaks },
        { sku, quantity: 24, unit_price: 1800, price_breaks: breaks },
      ],
    });
    assert.equal(order.status, 'draft');
    assert.equal(order.financial_status, 'unpaid');
    assert.equal(order.payment_terms, 'net_30');
    assert.match(order.wholesale_order_number, /^WSO-\d{6}$/);
    assert.deepEqual(
      order.line_items.map((l: any) => [l.effective_unit_price, l.total]),
      [
        [1800, 18000],
        [1600, 38400],
      ],
    );
    assert.deepEqual(order.line_items[0].price_breaks, [
      { min_quantity: 24, unit_price: 1600 },
      { min_quantity: 48, unit_price: 1500 },
    ]);
    assert.equal(order.totals.total, 56400);

    // Add a line, change its quantity past the top break, remove the first line.
    const added = await t.api('POST', '/v1/wholesale_order_line_items', {
      wholesale_order_id: order.wholesale_order_number,
      sku,
      quantity: 5,
      unit_price: 1000,
      price_breaks: [{ min_quantity: 50, unit_price: 900 }],
    });
    assert.equal(added.status, 201, added.raw);
    assert.equal(added.body.total, 5000);
    const changed = await t.api('PATCH', `/v1/wholesale_order_line_items/${added.body.id}`, { quantity: 60 });
    assert.equal(changed.status, 200, changed.raw);
    assert.deepEqual([changed.body.effective_unit_price, changed.body.total], [900, 54000]);
    const removed = await t.api('DELETE', `/v1/wholesale_order_line_items/${order.line_items[0].id}`);
    assert.deepEqual(removed.body, { id: order.line_items[0].id, object: 'wholesale_order_line_item', deleted: true });
    const now = (await t.api('GET', `/v1/wholesale_orders/${order.id}`)).body;
    assert.equal(now.line_items.length, 2);
    assert.equal(now.totals.total, 38400 + 54000);
    const lines = await t.api('GET', `/v1/wholesale_order_line_items?wholesale_order_id=${order.id}`);
    assert.equal(lines.body.total_count, 2);
    assert.equal((await t.api('GET', `/v1/wholesale_order_line_items/${added.body.id}`)).body.quantity, 60);

    // Duplicate break quantities and unknown orders are refused.
    const dup = await t.api('POST', '/v1/wholesale_order_line_items', {
      wholesale_order_id: order.id,
      sku,
      quantity: 1,
      unit_price: 1,
      price_breaks: [
        { min_quantity: 2, unit_price: 1 },
        { min_quantity: 2, unit_price: 1 },
      ],
    });
    assert.equal(dup.status, 400, dup.raw);
    const missing = await t.api('POST', '/v1/wholesale_order_line_items', {
      wholesale_order_id: 'wso_missing',
      sku,
      quantity: 1,
      unit_price: 1,
    });
    assert.equal(missing.status, 404, missing.raw);
    assert.equal(missing.body.error.param, 'wholesale_order_id');

    // Approved: lines are frozen.
    await post(t, `/v1/wholesale_orders/${order.id}/submit`);
    await post(t, `/v1/wholesale_orders/${order.id}/approve`);
    assertInvalidTransition(
      await t.api('PATCH', `/v1/wholesale_order_line_items/${added.body.id}`, { quantity: 1 }),
      'approved',
      'edit_lines',
    );
    assertInvalidTransition(
      await t.api('POST', '/v1/wholesale_order_line_items', {
        wholesale_order_id: order.id,
        sku,
        quantity: 1,
        unit_price: 1,
      }),
      'approved',
      'edit_lines',
    );
    assertInvalidTransition(
      await t.api('PATCH', `/v1/wholesale_orders/${order.id}`, { memo: 'late' }),
      'approved',
      'update',
    );
  });

  it('runs the whole life: approve reserves, two partial shipments consume, invoice on net_30, pay', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 50, 30);
    const order = await draft(t, {
      po_number: 'PO-7781',
      payment_terms: 'net_30',
      line_items: [
        { sku: a, quantity: 20, unit_price: 1000 },
        { sku: b, quantity: 10, unit_price: 500 },
      ],
    });
    const [la, lb] = order.line_items;
    // Not before approval: ship, invoice, pay.
    assertInvalidTransition(await t.api('POST', `/v1/wholesale_orders/${order.id}/ship`, {}), 'draft', 'ship');
    assertInvalidTransition(await t.api('POST', `/v1/wholesale_orders/${order.id}/approve`), 'draft', 'approve');
    const submitted = await post(t, `/v1/wholesale_orders/${order.id}/submit`);
    assert.equal(submitted.status, 'submitted');
    assert.ok(submitted.submitted_at);
    assertInvalidTransition(await t.api('POST', `/v1/wholesale_orders/${order.id}/submit`), 'submitted', 'submit');

    const ok = await post(t, `/v1/wholesale_orders/${order.wholesale_order_number}/approve`);
    assert.equal(ok.status, 'approved');
    assert.ok(ok.line_items.every((l: any) => l.location_id));
    assert.deepEqual(await levels(t, a), { on_hand: 50, reserved: 20, available: 30 });
    assert.deepEqual(await levels(t, b), { on_hand: 30, reserved: 10, available: 20 });
    assertInvalidTransition(await t.api('POST', `/v1/wholesale_orders/${order.id}/invoice`), 'approved', 'invoice');

    // First shipment: 12 of a by SKU, 4 of b by id.
    const first = await post(t, `/v1/wholesale_orders/${order.id}/ship`, {
      line_items: [
        { sku: a, quantity: 12 },
        { id: lb.id, quantity: 4 },
      ],
      carrier: 'UPS',
      tracking_number: '1Z1',
    });
    assert.equal(first.status, 'partially_shipped');
    assert.equal(first.fulfillment_status, 'partially_shipped');
    assert.equal(first.shipments.length, 1);
    assert.equal(first.shipments[0].carrier, 'UPS');
    assert.deepEqual(
      first.shipments[0].line_items.map((l: any) => [l.sku, l.quantity]),
      [
        [a, 12],
        [b, 4],
      ],
    );
    assert.deepEqual(await levels(t, a), { on_hand: 38, reserved: 8, available: 30 });
    assert.deepEqual(await levels(t, b), { on_hand: 26, reserved: 6, available: 20 });
    // More than remains is refused; cancel is refused after shipping.
    const tooMany = await t.api('POST', `/v1/wholesale_orders/${order.id}/ship`, {
      line_items: [{ id: la.id, quantity: 9 }],
    });
    assert.equal(tooMany.status, 409, tooMany.raw);
    assert.equal(tooMany.body.error.code, 'quantity_exceeds_remaining');
    assertInvalidTransition(
      await t.api('POST', `/v1/wholesale_orders/${order.id}/cancel`, {}),
      'partially_shipped',
      'cancel',
    );

    // Second shipment: the rest.
    const second = await post(t, `/v1/wholesale_orders/${order.id}/ship`);
    assert.equal(second.status, 'shipped');
    assert.equal(second.fulfillment_status, 'shipped');
    assert.equal(second.shipments.length, 2);
    assert.deepEqual(
      second.line_items.map((l: any) => l.quantity_shipped),
      [20, 10],
    );
    assert.deepEqual(await levels(t, a), { on_hand: 30, reserved: 0, available: 30 });
    assert.deepEqual(await levels(t, b), { on_hand: 20, reserved: 0, available: 20 });
    const movements = await t.db
      .selectFrom('inventory_movements')
      .select(['reason', 'quantity', 'reference_type'])
      .where('reference_id', '=', order.id)
      .execute();
    assert.equal(movements.length, 4);
    assert.ok(movements.every((m) => m.reason === 'shipment' && m.reference_type === 'wholesale_order'));
    assertInvalidTransition(await t.api('POST', `/v1/wholesale_orders/${order.id}/ship`), 'shipped', 'ship');
    assertInvalidTransition(await t.api('POST', `/v1/wholesale_orders/${order.id}/pay`), 'shipped', 'pay');

    // Invoice: due 30 days after issue.
    const invoiced = await post(t, `/v1/wholesale_orders/${order.id}/invoice`);
    assert.equal(invoiced.status, 'invoiced');
    assert.equal(invoiced.financial_status, 'invoiced');
    assert.match(invoiced.invoice.number, /^INV-\d{6}$/);
    assert.equal(Date.parse(invoiced.invoice.due_at) - Date.parse(invoiced.invoice.issued_at), 30 * 86_400_000);
    assertInvalidTransition(await t.api('POST', `/v1/wholesale_orders/${order.id}/invoice`), 'invoiced', 'invoice');

    // Pay: a wrong amount is refused, the total is recorded.
    const wrong = await t.api('POST', `/v1/wholesale_orders/${order.id}/pay`, { amount: 1 });
    assert.equal(wrong.status, 400, wrong.raw);
    const paid = await post(t, `/v1/wholesale_orders/${order.id}/pay`, {
      amount: 25000,
      method: 'bank_transfer',
      reference: 'ACH-42',
    });
    assert.equal(paid.status, 'paid');
    assert.equal(paid.financial_status, 'paid');
    assert.deepEqual(paid.totals, { subtotal: 25000, total: 25000, paid: 25000 });
    assert.equal(paid.payment.reference, 'ACH-42');
    assertInvalidTransition(await t.api('POST', `/v1/wholesale_orders/${order.id}/pay`), 'paid', 'pay');
    assertInvalidTransition(await t.api('DELETE', `/v1/wholesale_orders/${order.id}`), 'paid', 'delete');

    assert.deepEqual(await eventsOf(t, order.id), [
      'wholesale_order.created',
      'wholesale_order.submitted',
      'wholesale_order.approved',
      'wholesale_order.shipped',
      'wholesale_order.shipped',
      'wholesale_order.invoiced',
      'wholesale_order.paid',
    ]);
    const timeline = await t.api('GET', `/v1/wholesale_orders/${order.wholesale_order_number}/events`);
    assert.equal(timeline.body.total_count, 7);
    assert.deepEqual(timeline.body.data[0].data.previous_attributes.status, 'invoiced');
    await assertLedgerConsistent(t, [a, b]);
    await assertVerifyClean(t);
  });

  it('is overdue once due_at passes unpaid: computed on read and filterable', async () => {
    const t = await getTestContext();
    const customer = await newCustomer(t);
    const [sku] = await stockedSkus(t, 10);
    const make = async (terms: string) => {
      const o = await approved(t, {
        customer_id: customer.id,
        payment_terms: terms,
        line_items: [{ sku, quantity: 1, unit_price: 100 }],
      });
      return post(t, `/v1/wholesale_orders/${o.id}/ship`);
    };
    const late = await make('net_15');
    const current = await make('net_60');
    const prepaid = await make('prepaid');
    const lateInvoice = await post(t, `/v1/wholesale_orders/${late.id}/invoice`, { issued_at: '2026-01-01' });
    assert.equal(lateInvoice.invoice.due_at, '2026-01-16T00:00:00.000Z');
    assert.equal(lateInvoice.financial_status, 'overdue');
    const currentInvoice = await post(t, `/v1/wholesale_orders/${current.id}/invoice`);
    assert.equal(currentInvoice.financial_status, 'invoiced');
    const prepaidInvoice = await post(t, `/v1/wholesale_orders/${prepaid.id}/invoice`, { issued_at: '2026-01-01' });
    assert.equal(prepaidInvoice.invoice.due_at, prepaidInvoice.invoice.issued_at);
    const future = await t.api('POST', `/v1/wholesale_orders/${prepaid.id}/invoice`, { issued_at: '2999-01-01' });
    assert.equal(future.status, 400, future.raw);

    const overdue = await t.api('GET', `/v1/wholesale_orders?customer_id=${customer.id}&financial_status=overdue`);
    assert.deepEqual(overdue.body.data.map((o: any) => o.id).sort(), [late.id, prepaid.id].sort());
    assert.ok(overdue.body.data.every((o: any) => o.financial_status === 'overdue'));
    const invoiced = await t.api('GET', `/v1/wholesale_orders?customer_id=${customer.id}&financial_status=invoiced`);
    assert.deepEqual(
      invoiced.body.data.map((o: any) => o.id),
      [current.id],
    );
    // Paying an overdue order makes it paid.
    const paid = await post(t, `/v1/wholesale_orders/${late.id}/pay`, {});
    assert.equal(paid.financial_status, 'paid');
    const after = await t.api('GET', `/v1/wholesale_orders?customer_id=${customer.id}&financial_status=overdue`);
    assert.deepEqual(
      after.body.data.map((o: any) => o.id),
      [prepaid.id],
    );
    const bad = await t.api('GET', '/v1/wholesale_orders?financial_status=late');
    assert.equal(bad.status, 400);
    const listed = await t.api('GET', `/v1/wholesale_orders?customer_id=${customer.id}&status=paid`);
    assert.equal(listed.body.total_count, 1);
  });

  it('approves all lines or none (409 listing shortages) and cancel releases what approval reserved', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 2);
    const short = await draft(t, {
      line_items: [
        { sku: a, quantity: 5, unit_price: 100 },
        { sku: b, quantity: 3, unit_price: 100 },
      ],
    });
    await post(t, `/v1/wholesale_orders/${short.id}/submit`);
    const refused = await t.api('POST', `/v1/wholesale_orders/${short.id}/approve`);
    assert.equal(refused.status, 409, refused.raw);
    assert.equal(refused.body.error.code, 'insufficient_inventory');
    assert.deepEqual(
      refused.body.error.details.shortages.map((s: any) => [s.sku, s.shortfall]),
      [[b, 1]],
    );
    assert.deepEqual(await levels(t, a), { on_hand: 10, reserved: 0, available: 10 });
    assert.equal((await t.api('GET', `/v1/wholesale_orders/${short.id}`)).body.status, 'submitted');

    // A line can be fixed while submitted, then approval succeeds; cancelling releases it all.
    await t.api('PATCH', `/v1/wholesale_order_line_items/${short.line_items[1].id}`, { quantity: 2 });
    await post(t, `/v1/wholesale_orders/${short.id}/approve`);
    assert.deepEqual(await levels(t, b), { on_hand: 2, reserved: 2, available: 0 });
    const cancelled = await post(t, `/v1/wholesale_orders/${short.id}/cancel`, { reason: 'buyer changed plans' });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.cancel_reason, 'buyer changed plans');
    assert.deepEqual(await levels(t, a), { on_hand: 10, reserved: 0, available: 10 });
    assert.deepEqual(await levels(t, b), { on_hand: 2, reserved: 0, available: 2 });
    assertInvalidTransition(await t.api('POST', `/v1/wholesale_orders/${short.id}/approve`), 'cancelled', 'approve');

    // Unknown SKU: 400 unknown_sku at approval. Nothing to submit: 409.
    const unknown = await draft(t, { line_items: [{ sku: 'NO-SUCH-SKU-WS', quantity: 1, unit_price: 1 }] });
    await post(t, `/v1/wholesale_orders/${unknown.id}/submit`);
    const u = await t.api('POST', `/v1/wholesale_orders/${unknown.id}/approve`);
    assert.equal(u.status, 400, u.raw);
    assert.equal(u.body.error.code, 'unknown_sku');
    const empty = await draft(t, {});
    const e = await t.api('POST', `/v1/wholesale_orders/${empty.id}/submit`);
    assert.equal(e.status, 409);
    assert.equal(e.body.error.code, 'no_line_items');
    await assertLedgerConsistent(t, [a, b]);
  });

  it('fills from the order location, checks customer and location, updates with If-Match, deletes drafts', async () => {
    const t = await getTestContext();
    const location = await makeLocation(t);
    const sku = (await stockedSkus(t, 0))[0];
    await stock(t, sku, 7, location);
    const code = (
      await t.db.selectFrom('locations').select('code').where('id', '=', location).executeTakeFirstOrThrow()
    ).code;
    const order = await draft(t, { location_id: code, line_items: [{ sku, quantity: 7, unit_price: 100 }] });
    assert.equal(order.location_id, location);
    await post(t, `/v1/wholesale_orders/${order.id}/submit`);
    const ok = await post(t, `/v1/wholesale_orders/${order.id}/approve`);
    assert.equal(ok.line_items[0].location_id, location);
    assert.deepEqual(await levels(t, sku, location), { on_hand: 7, reserved: 7, available: 0 });

    const noCustomer = await t.api('POST', '/v1/wholesale_orders', { customer_id: 'cus_nobody' });
    assert.equal(noCustomer.status, 404);
    assert.equal(noCustomer.body.error.param, 'customer_id');
    const noLocation = await t.api('POST', '/v1/wholesale_orders', {
      customer_id: (await newCustomer(t)).id,
      location_id: 'NOWHERE',
    });
    assert.equal(noLocation.status, 404);
    assert.equal(noLocation.body.error.param, 'location_id');

    const d = await draft(t, {});
    const stale = await t.api('PATCH', `/v1/wholesale_orders/${d.id}`, { memo: 'x' }, { 'if-match': '7' });
    assert.equal(stale.status, 412);
    const updated = await t.api(
      'PATCH',
      `/v1/wholesale_orders/${d.id}`,
      { memo: 'Deliver to dock 4', payment_terms: 'net_60', metadata: { region: 'west' } },
      { 'if-match': '1' },
    );
    assert.equal(updated.status, 200, updated.raw);
    assert.equal(updated.body.payment_terms, 'net_60');
    assert.equal(updated.body.version, 2);
    const found = await t.api('GET', '/v1/wholesale_orders?search=dock%204');
    assert.ok(found.body.data.some((o: any) => o.id === d.id));
    const deleted = await t.api('DELETE', `/v1/wholesale_orders/${d.id}`);
    assert.deepEqual(deleted.body, { id: d.id, object: 'wholesale_order', deleted: true });
    assert.equal((await t.api('GET', `/v1/wholesale_orders/${d.id}`)).status, 404);
    assertInvalidTransition(await t.api('DELETE', `/v1/wholesale_orders/${order.id}`), 'approved', 'delete');
  });

  it('parallel approvals competing for the same stock: exactly what is on hand is reserved', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const customer = await newCustomer(t);
    const orders = [];
    for (let i = 0; i < 8; i++) {
      const o = await draft(t, { customer_id: customer.id, line_items: [{ sku, quantity: 3, unit_price: 100 }] });
      await post(t, `/v1/wholesale_orders/${o.id}/submit`);
      orders.push(o);
    }
    const results = await Promise.all(orders.map((o) => t.api('POST', `/v1/wholesale_orders/${o.id}/approve`)));
    const okCount = results.filter((r) => r.status === 200).length;
    assert.equal(okCount, 3, results.map((r) => r.status).join(','));
    assert.ok(
      results.every((r) => r.status === 200 || (r.status === 409 && r.body.error.code === 'insufficient_inventory')),
    );
    assert.deepEqual(await levels(t, sku), { on_hand: 10, reserved: 9, available: 1 });

    // The same order approved twice at once: one approval, one reservation.
    const [extra] = await stockedSkus(t, 5);
    const one = await draft(t, { customer_id: customer.id, line_items: [{ sku: extra, quantity: 2, unit_price: 1 }] });
    await post(t, `/v1/wholesale_orders/${one.id}/submit`);
    const twice = await Promise.all([1, 2, 3].map(() => t.api('POST', `/v1/wholesale_orders/${one.id}/approve`)));
    assert.deepEqual(twice.map((r) => r.status).sort(), [200, 409, 409]);
    assert.deepEqual(await levels(t, extra), { on_hand: 5, reserved: 2, available: 3 });

    // Parallel partial shipments of one order never ship more than it holds.
    const ships = await Promise.all(
      [1, 2].map(() =>
        t.api('POST', `/v1/wholesale_orders/${one.id}/ship`, { line_items: [{ sku: extra, quantity: 2 }] }),
      ),
    );
    assert.deepEqual(ships.map((r) => r.status).sort(), [200, 409]);
    assert.deepEqual(await levels(t, extra), { on_hand: 3, reserved: 0, available: 3 });
    await assertLedgerConsistent(t, [sku, extra]);
    await assertVerifyClean(t);
  });

  it('needs the wholesale_orders scopes and shows events only with them', async () => {
    const t = await getTestContext();
    const reader = await t.keyWith(['wholesale_orders:read', 'events:read']);
    const order = await draft(t, {});
    const auth = { authorization: `Bearer ${reader}` };
    assert.equal((await t.api('GET', `/v1/wholesale_orders/${order.id}`, undefined, auth)).status, 200);
    assert.equal((await t.api('POST', `/v1/wholesale_orders/${order.id}/submit`, undefined, auth)).status, 403);
    const events = await t.api('GET', `/v1/wholesale_orders/${order.id}/events`, undefined, auth);
    assert.equal(events.body.data[0].type, 'wholesale_order.created');
  });
});
