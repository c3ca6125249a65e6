import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { verifyInventory } from '../src/modules/inventory/verify.js';
import { getTestContext, unique, type TestContext } from './helpers.js';
import { assertLedgerConsistent, levels, newCustomer, placeOrder, post } from './orders-helpers.js';
import { assertError } from './support.js';

/** Issue 10, items 1, 2, 3 and 7: orders fill from where the stock is, location codes, unknown SKUs, stock in transit. */

async function warehouse(t: TestContext, prefix = 'WH-'): Promise<{ id: string; code: string }> {
  const res = await t.api('POST', '/v1/locations', { code: unique(prefix), name: 'Test warehouse' });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

/** An item of `sku` at a location (by code, which item 2 allows) with `onHand` units. */
async function stockAt(t: TestContext, sku: string, location: string | undefined, onHand: number): Promise<any> {
  const res = await t.api('POST', '/v1/inventory_items', {
    sku,
    on_hand: onHand,
    ...(location ? { location_id: location } : {}),
  });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

async function defaultLocation(t: TestContext): Promise<{ id: string; code: string }> {
  return (await t.api('GET', '/v1/locations/DEFAULT')).body;
}

async function orderOf(t: TestContext, lines: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  const customer = await newCustomer(t);
  return t.api('POST', '/v1/orders', { customer_id: customer.id, line_items: lines, ...extra });
}

describe('orders fill from where the stock is', () => {
  it('fills a line with no location from the only warehouse that has the stock', async () => {
    const t = await getTestContext();
    const east = await warehouse(t, 'WH-EAST-');
    const sku = unique('MUG-');
    await stockAt(t, sku, east.code, 30);
    const res = await orderOf(t, [{ sku, quantity: 4, price: 1250 }]);
    assert.equal(res.status, 201, res.raw);
    assert.equal(res.body.line_items[0].location_id, east.id);
    assert.deepEqual(await levels(t, sku, east.id), { on_hand: 30, reserved: 4, available: 26 });
    await assertLedgerConsistent(t, [sku]);
  });

  it('prefers the default location when it can fill the line, else the one with the most available, then by code', async () => {
    const t = await getTestContext();
    const def = await defaultLocation(t);
    const a = await warehouse(t, 'WH-A-');
    const b = await warehouse(t, 'WH-B-');
    const sku = unique('SKU-');
    await stockAt(t, sku, undefined, 5);
    await stockAt(t, sku, a.code, 8);
    await stockAt(t, sku, b.code, 12);
    // 5 fit at the default; 6 do not, and B has the most.
    const first = await orderOf(t, [{ sku, quantity: 5, price: 100 }]);
    assert.equal(first.status, 201, first.raw);
    assert.equal(first.body.line_items[0].location_id, def.id);
    const second = await orderOf(t, [{ sku, quantity: 6, price: 100 }]);
    assert.equal(second.body.line_items[0].location_id, b.id);
    // Lines of one order see what earlier lines took: B has 6 left and A 8, so 7 goes to A, then 6 to B.
    const both = await orderOf(t, [
      { sku, quantity: 7, price: 100 },
      { sku, quantity: 6, price: 100 },
    ]);
    assert.equal(both.status, 201, both.raw);
    assert.deepEqual(
      both.body.line_items.map((l: any) => l.location_id),
      [a.id, b.id],
    );
    assert.deepEqual(
      [await levels(t, sku, a.id), await levels(t, sku, b.id)].map((l) => l.available),
      [1, 0],
    );
    await assertLedgerConsistent(t, [sku]);
  });

  it("takes an order-level location_id (by code) for lines without their own; a line's own location_id wins", async () => {
    const t = await getTestContext();
    const def = await defaultLocation(t);
    const west = await warehouse(t, 'WH-WEST-');
    const sku = unique('SKU-');
    await stockAt(t, sku, undefined, 10);
    await stockAt(t, sku, west.code, 10);
    const res = await orderOf(
      t,
      [
        { sku, quantity: 1, price: 100 },
        { sku, quantity: 2, price: 100, location_id: 'DEFAULT' },
      ],
      { location_id: west.code },
    );
    assert.equal(res.status, 201, res.raw);
    assert.deepEqual(
      res.body.line_items.map((l: any) => l.location_id),
      [west.id, def.id],
    );
    const unknown = await orderOf(t, [{ sku, quantity: 1, price: 100 }], { location_id: 'NO-SUCH-PLACE' });
    assertError(unknown, 400, 'invalid_request_error');
    assert.equal(unknown.body.error.param, 'location_id');
  });

  it('names where the stock is when no location can fill a line (a line does not split)', async () => {
    const t = await getTestContext();
    const east = await warehouse(t, 'WH-EAST-');
    const sku = unique('MUG-');
    await stockAt(t, sku, undefined, 0);
    await stockAt(t, sku, east.code, 30);
    // The default is named but empty.
    const named = await orderOf(t, [{ sku, quantity: 4, price: 100, location_id: 'DEFAULT' }]);
    assertError(named, 409, 'conflict', 'insufficient_inventory');
    assert.ok(
      named.body.error.message.includes(
        `Short by 4 of ${sku} at DEFAULT, requested 4: 0 available at DEFAULT; 30 available at ${east.code}.`,
      ),
      named.raw,
    );
    const [shortage] = named.body.error.details.shortages;
    assert.deepEqual(
      shortage.locations.map((l: any) => [l.location_code, l.available]),
      [
        ['DEFAULT', 0],
        [east.code, 30],
      ],
    );
    // 40 fits nowhere: the line goes where most is and is short by 10 there.
    const tooMany = await orderOf(t, [{ sku, quantity: 40, price: 100 }]);
    assertError(tooMany, 409, 'conflict', 'insufficient_inventory');
    assert.match(
      tooMany.body.error.message,
      new RegExp(`Short by 10 of ${sku} at ${east.code}, requested 40: 30 available at ${east.code}`),
    );
    assert.deepEqual(await levels(t, sku, east.id), { on_hand: 30, reserved: 0, available: 30 });
    // With backorders it reserves the 30 there and backorders 10.
    const backordered = await orderOf(t, [{ sku, quantity: 40, price: 100 }], { allow_backorder: true });
    assert.equal(backordered.status, 201, backordered.raw);
    assert.equal(backordered.body.line_items[0].location_id, east.id);
    assert.equal(backordered.body.line_items[0].quantity_backordered, 10);
    await assertLedgerConsistent(t, [sku]);
  });

  it('adds a line from where the stock is, and by location code', async () => {
    const t = await getTestContext();
    const east = await warehouse(t, 'WH-EAST-');
    const [first, second] = [unique('SKU-'), unique('SKU-')];
    await stockAt(t, first, undefined, 5);
    await stockAt(t, second, east.code, 5);
    const order = await placeOrder(t, {
      customer: { email: `${unique('al')}@example.com` },
      line_items: [{ sku: first, quantity: 1, price: 100 }],
    });
    const added = await post(t, `/v1/orders/${order.id}/line_items`, { sku: second, quantity: 2, price: 100 });
    assert.equal(added.line_items[1].location_id, east.id);
    const byCode = await post(t, `/v1/orders/${order.id}/line_items`, {
      sku: second,
      quantity: 1,
      price: 100,
      location_id: east.code,
    });
    assert.equal(byCode.line_items[2].location_id, east.id);
    assert.deepEqual(await levels(t, second, east.id), { on_hand: 5, reserved: 3, available: 2 });
    const short = await t.api('POST', `/v1/orders/${order.id}/line_items`, { sku: second, quantity: 3, price: 100 });
    assertError(short, 409, 'conflict', 'insufficient_inventory');
    assert.ok(short.body.error.message.includes(`2 available at ${east.code}`), short.raw);
  });

  it("fills an exchange's new items from where the stock is, and refuses an unknown one naming new_items", async () => {
    const t = await getTestContext();
    const east = await warehouse(t, 'WH-EAST-');
    const [old, fresh] = [unique('OLD-'), unique('NEW-')];
    await stockAt(t, old, undefined, 5);
    await stockAt(t, fresh, east.code, 5);
    const order = await placeOrder(t, {
      customer: { email: `${unique('ex')}@example.com` },
      line_items: [{ sku: old, quantity: 2, price: 1500 }],
      payment: { status: 'paid' },
    });
    await post(t, `/v1/orders/${order.id}/ship`, {});
    const body = (sku: string) => ({
      return_items: [{ id: order.line_items[0].id, quantity: 1, reason: 'wrong size' }],
      new_items: [{ sku, quantity: 1, price: 1500 }],
    });
    const unknown = await t.api('POST', `/v1/orders/${order.id}/exchange`, body(`${fresh}-TYPO`));
    assertError(unknown, 400, 'invalid_request_error', 'unknown_sku');
    assert.equal(unknown.body.error.param, 'new_items[0].sku');
    const ex = await post(t, `/v1/orders/${order.id}/exchange`, body(fresh));
    assert.equal(ex.exchange_order.line_items[0].location_id, east.id);
    assert.deepEqual(await levels(t, fresh, east.id), { on_hand: 5, reserved: 1, available: 4 });
  });

  it('never oversells when orders race for the last units at a non-default location', async () => {
    const t = await getTestContext();
    const east = await warehouse(t, 'WH-EAST-');
    const sku = unique('LAST-');
    await stockAt(t, sku, east.code, 5);
    const customers = await Promise.all(Array.from({ length: 8 }, () => newCustomer(t)));
    const results = await Promise.all(
      customers.map((c) =>
        t.api('POST', '/v1/orders', { customer_id: c.id, line_items: [{ sku, quantity: 2, price: 100 }] }),
      ),
    );
    const made = results.filter((r) => r.status === 201);
    assert.equal(made.length, 2, results.map((r) => r.status).join());
    for (const r of results.filter((x) => x.status !== 201))
      assert.equal(r.body.error.code, 'insufficient_inventory', r.raw);
    assert.ok(made.every((r) => r.body.line_items[0].location_id === east.id));
    assert.deepEqual(await levels(t, sku, east.id), { on_hand: 5, reserved: 4, available: 1 });
    await assertLedgerConsistent(t, [sku]);
  });
});

describe('an unknown SKU is not a shortage', () => {
  it('answers 400 unknown_sku naming the SKU and its line, on create, add-line and with backorders, writing nothing', async () => {
    const t = await getTestContext();
    const sku = unique('MUG-');
    await stockAt(t, sku, undefined, 5);
    const typo = `${sku}-TYPO`;
    const before = await t.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await orderOf(t, [
      { sku, quantity: 1, price: 100 },
      { sku: typo, quantity: 1, price: 100 },
    ]);
    assertError(res, 400, 'invalid_request_error', 'unknown_sku');
    assert.equal(res.body.error.param, 'line_items[1].sku');
    assert.match(res.body.error.message, new RegExp(`Unknown SKU "${typo}"`));
    assert.deepEqual(
      res.body.error.details.map((d: any) => [d.path, d.code]),
      [['line_items[1].sku', 'unknown_sku']],
    );
    const backorder = await orderOf(t, [{ sku: typo, quantity: 1, price: 100 }], { allow_backorder: true });
    assertError(backorder, 400, 'invalid_request_error', 'unknown_sku');
    const after = await t.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
    assert.deepEqual(await levels(t, sku), { on_hand: 5, reserved: 0, available: 5 });

    const order = await placeOrder(t, {
      customer: { email: `${unique('us')}@example.com` },
      line_items: [{ sku, quantity: 1, price: 100 }],
    });
    const added = await t.api('POST', `/v1/orders/${order.id}/line_items`, {
      sku: typo,
      quantity: 1,
      price: 100,
      allow_backorder: true,
    });
    assertError(added, 400, 'invalid_request_error', 'unknown_sku');
    assert.equal(added.body.error.param, 'sku');
    assert.equal((await t.api('GET', `/v1/orders/${order.id}`)).body.version, order.version);
  });

  it('still calls a SKU stocked elsewhere, but not at the named location, a shortage', async () => {
    const t = await getTestContext();
    const east = await warehouse(t, 'WH-EAST-');
    const sku = unique('SKU-');
    await stockAt(t, sku, east.code, 3);
    const res = await orderOf(t, [{ sku, quantity: 1, price: 100, location_id: 'DEFAULT' }]);
    assertError(res, 409, 'conflict', 'insufficient_inventory');
    assert.ok(res.body.error.message.includes(`3 available at ${east.code}`), res.raw);
  });
});

describe('location codes wherever a location id goes', () => {
  it('retrieves, updates and deletes a location by code; unknown codes are 404', async () => {
    const t = await getTestContext();
    const loc = await warehouse(t, 'WH-CODE-');
    const got = await t.api('GET', `/v1/locations/${loc.code}`);
    assert.equal(got.status, 200, got.raw);
    assert.equal(got.body.id, loc.id);
    const patched = await t.api('PATCH', `/v1/locations/${loc.code}`, { name: 'Renamed' });
    assert.equal(patched.status, 200, patched.raw);
    assert.equal(patched.body.name, 'Renamed');
    assert.equal((await t.api('GET', `/v1/locations/${loc.code}/events`)).body.data.length, 2);
    assertError(await t.api('GET', '/v1/locations/NO-SUCH-CODE'), 404, 'not_found');
    const deleted = await t.api('DELETE', `/v1/locations/${loc.code}`);
    assert.equal(deleted.status, 200, deleted.raw);
    assert.equal(deleted.body.id, loc.id);
  });

  it('accepts codes in items, list filters, transfers and ship', async () => {
    const t = await getTestContext();
    const [a, b] = [await warehouse(t, 'WH-A-'), await warehouse(t, 'WH-B-')];
    const sku = unique('SKU-');
    const atA = await stockAt(t, sku, a.code, 10);
    assert.equal(atA.location_id, a.id);
    const missing = await t.api('POST', '/v1/inventory_items', { sku, location_id: 'NO-SUCH-CODE' });
    assertError(missing, 404, 'not_found');
    assert.equal(missing.body.error.param, 'location_id');

    const listed = await t.api('GET', `/v1/inventory_items?sku=${sku}&location_id=${a.code}`);
    assert.deepEqual(
      listed.body.data.map((i: any) => i.id),
      [atA.id],
    );
    const listedIn = await t.api('GET', `/v1/inventory_items?sku=${sku}&location_id_in=${b.code},${a.code}`);
    assert.equal(listedIn.body.data.length, 1);
    assert.equal((await t.api('GET', `/v1/inventory_items?sku=${sku}&location_id=NO-SUCH-CODE`)).body.data.length, 0);

    const moved = await t.api('POST', `/v1/inventory_items/${atA.id}/transfer`, {
      to_location_id: b.code,
      quantity: 4,
      receive_now: true,
    });
    assert.equal(moved.status, 200, moved.raw);
    assert.equal(moved.body.transfer.to_location_id, b.id);
    const transfers = await t.api('GET', `/v1/transfers?to_location_id=${b.code}&sku=${sku}`);
    assert.equal(transfers.body.data.length, 1);
    const badTransfer = await t.api('POST', `/v1/inventory_items/${atA.id}/transfer`, {
      to_location_id: 'NO-SUCH-CODE',
      quantity: 1,
    });
    assertError(badTransfer, 404, 'not_found');
    assert.equal(badTransfer.body.error.param, 'to_location_id');

    const order = await placeOrder(t, {
      customer: { email: `${unique('sh')}@example.com` },
      line_items: [
        { sku, quantity: 1, price: 100, location_id: a.code },
        { sku, quantity: 2, price: 100, location_id: b.code },
      ],
      payment: { method: 'card', status: 'paid' },
    });
    const shipped = await post(t, `/v1/orders/${order.id}/ship`, { location_id: b.code });
    assert.equal(shipped.status, 'partially_shipped');
    assert.deepEqual(
      shipped.line_items.map((l: any) => l.quantity_shipped),
      [0, 2],
    );
    const badShip = await t.api('POST', `/v1/orders/${order.id}/ship`, { location_id: 'NO-SUCH-CODE' });
    assertError(badShip, 404, 'not_found');
    assert.equal(badShip.body.error.param, 'location_id');
  });
});

describe('stock in transit shows at its destination', () => {
  it('counts a transfer in transit on the destination item until it is received', async () => {
    const t = await getTestContext();
    const east = await warehouse(t, 'WH-EAST-');
    const sku = unique('SKU-');
    const source = await stockAt(t, sku, undefined, 10);
    const sent = await t.api('POST', `/v1/inventory_items/${source.id}/transfer`, {
      to_location_id: east.code,
      quantity: 6,
    });
    assert.equal(sent.status, 200, sent.raw);
    const destinationId = sent.body.transfer.to_item_id;
    const arriving = (await t.api('GET', `/v1/inventory_items/${destinationId}`)).body;
    assert.deepEqual([arriving.on_hand, arriving.available, arriving.in_transit, arriving.incoming], [0, 0, 6, 0]);
    assert.equal(sent.body.in_transit, 0, 'the source shows nothing arriving');
    const listed = await t.api('GET', `/v1/inventory_items?sku=${sku}&location_id=${east.code}`);
    assert.equal(listed.body.data[0].in_transit, 6);
    const summary = (await t.api('GET', `/v1/inventory?sku=${sku}`)).body;
    assert.equal(summary.in_transit, 6);
    assert.deepEqual(
      summary.locations.map((l: any) => [l.location_code, l.on_hand, l.in_transit]),
      [
        ['DEFAULT', 4, 0],
        [east.code, 0, 6],
      ],
    );
    assert.equal((await verifyInventory(t.db)).ok, true);

    const received = await t.api('POST', `/v1/transfers/${sent.body.transfer.id}/receive`);
    assert.equal(received.status, 200, received.raw);
    const arrived = (await t.api('GET', `/v1/inventory_items/${destinationId}`)).body;
    assert.deepEqual([arrived.on_hand, arrived.available, arrived.in_transit], [6, 6, 0]);
    // An immediate transfer never shows in transit.
    const now = await t.api('POST', `/v1/inventory_items/${source.id}/transfer`, {
      to_location_id: east.id,
      quantity: 1,
      receive_now: true,
    });
    assert.equal(now.status, 200, now.raw);
    assert.equal((await t.api('GET', `/v1/inventory_items/${destinationId}`)).body.in_transit, 0);
    const report = await verifyInventory(t.db);
    assert.equal(report.ok, true, JSON.stringify(report.drifts));
    // verify checks in_transit against the transfers in transit.
    await sql`UPDATE inventory_items SET in_transit = 2 WHERE id = ${destinationId}`.execute(t.db);
    try {
      const drifted = await verifyInventory(t.db);
      assert.deepEqual(
        drifted.drifts.map((d) => [d.inventory_item_id, d.in_transit, d.expected_in_transit]),
        [[destinationId, 2, 0]],
      );
      assert.match(drifted.drifts[0].problems.join(), /in_transit is 2 but its transfers in transit sum to 0/);
    } finally {
      await sql`UPDATE inventory_items SET in_transit = 0 WHERE id = ${destinationId}`.execute(t.db);
    }
  });
});
