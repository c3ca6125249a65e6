import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOrder } from '../src/modules/orders/service.js';
import { getTestContext, unique } from './helpers.js';
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

describe('orders: create', () => {
  it('creates an order: number, totals, reservations, customer counters and the event', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 10, 5);
    const customer = await newCustomer(t);
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [
        { sku: a, quantity: 1, price: 999, name: 'Mug' },
        { sku: b, quantity: 2, price: 500 },
      ],
      discounts: [{ type: 'percentage', value: 12.5, code: 'WELCOME' }],
      tax_rate: 8.75,
      shipping: { method: 'ground', carrier: 'UPS', amount: 500 },
      shipping_address: { line1: '1 Main St', city: 'Springfield', country: 'us' },
      tags: ['VIP', 'vip', 'Gift'],
    });
    assert.match(order.id, /^ord_/);
    assert.match(order.order_number, /^ORD-\d{6}$/);
    assert.equal(order.status, 'pending');
    assert.equal(order.payment_status, 'unpaid');
    assert.equal(order.fulfillment_status, 'unfulfilled');
    assert.equal(order.customer.email, customer.email);
    assert.deepEqual(order.tags, ['VIP', 'Gift']);
    assert.equal(order.billing_address.country, 'US', 'billing defaults to shipping');
    // 1999 subtotal; 12.5% = 249.875 -> 250; 8.75% of 1749 = 153.0375 -> 153; + 500 shipping.
    assert.deepEqual(order.totals, {
      subtotal: 1999,
      discount: 250,
      tax: 153,
      shipping: 500,
      total: 2402,
      paid: 0,
      refunded: 0,
      balance_due: 2402,
    });
    assert.deepEqual(
      order.line_items.map((l: any) => [l.discount, l.tax, l.total]),
      [
        [125, 76, 950],
        [125, 77, 952],
      ],
    );
    assert.equal(order.discounts[0].amount, 250);
    assert.match(order.line_items[0].id, /^oli_/);

    assert.deepEqual(await levels(t, a), { on_hand: 10, reserved: 1, available: 9 });
    assert.deepEqual(await levels(t, b), { on_hand: 5, reserved: 2, available: 3 });
    const byLine = await reservedByLine(t, order.id);
    assert.equal(byLine[order.line_items[0].id], 1);
    assert.equal(byLine[order.line_items[1].id], 2);
    await assertLedgerConsistent(t, [a, b]);

    assert.deepEqual(await eventsOf(t, order.id), ['order.created']);
    assert.equal((await getCustomer(t, customer.id)).order_count, 1);

    const byNumber = await t.api('GET', `/v1/orders/${order.order_number}`);
    assert.equal(byNumber.status, 200);
    assert.equal(byNumber.body.id, order.id);
    assert.deepEqual(byNumber.body, order);
  });

  it('accepts items as an alias, an inline customer matched or created by email, and a paid payment', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const email = `${unique('inline')}@Example.com`;
    const first = await placeOrder(t, {
      items: [{ sku, quantity: 1, price: 1000 }],
      customer: { email, first_name: 'Ida' },
    });
    const customerId = first.customer_id;
    assert.match(customerId, /^cus_/);
    assert.equal(first.customer.first_name, 'Ida');
    const second = await placeOrder(t, {
      items: [{ sku, quantity: 1, price: 1000 }],
      customer: { email: email.toUpperCase() },
      payment: { method: 'card', payment_intent_id: 'pi_123', status: 'paid' },
      tax_rate: 8.75,
    });
    assert.equal(second.customer_id, customerId, 'matched by email, case-insensitively');
    assert.equal(second.status, 'processing');
    assert.equal(second.payment_status, 'paid');
    assert.deepEqual(second.payment, { method: 'card', payment_intent_id: 'pi_123' });
    assert.equal(second.totals.tax, 88, '8.75% of 1000 = 87.5 rounds half-up');
    assert.equal(second.totals.paid, 1088);
    assert.ok(second.paid_at);
    const customer = await getCustomer(t, customerId);
    assert.equal(customer.order_count, 2);
    assert.equal(customer.lifetime_value, 1088);
  });

  it('refuses a create with a short SKU and writes nothing at all', async () => {
    const t = await getTestContext();
    const [plenty, scarce] = await stockedSkus(t, 10, 1);
    // Known (an item elsewhere, empty) but not at the default location: short by all of it.
    const missing = unique('NOPE-');
    await stock(t, missing, 0, await makeLocation(t));
    const email = `${unique('ghost')}@example.com`;
    const ordersBefore = await t.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const eventsBefore = await t.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await t.api('POST', '/v1/orders', {
      customer: { email },
      line_items: [
        { sku: plenty, quantity: 2, price: 100 },
        { sku: scarce, quantity: 3, price: 100 },
        { sku: missing, quantity: 1, price: 100 },
      ],
    });
    assert.equal(res.status, 409, res.raw);
    assert.equal(res.body.error.code, 'insufficient_inventory');
    assert.match(res.body.error.message, new RegExp(`Short by 2 of ${scarce}`));
    const shortages = res.body.error.details.shortages;
    assert.deepEqual(
      shortages.map((s: any) => [s.sku, s.shortfall]).sort(),
      [
        [missing, 1],
        [scarce, 2],
      ].sort(),
    );
    assert.equal(res.body.error.details.shortages.find((s: any) => s.sku === scarce).available, 1);

    const ordersAfter = await t.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const eventsAfter = await t.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(ordersAfter.n), Number(ordersBefore.n), 'no order');
    assert.equal(Number(eventsAfter.n), Number(eventsBefore.n), 'no event (not even customer.created)');
    assert.deepEqual(await levels(t, plenty), { on_hand: 10, reserved: 0, available: 10 }, 'no reservation kept');
    const customers = await t.api('GET', `/v1/customers?email=${encodeURIComponent(email)}`);
    assert.equal(customers.body.total_count, 0, 'no customer');
    await assertLedgerConsistent(t, [plenty, scarce]);
  });

  it('creates concurrent orders for the same new inline customer: all succeed, one customer is created', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 50);
    const email = `${unique('same')}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        t.api('POST', '/v1/orders', { customer: { email }, line_items: [{ sku, quantity: 1, price: 500 }] }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(12).fill(201),
      results.map((r) => r.raw).join('\n'),
    );
    const customerIds = new Set(results.map((r) => r.body.customer_id));
    assert.equal(customerIds.size, 1);
    const customer = await getCustomer(t, [...customerIds][0]);
    assert.equal(customer.order_count, 12);
    const created = await t.db
      .selectFrom('events')
      .select('id')
      .where('type', '=', 'customer.created')
      .where('object_id', '=', customer.id)
      .execute();
    assert.equal(created.length, 1);
  });

  it('validates the body with paths', async () => {
    const t = await getTestContext();
    const customer = await newCustomer(t);
    const cases: Array<[unknown, string]> = [
      [{ customer_id: customer.id, line_items: [{ sku: 'A', quantity: 0, price: 1 }] }, 'line_items[0].quantity'],
      [{ customer_id: customer.id, line_items: [{ sku: 'A', quantity: 1, price: 1.5 }] }, 'line_items[0].price'],
      [
        { customer_id: customer.id, line_items: [{ sku: 'A', quantity: 1, price: 1, colour: 'red' }] },
        'line_items[0].colour',
      ],
      [{ customer_id: customer.id, line_items: [{ sku: 'A', quantity: 1, price: 1 }], total: 5 }, 'total'],
      [{ customer_id: customer.id }, 'line_items'],
      [{ line_items: [{ sku: 'A', quantity: 1, price: 1 }] }, 'customer_id'],
      [
        {
          customer_id: customer.id,
          line_items: [{ sku: 'A', quantity: 1, price: 1 }],
          discounts: [{ type: 'percentage', value: 150 }],
        },
        'discounts[0].value',
      ],
      [{ customer_id: customer.id, line_items: [{ sku: 'A', quantity: 1, price: 1 }], tax_rate: 8.123456 }, 'tax_rate'],
      [{ customer_id: customer.id, line_items: [{ sku: 'A', quantity: 1, price: 1 }], source: 'fax' }, 'source'],
    ];
    for (const [body, path] of cases) {
      const res = await t.api('POST', '/v1/orders', body);
      assert.equal(res.status, 400, `${path}: ${res.raw}`);
      assert.equal(res.body.error.code, 'validation_error');
      assert.ok(
        res.body.error.details.some((d: any) => d.path === path),
        `${path} not in ${res.raw}`,
      );
    }
    const unknownCustomer = await t.api('POST', '/v1/orders', {
      customer_id: 'cus_nope',
      line_items: [{ sku: 'A', quantity: 1, price: 1 }],
    });
    assert.equal(unknownCustomer.status, 400);
    assert.equal(unknownCustomer.body.error.param, 'customer_id');
    const unknownLocation = await t.api('POST', '/v1/orders', {
      customer_id: customer.id,
      line_items: [{ sku: 'A', quantity: 1, price: 1, location_id: 'loc_nope' }],
    });
    assert.equal(unknownLocation.status, 400);
    assert.equal(unknownLocation.body.error.param, 'line_items[0].location_id');
  });

  it("reserves at the line's location", async () => {
    const t = await getTestContext();
    const location = await makeLocation(t);
    const sku = unique('SKU-');
    await stock(t, sku, 4, location);
    const refused = await t.api('POST', '/v1/orders', {
      customer_id: (await newCustomer(t)).id,
      line_items: [{ sku, quantity: 1, price: 100, location_id: 'DEFAULT' }],
    });
    assert.equal(refused.status, 409, 'nothing at the default location');
    const order = await placeOrder(t, { line_items: [{ sku, quantity: 3, price: 100, location_id: location }] });
    assert.equal(order.line_items[0].location_id, location);
    assert.deepEqual(await levels(t, sku, location), { on_hand: 4, reserved: 3, available: 1 });
  });

  it('records backorders with allow_backorder and reserves them when shipping', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 2);
    const unknown = unique('LATER-');
    await stock(t, unknown, 0);
    const order = await placeOrder(t, {
      line_items: [
        { sku, quantity: 5, price: 100 },
        { sku: unknown, quantity: 1, price: 100 },
      ],
      allow_backorder: true,
      payment: { status: 'paid' },
    });
    assert.equal(order.allow_backorder, true);
    assert.deepEqual(
      order.line_items.map((l: any) => l.quantity_backordered),
      [3, 1],
    );
    assert.deepEqual(await levels(t, sku), { on_hand: 2, reserved: 2, available: 0 });

    const short = await t.api('POST', `/v1/orders/${order.id}/ship`, {});
    assert.equal(short.status, 409, short.raw);
    assert.equal(short.body.error.code, 'insufficient_inventory');
    assert.deepEqual(await levels(t, sku), { on_hand: 2, reserved: 2, available: 0 }, 'a refused ship changes nothing');

    // Two of the reserved units can ship now.
    const partial = await post(t, `/v1/orders/${order.id}/ship`, {
      line_items: [{ id: order.line_items[0].id, quantity: 2 }],
    });
    assert.equal(partial.status, 'partially_shipped');
    assert.equal(partial.line_items[0].quantity_backordered, 3);
    await stock(t, sku, 3);
    await stock(t, unknown, 1);
    const shipped = await post(t, `/v1/orders/${order.id}/ship`, {});
    assert.equal(shipped.status, 'shipped');
    assert.deepEqual(
      shipped.line_items.map((l: any) => [l.quantity_shipped, l.quantity_backordered]),
      [
        [5, 0],
        [1, 0],
      ],
    );
    assert.deepEqual(await levels(t, sku), { on_hand: 0, reserved: 0, available: 0 });
    await assertLedgerConsistent(t, [sku, unknown]);
  });

  it('creates concurrent multi-SKU orders whose lines name the SKUs in opposite orders without deadlock or oversell', async () => {
    const t = await getTestContext();
    const skus = await stockedSkus(t, 40, 40, 40);
    const customer = await newCustomer(t);
    const lines = (order: string[]) => order.map((sku) => ({ sku, quantity: 1, price: 100 }));
    // 24 orders of one unit of each SKU against 40 of each: all fit; half list the SKUs reversed.
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        t.api('POST', '/v1/orders', {
          customer_id: customer.id,
          line_items: lines(i % 2 ? [...skus].reverse() : skus),
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(24).fill(201),
      results
        .filter((r) => r.status !== 201)
        .map((r) => r.raw)
        .join('\n'),
    );
    for (const sku of skus) assert.deepEqual(await levels(t, sku), { on_hand: 40, reserved: 24, available: 16 });
    // And 20 more, against the 16 left of each: exactly 16 succeed, the rest are refused whole.
    const more = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.api('POST', '/v1/orders', {
          customer_id: customer.id,
          line_items: lines(i % 2 ? [...skus].reverse() : skus),
        }),
      ),
    );
    assert.equal(more.filter((r) => r.status === 201).length, 16);
    for (const r of more.filter((x) => x.status !== 201))
      assert.equal(r.body.error.code, 'insufficient_inventory', r.raw);
    for (const sku of skus) assert.deepEqual(await levels(t, sku), { on_hand: 40, reserved: 40, available: 0 });
    await assertLedgerConsistent(t, skus);
  });

  it('never oversells under concurrent creates: 30 orders of 1 unit against 10 available', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const customer = await newCustomer(t);
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.api('POST', '/v1/orders', { customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 100 }] }),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    assert.equal(created.length, 10, results.map((r) => r.status).join(','));
    assert.equal(refused.length, 20);
    assert.ok(refused.every((r) => r.body.error.code === 'insufficient_inventory'));
    assert.deepEqual(await levels(t, sku), { on_hand: 10, reserved: 10, available: 0 });
    assert.equal(new Set(created.map((r) => r.body.order_number)).size, 10);
    assert.equal((await getCustomer(t, customer.id)).order_count, 10);
    await assertLedgerConsistent(t, [sku]);
  });

  it('exports createOrder for direct use', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 1);
    const customer = await newCustomer(t);
    const order = await createOrder(
      t.db,
      { requestId: 'direct' },
      {
        customer_id: customer.id,
        line_items: [{ sku, quantity: 1, price: 250 }],
        currency: 'USD',
        source: 'api',
        allow_backorder: false,
      },
    );
    assert.equal(order.totals.total, 250);
  });
});

describe('orders: read', () => {
  it('lists with every filter and loads lines for the page', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 20, 20);
    const customer = await newCustomer(t);
    const tag = unique('tag');
    const one = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: a, quantity: 1, price: 1000 }],
      tags: [tag],
      source: 'web',
    });
    const two = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: b, quantity: 1, price: 5000 }],
      payment: { status: 'paid' },
      currency: 'eur',
      source: 'phone',
    });
    const other = await placeOrder(t, { line_items: [{ sku: a, quantity: 1, price: 100 }] });

    const ids = async (query: string) => {
      const res = await t.api('GET', `/v1/orders?${query}`);
      assert.equal(res.status, 200, res.raw);
      return res.body.data.map((o: any) => o.id);
    };
    assert.deepEqual(await ids(`customer_id=${customer.id}`), [two.id, one.id]);
    assert.deepEqual(await ids(`customer_email=${encodeURIComponent(customer.email.toUpperCase())}`), [two.id, one.id]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&status=pending`), [one.id]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&status_in=pending,processing`), [two.id, one.id]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&payment_status=paid`), [two.id]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&fulfillment_status=unfulfilled`), [two.id, one.id]);
    assert.deepEqual(await ids(`sku=${b}`), [two.id]);
    assert.deepEqual(await ids(`sku=${a}&customer_id=${customer.id}`), [one.id]);
    assert.deepEqual(await ids(`tag=${tag.toUpperCase()}`), [one.id]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&source=phone`), [two.id]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&currency=EUR`), [two.id]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&total_gte=2000`), [two.id]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&total_lte=2000`), [one.id]);
    assert.deepEqual(await ids(`search=${one.order_number.toLowerCase()}`), [one.id]);
    assert.deepEqual(await ids(`search=${encodeURIComponent(other.customer.email)}`), [other.id]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&created_after=${encodeURIComponent(two.created_at)}`), [
      two.id,
    ]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&updated_before=${encodeURIComponent(two.updated_at)}`), [
      one.id,
    ]);
    assert.deepEqual(await ids(`customer_id=${customer.id}&sort=total`), [one.id, two.id]);

    const page = await t.api('GET', `/v1/orders?customer_id=${customer.id}&limit=1`);
    assert.equal(page.body.object, 'list');
    assert.equal(page.body.total_count, 2);
    assert.equal(page.body.has_more, true);
    assert.equal(page.body.data[0].line_items.length, 1);
    const next = await t.api('GET', `/v1/orders?customer_id=${customer.id}&limit=1&cursor=${page.body.next_cursor}`);
    assert.deepEqual(
      next.body.data.map((o: any) => o.id),
      [one.id],
    );
    // A cursor follows any sort field, not only created_at.
    const byTotal = await t.api('GET', `/v1/orders?customer_id=${customer.id}&limit=1&sort=-total`);
    assert.deepEqual(
      byTotal.body.data.map((o: any) => o.id),
      [two.id],
    );
    const byTotalNext = await t.api(
      'GET',
      `/v1/orders?customer_id=${customer.id}&limit=1&sort=-total&cursor=${byTotal.body.next_cursor}`,
    );
    assert.deepEqual(
      byTotalNext.body.data.map((o: any) => o.id),
      [one.id],
    );
    assert.equal(byTotalNext.body.has_more, false);

    const unknown = await t.api('GET', '/v1/orders?colour=red');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details[0].path, 'colour');
    const badStatus = await t.api('GET', '/v1/orders?status=lost');
    assert.equal(badStatus.status, 400);
  });

  it('answers 404 for an unknown order, by id or number', async () => {
    const t = await getTestContext();
    assert.equal((await t.api('GET', '/v1/orders/ord_nope')).status, 404);
    assert.equal((await t.api('GET', '/v1/orders/ORD-999999')).status, 404);
    assert.equal((await t.api('POST', '/v1/orders/ord_nope/hold', { reason: 'x' })).status, 404);
  });

  it('needs the orders scopes', async () => {
    const t = await getTestContext();
    const reader = await t.keyWith(['orders:read']);
    const list = await t.api('GET', '/v1/orders', undefined, { authorization: `Bearer ${reader}` });
    assert.equal(list.status, 200);
    const create = await t.api('POST', '/v1/orders', {}, { authorization: `Bearer ${reader}` });
    assert.equal(create.status, 403);
    assert.equal(create.body.error.details.required_scope, 'orders:write');
  });
});

describe('orders: update, lines, discounts, tags', () => {
  it('updates the allowed fields, recomputes totals and honours If-Match', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const order = await placeOrder(t, { line_items: [{ sku, quantity: 2, price: 1000 }], shipping: { amount: 500 } });
    const stale = await t.api(
      'PATCH',
      `/v1/orders/${order.id}`,
      { notes: 'x' },
      { 'if-match': String(order.version + 1) },
    );
    assert.equal(stale.status, 412);
    const updated = await t.api(
      'PATCH',
      `/v1/orders/${order.id}`,
      {
        shipping_address: { line1: '2 Side St', city: 'Shelbyville', country: 'US' },
        shipping: { amount: 750, carrier: 'FedEx' },
        tax_rate: 10,
        notes: 'leave at door',
        email: 'New@Example.com',
        metadata: { gift: true },
      },
      { 'if-match': String(order.version) },
    );
    assert.equal(updated.status, 200, updated.raw);
    const o = updated.body;
    assert.equal(o.version, order.version + 1);
    assert.equal(o.shipping.carrier, 'FedEx');
    assert.equal(o.billing_address.city, 'Shelbyville');
    assert.equal(o.customer.email, 'New@Example.com');
    assert.deepEqual(o.totals, {
      subtotal: 2000,
      discount: 0,
      tax: 200,
      shipping: 750,
      total: 2950,
      paid: 0,
      refunded: 0,
      balance_due: 2950,
    });
    assert.deepEqual(o.metadata, { gift: true });
    for (const method of ['PUT', 'POST'] as const) {
      const alias = await t.api(method, `/v1/orders/${order.id}`, { notes: method });
      assert.equal(alias.status, 200);
      assert.equal(alias.body.notes, method);
    }
    const unchanged = await t.api('PATCH', `/v1/orders/${order.id}`, { notes: 'POST' });
    assert.equal(unchanged.body.version, o.version + 2, 'no change, no new version');
    const bad = await t.api('PATCH', `/v1/orders/${order.id}`, { status: 'shipped' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, 'status');
    const events = await eventsOf(t, order.id);
    assert.deepEqual(events, ['order.created', 'order.updated', 'order.updated', 'order.updated']);
    const timeline = await t.api('GET', `/v1/orders/${order.order_number}/events`);
    assert.equal(timeline.status, 200);
    assert.equal(timeline.body.total_count, 4);
    const updatedEvent = timeline.body.data.find(
      (e: any) => e.type === 'order.updated' && e.data.previous_attributes.totals,
    );
    assert.equal(updatedEvent.data.previous_attributes.totals.total, 2500);
  });

  it('adds and removes lines with their reservations, keeping at least one line', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 5, 3);
    const order = await placeOrder(t, { line_items: [{ sku: a, quantity: 1, price: 1000 }] });
    const short = await t.api('POST', `/v1/orders/${order.id}/line_items`, { sku: b, quantity: 4, price: 200 });
    assert.equal(short.status, 409);
    assert.equal(short.body.error.code, 'insufficient_inventory');
    const added = await post(t, `/v1/orders/${order.id}/line_items`, { sku: b, quantity: 3, price: 200 });
    assert.equal(added.line_items.length, 2);
    assert.equal(added.totals.subtotal, 1600);
    assert.deepEqual(await levels(t, b), { on_hand: 3, reserved: 3, available: 0 });
    const newLine = added.line_items[1];

    const removed = await t.api('DELETE', `/v1/orders/${order.id}/line_items/${newLine.id}`);
    assert.equal(removed.status, 200, removed.raw);
    assert.equal(removed.body.totals.subtotal, 1000);
    assert.deepEqual(await levels(t, b), { on_hand: 3, reserved: 0, available: 3 });

    const last = await t.api('POST', `/v1/orders/${order.id}/remove_item`, { line_item_id: order.line_items[0].id });
    assert.equal(last.status, 409);
    assert.equal(last.body.error.code, 'order_must_keep_a_line');
    const again = await post(t, `/v1/orders/${order.id}/line_items`, { sku: b, quantity: 1, price: 200 });
    const viaPost = await post(t, `/v1/orders/${order.id}/remove_item`, { line_item_id: again.line_items[0].id });
    assert.deepEqual(
      viaPost.line_items.map((l: any) => l.sku),
      [b],
    );
    assert.deepEqual(await levels(t, a), { on_hand: 5, reserved: 0, available: 5 });
    assert.equal((await t.api('DELETE', `/v1/orders/${order.id}/line_items/oli_nope`)).status, 404);
    assert.deepEqual((await eventsOf(t, order.id)).slice(1), [
      'order.line_item_added',
      'order.line_item_removed',
      'order.line_item_added',
      'order.line_item_removed',
    ]);
    await assertLedgerConsistent(t, [a, b]);
  });

  it("refunds the difference when an edit brings a paid order's total below what was paid", async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 5, 5);
    const customer = await newCustomer(t);
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [
        { sku: a, quantity: 1, price: 1000 },
        { sku: b, quantity: 1, price: 1000 },
      ],
      payment: { status: 'paid' },
    });
    assert.equal(order.totals.paid, 2000);
    const removed = await post(t, `/v1/orders/${order.id}/remove_item`, { line_item_id: order.line_items[1].id });
    assert.equal(removed.totals.total, 1000);
    assert.equal(removed.totals.refunded, 1000);
    assert.equal(removed.totals.balance_due, 0);
    const discounted = await post(t, `/v1/orders/${order.id}/discounts`, { type: 'fixed', value: 250 });
    assert.equal(discounted.totals.total, 750);
    assert.equal(discounted.totals.refunded, 1250);
    const refunds = (await t.api('GET', `/v1/refunds?order_id=${order.id}&sort=created_at`)).body.data;
    assert.deepEqual(
      refunds.map((r: any) => [r.amount, r.reason]),
      [
        [1000, 'order_edited'],
        [250, 'order_edited'],
      ],
    );
    assert.equal((await getCustomer(t, customer.id)).lifetime_value, 750);
    // Nothing more is refundable than the order is worth now.
    const more = await t.api('POST', `/v1/orders/${order.id}/refund`, { amount: 751 });
    assert.equal(more.body.error.code, 'refund_exceeds_paid');
    // The money refunded after the edits no longer counts as paid: a line added back is owed again.
    const added = await post(t, `/v1/orders/${order.id}/line_items`, { sku: b, quantity: 1, price: 1000 });
    assert.equal(added.totals.total, 1750);
    assert.equal(added.totals.balance_due, 1000);
    const settled = await post(t, `/v1/orders/${order.id}/pay`, {});
    assert.equal(settled.totals.paid, 3000);
    assert.equal(settled.totals.balance_due, 0);
    assert.equal((await getCustomer(t, customer.id)).lifetime_value, 1750);
    // An unpaid order edits without any refund.
    const unpaid = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [
        { sku: a, quantity: 1, price: 1000 },
        { sku: b, quantity: 1, price: 1000 },
      ],
    });
    const edited = await post(t, `/v1/orders/${unpaid.id}/remove_item`, { line_item_id: unpaid.line_items[1].id });
    assert.equal(edited.totals.refunded, 0);
  });

  it('adds and removes discounts, capped so the total never goes negative', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const order = await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 1005 }], shipping: { amount: 300 } });
    const pct = await post(t, `/v1/orders/${order.id}/discounts`, {
      type: 'percentage',
      value: 10,
      code: 'TEN',
      reason: 'loyalty',
    });
    assert.equal(pct.totals.discount, 101, '100.5 rounds half-up');
    assert.match(pct.discounts[0].id, /^dsc_/);
    const big = await post(t, `/v1/orders/${order.id}/discounts`, { type: 'fixed', value: 5000 });
    assert.deepEqual(
      big.discounts.map((d: any) => d.amount),
      [101, 904],
    );
    assert.equal(big.totals.total, 300, 'only shipping is left');
    const bad = await t.api('POST', `/v1/orders/${order.id}/discounts`, { type: 'fixed', value: 12.5 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, 'value');
    const removed = await t.api('DELETE', `/v1/orders/${order.id}/discounts/${big.discounts[1].id}`);
    assert.equal(removed.status, 200);
    assert.equal(removed.body.totals.total, 1005 - 101 + 300);
    assert.deepEqual((await eventsOf(t, order.id)).slice(1), [
      'order.discount_added',
      'order.discount_added',
      'order.discount_removed',
    ]);
  });

  it('adds tags uniquely, case-insensitively, and removes them', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 1);
    const order = await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 100 }], tags: ['Rush'] });
    const tagged = await post(t, `/v1/orders/${order.id}/tags`, { tags: ['rush', 'Wholesale', 'WHOLESALE', 'gift'] });
    assert.deepEqual(tagged.tags, ['Rush', 'Wholesale', 'gift']);
    const untagged = await t.api('DELETE', `/v1/orders/${order.id}/tags/wholesale`);
    assert.deepEqual(untagged.body.tags, ['Rush', 'gift']);
    const noop = await t.api('DELETE', `/v1/orders/${order.id}/tags/absent`);
    assert.equal(noop.body.version, untagged.body.version);
    assert.deepEqual((await eventsOf(t, order.id)).slice(1), ['order.tagged', 'order.untagged']);
  });
});

describe('orders: pay, hold, release, cancel', () => {
  it('pays partially then fully; a fully paid pending order moves to processing', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const customer = await newCustomer(t);
    const order = await placeOrder(t, { customer_id: customer.id, line_items: [{ sku, quantity: 2, price: 1500 }] });
    const part = await post(t, `/v1/orders/${order.id}/pay`, {
      amount: 1000,
      method: 'card',
      payment_intent_id: 'pi_1',
    });
    assert.equal(part.status, 'pending');
    assert.equal(part.payment_status, 'unpaid');
    assert.equal(part.totals.paid, 1000);
    assert.equal(part.totals.balance_due, 2000);
    const over = await t.api('POST', `/v1/orders/${order.id}/pay`, { amount: 2001 });
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'payment_exceeds_balance');
    const rest = await post(t, `/v1/orders/${order.id}/pay`, {});
    assert.equal(rest.status, 'processing');
    assert.equal(rest.payment_status, 'paid');
    assert.equal(rest.totals.paid, 3000);
    assert.equal(rest.payment.payment_intent_id, 'pi_1');
    const again = await t.api('POST', `/v1/orders/${order.id}/pay`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'order_already_paid');
    assert.equal((await getCustomer(t, customer.id)).lifetime_value, 3000);
    assert.deepEqual((await eventsOf(t, order.id)).slice(1), ['order.paid', 'order.paid']);
  });

  it('takes actions whose body is optional without one (curl -X POST .../pay); one that needs a body says so', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const order = await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 1500 }] });
    const bare = await t.app.inject({
      method: 'POST',
      url: `/v1/orders/${order.id}/pay`,
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    assert.equal(bare.statusCode, 200, bare.body);
    assert.equal(JSON.parse(bare.body).payment_status, 'paid');
    const emptyJson = await t.app.inject({
      method: 'POST',
      url: `/v1/orders/${order.id}/ship`,
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      payload: '',
    });
    assert.equal(emptyJson.statusCode, 200, emptyJson.body);
    assert.equal(JSON.parse(emptyJson.body).status, 'shipped');
    const noReason = await t.api('POST', `/v1/orders/${order.id}/hold`);
    assert.equal(noReason.status, 400, noReason.raw);
    assert.equal(noReason.body.error.code, 'validation_error');
    assert.match(noReason.body.error.message, /needs a JSON body/);
  });

  it('holds and releases to the held status; a held order cannot be paid, shipped, split or merged', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const customer = await newCustomer(t);
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku, quantity: 2, price: 100 }],
      payment: { status: 'paid' },
    });
    const other = await placeOrder(t, { customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 100 }] });
    const held = await post(t, `/v1/orders/${order.id}/hold`, { reason: 'address check' });
    assert.equal(held.status, 'on_hold');
    assert.equal(held.hold.reason, 'address check');
    assert.equal(held.hold.previous_status, 'processing');
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/ship`, {}), 'on_hold', 'ship');
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/pay`, {}), 'on_hold', 'pay');
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${order.id}/split`, { line_items: [{ id: held.line_items[0].id, quantity: 1 }] }),
      'on_hold',
      'split',
    );
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${order.id}/merge`, { order_ids: [other.id] }),
      'on_hold',
      'merge',
    );
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${other.id}/merge`, { order_ids: [order.id] }),
      'on_hold',
      'merge',
    );
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/hold`, { reason: 'again' }), 'on_hold', 'hold');
    const edited = await t.api('PATCH', `/v1/orders/${order.id}`, { notes: 'fixed the address' });
    assert.equal(edited.status, 200, 'a held order can still be edited');
    const missingReason = await t.api('POST', `/v1/orders/${order.id}/hold`, {});
    assert.equal(missingReason.status, 400);
    const released = await post(t, `/v1/orders/${order.id}/release`);
    assert.equal(released.status, 'processing');
    assert.equal(released.hold, null);
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/release`), 'processing', 'release');
    const pendingHeld = await post(t, `/v1/orders/${other.id}/hold`, { reason: 'fraud review' });
    assert.equal(pendingHeld.hold.previous_status, 'pending');
    assert.equal((await post(t, `/v1/orders/${other.id}/release`)).status, 'pending');
    assert.deepEqual((await eventsOf(t, order.id)).slice(1), ['order.held', 'order.updated', 'order.released']);
  });

  it('cancels: releases reservations and refunds what was paid; refused once shipped', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 5, 5);
    const customer = await newCustomer(t);
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [
        { sku: a, quantity: 2, price: 1000 },
        { sku: b, quantity: 1, price: 500 },
      ],
      payment: { status: 'paid', method: 'card' },
    });
    assert.equal((await getCustomer(t, customer.id)).lifetime_value, 2500);
    const badReason = await t.api('POST', `/v1/orders/${order.id}/cancel`, { reason: 'bored' });
    assert.equal(badReason.status, 400);
    const cancelled = await post(t, `/v1/orders/${order.id}/cancel`, {
      reason: 'customer_request',
      notes: 'changed mind',
    });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.cancel.reason, 'customer_request');
    assert.equal(cancelled.cancel.notes, 'changed mind');
    assert.ok(cancelled.cancelled_at);
    assert.equal(cancelled.payment_status, 'refunded');
    assert.equal(cancelled.totals.refunded, 2500);
    assert.deepEqual(await levels(t, a), { on_hand: 5, reserved: 0, available: 5 });
    assert.deepEqual(await levels(t, b), { on_hand: 5, reserved: 0, available: 5 });
    const refunds = await t.api('GET', `/v1/refunds?order_id=${order.id}`);
    assert.equal(refunds.body.total_count, 1);
    assert.equal(refunds.body.data[0].amount, 2500);
    assert.equal(refunds.body.data[0].reason, 'order_cancelled');
    assert.equal((await getCustomer(t, customer.id)).lifetime_value, 0);
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/cancel`, {}), 'cancelled', 'cancel');
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${order.id}/line_items`, { sku: a, quantity: 1, price: 1 }),
      'cancelled',
      'add_line_item',
    );
    assertInvalidTransition(await t.api('PATCH', `/v1/orders/${order.id}`, { notes: 'x' }), 'cancelled', 'update');
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/ship`, {}), 'cancelled', 'ship');
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/pay`, {}), 'cancelled', 'pay');
    assertInvalidTransition(await t.api('POST', `/v1/orders/${order.id}/release`), 'cancelled', 'release');
    assert.deepEqual((await eventsOf(t, order.id)).slice(1), ['order.cancelled']);

    const shipped = await placeOrder(t, {
      line_items: [{ sku: a, quantity: 1, price: 100 }],
      payment: { status: 'paid' },
    });
    await post(t, `/v1/orders/${shipped.id}/ship`, {});
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${shipped.id}/cancel`, { reason: 'other' }),
      'shipped',
      'cancel',
    );
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${shipped.id}/line_items`, { sku: a, quantity: 1, price: 1 }),
      'shipped',
      'add_line_item',
    );
    assertInvalidTransition(await t.api('PATCH', `/v1/orders/${shipped.id}`, { notes: 'late' }), 'shipped', 'update');
    assertInvalidTransition(
      await t.api('POST', `/v1/orders/${shipped.id}/discounts`, { type: 'fixed', value: 10 }),
      'shipped',
      'add_discount',
    );
    assertInvalidTransition(await t.api('POST', `/v1/orders/${shipped.id}/hold`, { reason: 'x' }), 'shipped', 'hold');
    await assertLedgerConsistent(t, [a, b]);
  });

  it('documents every order route in the OpenAPI document', async () => {
    const t = await getTestContext();
    const res = await t.api('GET', '/openapi.json');
    assert.equal(res.status, 200);
    const paths = res.body.paths;
    for (const [path, method] of [
      ['/v1/orders', 'post'],
      ['/v1/orders', 'get'],
      ['/v1/orders/{id}', 'patch'],
      ['/v1/orders/{id}/line_items', 'post'],
      ['/v1/orders/{id}/line_items/{item_id}', 'delete'],
      ['/v1/orders/{id}/ship', 'post'],
      ['/v1/orders/{id}/exchange', 'post'],
      ['/v1/orders/{id}/merge', 'post'],
      ['/v1/orders/{id}/events', 'get'],
      ['/v1/promotions', 'post'],
      ['/v1/shipments/{id}/cancel', 'post'],
      ['/v1/refunds', 'get'],
      ['/v1/returns/{id}', 'get'],
    ]) {
      assert.ok(paths[path]?.[method], `${method} ${path}`);
    }
    const create = paths['/v1/orders'].post;
    assert.ok(create.requestBody);
    assert.ok(create.responses['409']);
    assert.ok(paths['/v1/orders/{id}/hold'].post.responses['412']);
  });
});
