/**
 * Hardening: no scope escalation, events readable only where their object is, personal data
 * erased from events, a start after ADMIN_API_KEY was revoked, strict bounded dates compared as
 * instants, and a throttle on requests refused 401/403.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareDatabase } from '../src/bootstrap.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import { buildExtraApp, getTestContext, unique } from './helpers.js';
import { newCustomer, placeOrder, post, stockedSkus } from './orders-helpers.js';
import { assertError, authHeader, createCustomer, newEmail } from './support.js';

const baseUrl = process.env.DATABASE_URL ?? '';

async function keyCount(): Promise<number> {
  const t = await getTestContext();
  const row = await t.db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('scope escalation', () => {
  it('a key grants only scopes it holds: admin cannot mint *, admin or orders:write beyond its own', async () => {
    const t = await getTestContext();
    const admin = authHeader(await t.keyWith(['admin']));
    const before = await keyCount();
    for (const scopes of [['*'], ['orders:write'], ['orders:read'], ['orders:*'], ['admin', 'customers:read']]) {
      const res = await t.api('POST', '/v1/api_keys', { scopes }, admin);
      assertError(res, 403, 'permission_error', 'scope_not_held');
      assert.equal(res.body.error.param, 'scopes');
    }
    assert.deepEqual(
      (await t.api('POST', '/v1/api_keys', { scopes: ['admin', '*', 'orders:read'] }, admin)).body.error.details,
      { scopes_not_held: ['*', 'orders:read'] },
    );
    assert.equal(await keyCount(), before, 'a refused grant creates no key');
    const same = await t.api('POST', '/v1/api_keys', { scopes: ['admin'] }, admin);
    assert.equal(same.status, 201, same.raw);
  });

  it('* covers everything, x:write covers x:read, x:* covers both', async () => {
    const t = await getTestContext();
    const writer = authHeader(await t.keyWith(['admin', 'orders:write']));
    for (const scopes of [['orders:read'], ['orders:write'], ['orders:*'], ['admin', 'orders:read']]) {
      const res = await t.api('POST', '/v1/api_keys', { scopes }, writer);
      assert.equal(res.status, 201, `${scopes}: ${res.raw}`);
    }
    assertError(
      await t.api('POST', '/v1/api_keys', { scopes: ['customers:read'] }, writer),
      403,
      'permission_error',
      'scope_not_held',
    );
    const star = authHeader(await t.keyWith(['admin', 'inventory:*']));
    assert.equal(
      (await t.api('POST', '/v1/api_keys', { scopes: ['inventory:read', 'inventory:write'] }, star)).status,
      201,
    );
    assertError(
      await t.api('POST', '/v1/api_keys', { scopes: ['*'] }, star),
      403,
      'permission_error',
      'scope_not_held',
    );
    const reader = authHeader(await t.keyWith(['admin', 'orders:read']));
    assertError(
      await t.api('POST', '/v1/api_keys', { scopes: ['orders:write'] }, reader),
      403,
      'permission_error',
      'scope_not_held',
    );
    assertError(
      await t.api('POST', '/v1/api_keys', { scopes: ['orders:*'] }, reader),
      403,
      'permission_error',
      'scope_not_held',
    );
    // The full key (every test's default) grants anything.
    assert.equal((await t.api('POST', '/v1/api_keys', { scopes: ['*'] })).status, 201);
  });

  it('a key revokes only keys whose scopes it holds', async () => {
    const t = await getTestContext();
    const admin = authHeader(await t.keyWith(['admin', 'orders:read']));
    const full = await t.api('POST', '/v1/api_keys', { scopes: ['*'] });
    const refused = await t.api('POST', `/v1/api_keys/${full.body.id}/revoke`, undefined, admin);
    assertError(refused, 403, 'permission_error', 'scope_not_held');
    assert.deepEqual(refused.body.error.details, { scopes_not_held: ['*'] });
    assertError(
      await t.api('DELETE', `/v1/api_keys/${full.body.id}`, undefined, admin),
      403,
      'permission_error',
      'scope_not_held',
    );
    assert.equal((await t.api('GET', `/v1/api_keys/${full.body.id}`)).body.status, 'active');
    const reader = await t.api('POST', '/v1/api_keys', { scopes: ['orders:read'] });
    const revoked = await t.api('POST', `/v1/api_keys/${reader.body.id}/revoke`, undefined, admin);
    assert.equal(revoked.status, 200, revoked.raw);
    assert.equal(revoked.body.status, 'revoked');
    assertError(await t.api('POST', `/v1/api_keys/key_${unique()}/revoke`, undefined, admin), 404, 'not_found');
  });

  it('unknown scopes are a 400 that lists the valid ones', async () => {
    const t = await getTestContext();
    const before = await keyCount();
    for (const bad of ['order:read', 'orders:raed', 'widgets:read', 'orders:delete', 'ADMIN', '']) {
      const res = await t.api('POST', '/v1/api_keys', { scopes: ['orders:read', bad] });
      assertError(res, 400, 'invalid_request_error', 'validation_error');
      assert.equal(res.body.error.param, 'scopes');
      assert.match(
        res.body.error.message,
        /Valid scopes: \*, admin, (\w+:(read|write|\*), )*customers:read, customers:write, customers:\*, events:read/,
        res.raw,
      );
      assert.ok(res.body.error.message.includes('orders:read, orders:write, orders:*'));
    }
    assert.equal(await keyCount(), before);
  });
});

describe('event read scopes', () => {
  it('events need the read scope of their object: the list leaves them out, filters and retrieval naming them get 403', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const customer = await createCustomer(t, { first_name: 'Private' });
    const order = await placeOrder(t, { customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 1000 }] });
    const customerEvent = (await t.api('GET', `/v1/events?object_id=${customer.id}`)).body.data[0];
    const orderEvent = (await t.api('GET', `/v1/events?object_id=${order.id}`)).body.data[0];
    assert.equal(customerEvent.type, 'customer.created');
    assert.equal(orderEvent.type, 'order.created');

    const eventsOnly = authHeader(await t.keyWith(['events:read']));
    const none = await t.api('GET', '/v1/events?limit=100', undefined, eventsOnly);
    assert.equal(none.status, 200, none.raw);
    assert.deepEqual(none.body.data, []);
    assert.equal(none.body.total_count, 0);
    const denied = await t.api('GET', `/v1/events/${customerEvent.id}`, undefined, eventsOnly);
    assertError(denied, 403, 'permission_error', 'missing_scope');
    assert.deepEqual(denied.body.error.details, { required_scope: 'customers:read' });
    assert.doesNotMatch(denied.raw, /Private/);

    const orderReader = authHeader(await t.keyWith(['events:read', 'orders:read']));
    assert.equal((await t.api('GET', `/v1/events/${orderEvent.id}`, undefined, orderReader)).status, 200);
    assertError(
      await t.api('GET', `/v1/events/${customerEvent.id}`, undefined, orderReader),
      403,
      'permission_error',
      'missing_scope',
    );
    const listed = await t.api('GET', '/v1/events?limit=100', undefined, orderReader);
    assert.ok(listed.body.data.length > 0);
    assert.ok(
      listed.body.data.every((e: any) => e.type.startsWith('order.')),
      'only order events',
    );
    assert.ok(listed.body.data.some((e: any) => e.id === orderEvent.id));
    assert.deepEqual((await t.api('GET', `/v1/events?object_id=${customer.id}`, undefined, orderReader)).body.data, []);
    for (const query of ['object_type=customer', 'type=customer.created', 'type_in=order.created,customer.updated']) {
      const res = await t.api('GET', `/v1/events?${query}`, undefined, orderReader);
      assertError(res, 403, 'permission_error', 'missing_scope');
      assert.deepEqual(res.body.error.details, { required_scope: 'customers:read' }, query);
    }
    assert.equal(
      (await t.api('GET', '/v1/events?object_type=order&type=order.created', undefined, orderReader)).status,
      200,
    );

    // A timeline: events:read and the resource's read scope.
    assert.equal((await t.api('GET', `/v1/orders/${order.id}/events`, undefined, orderReader)).status, 200);
    assertError(
      await t.api('GET', `/v1/customers/${customer.id}/events`, undefined, orderReader),
      403,
      'permission_error',
      'missing_scope',
    );
    const openapi = (await t.api('GET', '/openapi.json')).body;
    assert.match(openapi.paths['/v1/events'].get.description, /customers:read for customer\.\* events/);
  });
});

describe('erasing a customer from events', () => {
  it("anonymising a customer with orders scrubs their personal data from their events and their orders' events", async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const email = newEmail('erase');
    const customer = await createCustomer(t, {
      email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      phone: '+14155550199',
      company: 'Engines',
      addresses: [{ line1: '12 Secret Lane', city: 'London', country: 'GB' }],
    });
    await t.api('PATCH', `/v1/customers/${customer.id}`, { first_name: 'Augusta', phone: '+14155550100' });
    const order = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku, quantity: 1, price: 1000 }],
      shipping_address: { line1: '12 Secret Lane', city: 'London', country: 'GB' },
    });
    await post(t, `/v1/orders/${order.id}/hold`, { reason: 'check' });
    const other = await newCustomer(t);
    const otherOrder = await placeOrder(t, { customer_id: other.id, line_items: [{ sku, quantity: 1, price: 1000 }] });

    const personal = /Ada|Augusta|Lovelace|4155550199|4155550100|Engines|Secret Lane/;
    const stored = async (objectId: string) =>
      (await t.db.selectFrom('events').select('data').where('object_id', '=', objectId).execute()).map((r) => r.data);
    assert.ok(
      (await stored(customer.id)).some((d) => personal.test(d) && d.includes(email)),
      'the events held the data before',
    );
    assert.ok((await stored(order.id)).some((d) => d.includes(email)));

    const res = await t.api('DELETE', `/v1/customers/${customer.id}?force=true`);
    assert.equal(res.status, 200, res.raw);
    for (const id of [customer.id, order.id]) {
      const data = await stored(id);
      assert.ok(data.length >= 2);
      for (const d of data) {
        assert.doesNotMatch(d, personal, d);
        assert.ok(!d.includes(email), d);
      }
    }
    const orderEvents = (await t.api('GET', `/v1/orders/${order.id}/events`)).body.data;
    for (const e of orderEvents) {
      assert.deepEqual(e.data.object.customer, {
        email: `deleted+${customer.id}@anonymized.invalid`,
        first_name: null,
        last_name: null,
        phone: null,
      });
      assert.equal(e.data.object.shipping_address, null);
      assert.equal(e.data.object.totals.subtotal, 1000, 'the rest of the order is kept');
    }
    // Another customer's order keeps its snapshot.
    assert.ok((await stored(otherOrder.id)).every((d) => d.includes(other.email)));
  });
});

describe('start-up with a revoked ADMIN_API_KEY', () => {
  it('prepareDatabase starts again after the configured key was revoked, and does not adopt it again', async () => {
    const { url, drop } = await createThrowawayDatabase(baseUrl, 'boot');
    const adminApiKey = `sk_${unique()}${unique()}`;
    try {
      const first = await prepareDatabase({ databaseUrl: url, adminApiKey });
      try {
        assert.equal(first.report.adoptedAdminKey, true);
        const now = new Date().toISOString();
        await first.database.db.updateTable('api_keys').set({ revoked_at: now, updated_at: now }).execute();
      } finally {
        await first.database.close();
      }
      const second = await prepareDatabase({ databaseUrl: url, adminApiKey });
      try {
        assert.equal(second.report.configuredAdminKeyUnusable, 'revoked');
        assert.equal(second.report.adoptedAdminKey, undefined);
        const keys = await second.database.db.selectFrom('api_keys').select(['revoked_at']).execute();
        assert.equal(keys.length, 1, 'nothing new is created');
        assert.notEqual(keys[0].revoked_at, null, 'the revocation stands');
      } finally {
        await second.database.close();
      }
    } finally {
      await drop();
    }
  });
});

describe('dates', () => {
  const invalid = [
    '1',
    '+010000-01-01T00:00:00Z',
    '10000-01-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '2030-02-30T00:00:00Z',
    '2030-01-01T00:00:00',
    '2030-01-01T25:00:00Z',
    'yesterday',
  ];

  it('far years, "1", dates without a timezone and impossible days are refused with 400 everywhere', async () => {
    const t = await getTestContext();
    for (const value of invalid) {
      const bodies: Array<[string, string, Record<string, unknown>, string]> = [
        ['POST', '/v1/api_keys', { scopes: ['orders:read'], expires_at: value }, 'expires_at'],
        ['POST', '/v1/promotions', { code: unique('D'), type: 'fixed', value: 100, starts_at: value }, 'starts_at'],
        ['POST', '/v1/promotions', { code: unique('D'), type: 'fixed', value: 100, ends_at: value }, 'ends_at'],
        ['POST', '/v1/customers', { email: newEmail('d'), activation_date: value }, 'activation_date'],
      ];
      for (const [method, url, body, field] of bodies) {
        const res = await t.api(method as 'POST', url, body);
        assertError(res, 400, 'invalid_request_error', 'validation_error');
        assert.equal(res.body.error.details[0].path, field, `${url} ${value}: ${res.raw}`);
        assert.match(
          res.body.error.details[0].message,
          /RFC 3339 date-time with a timezone .* in the years 1970 to 9999/,
        );
      }
      for (const filter of ['created_after', 'created_before']) {
        const res = await t.api('GET', `/v1/customers?${filter}=${encodeURIComponent(value)}`);
        assertError(res, 400, 'invalid_request_error', 'validation_error');
      }
      assertError(
        await t.api('GET', `/v1/orders?updated_after=${encodeURIComponent(value)}`),
        400,
        'invalid_request_error',
        'validation_error',
      );
    }
  });

  it('dates are stored as ISO 8601 UTC; offsets and plain dates are accepted', async () => {
    const t = await getTestContext();
    const promo = await t.api('POST', '/v1/promotions', {
      code: unique('D'),
      type: 'fixed',
      value: 100,
      starts_at: '2030-05-01T14:00:00+02:00',
      ends_at: '2030-06-01',
    });
    assert.equal(promo.status, 201, promo.raw);
    assert.equal(promo.body.starts_at, '2030-05-01T12:00:00.000Z');
    assert.equal(promo.body.ends_at, '2030-06-01T00:00:00.000Z');
    const key = await t.api('POST', '/v1/api_keys', { scopes: ['orders:read'], expires_at: '9999-12-31T23:59:59Z' });
    assert.equal(key.status, 201, key.raw);
    assert.equal(key.body.expires_at, '9999-12-31T23:59:59.000Z');
    assert.equal(key.body.status, 'active');
    assert.equal((await t.api('GET', '/v1/orders', undefined, authHeader(key.body.secret))).status, 200);
  });

  it('a promotion window and a key expiry compare as instants, even for dates stored before they were bounded', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    // An ends_at given with an offset: 2999-01-01T01:00:00+05:00 is 2998-12-31T20:00:00Z, still open.
    const open = await t.api('POST', '/v1/promotions', {
      code: unique('W'),
      type: 'fixed',
      value: 100,
      starts_at: '2000-01-01T05:00:00+05:00',
      ends_at: '2999-01-01T01:00:00+05:00',
    });
    assert.equal(open.status, 201, open.raw);
    const order = await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 5000 }] });
    assert.equal((await t.api('POST', `/v1/orders/${order.id}/promotions`, { code: open.body.code })).status, 200);

    // Stored by an earlier version, before years past 9999 were refused: as text "+010000-..."
    // sorts before any year, which made the promotion expired and the key expired at once.
    const legacy = await t.api('POST', '/v1/promotions', { code: unique('L'), type: 'fixed', value: 100 });
    await t.db
      .updateTable('promotions')
      .set({ ends_at: '+010000-01-01T00:00:00.000Z' })
      .where('id', '=', legacy.body.id)
      .execute();
    const order2 = await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 5000 }] });
    const applied = await t.api('POST', `/v1/orders/${order2.id}/promotions`, { code: legacy.body.code });
    assert.equal(applied.status, 200, applied.raw);

    const key = await t.api('POST', '/v1/api_keys', { scopes: ['orders:read'] });
    await t.db
      .updateTable('api_keys')
      .set({ expires_at: '+010000-01-01T00:00:00.000Z' })
      .where('id', '=', key.body.id)
      .execute();
    assert.equal((await t.api('GET', '/v1/orders', undefined, authHeader(key.body.secret))).status, 200);
    assert.equal((await t.api('GET', `/v1/api_keys/${key.body.id}`)).body.status, 'active');
  });
});

describe('throttling refused requests', () => {
  it('past the limit of 401/403 answers per address, every authenticated request from it gets 429', async () => {
    const t = await getTestContext();
    // Stay inside one one-minute window.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const { api } = await buildExtraApp({ authFailureLimitPerMinute: 3 });
    const readOnly = authHeader(await t.keyWith(['customers:read']));
    assertError(
      await api('GET', '/v1/customers', undefined, { authorization: 'Bearer sk_guess1' }),
      401,
      'authentication_error',
    );
    assertError(
      await api('GET', '/v1/customers', undefined, { authorization: 'Bearer sk_guess2' }),
      401,
      'authentication_error',
    );
    assert.equal((await api('GET', '/v1/customers')).status, 200, 'successes do not count');
    assertError(await api('POST', '/v1/customers', { email: newEmail() }, readOnly), 403, 'permission_error');
    const limited = await api('GET', '/v1/customers', undefined, { authorization: 'Bearer sk_guess3' });
    assertError(limited, 429, 'rate_limited', 'too_many_auth_failures');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    // Even a right key waits: a guess that hits must not be told apart from one that misses.
    assertError(await api('GET', '/v1/customers'), 429, 'rate_limited', 'too_many_auth_failures');
    assert.equal((await api('GET', '/health')).status, 200, 'routes without a key are not throttled');
  });
});
