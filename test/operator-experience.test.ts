/**
 * Issue 10, items 8 and 9: StateSet's own customer and order requests work as they document them,
 * and validation messages name the field and what was sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique } from './helpers.js';
import { stock } from './orders-helpers.js';
import { assertError } from './support.js';

describe('StateSet requests as documented', () => {
  it('POST /v1/customer with Token auth and a body id, camelCase names and both dates creates that customer', async () => {
    const t = await getTestContext();
    const id = `cus_${unique('Ada')}`;
    const email = `${unique('ada.')}@example.com`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/customer',
      headers: { 'content-type': 'application/json', authorization: `Token ${t.adminKey}` },
      payload: JSON.stringify({
        id, email, firstName: 'Ada', lastName: 'Lovelace', phone: '+14155550123',
        stripe_customer_id: 'cus_NK5fW5mT2Fwtdr', timestamp: '2020-01-01T00:00:00.000Z', activationDate: '2020-01-01T00:00:00.000Z',
      }),
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.id, id, 'the body id becomes the customer id');
    assert.deepEqual([body.first_name, body.last_name, body.stripe_customer_id, body.activation_date], ['Ada', 'Lovelace', 'cus_NK5fW5mT2Fwtdr', '2020-01-01T00:00:00.000Z']);
    assert.equal((await t.api('GET', `/v1/customers/${id}`)).body.email, email);
    assert.equal((await t.api('GET', `/v1/customer/${id}`)).status, 200, 'the singular path reads too');

    // Taken id: 409, and nothing new is written.
    const again = await t.api('POST', '/v1/customers', { id, email: `${unique('other.')}@example.com` });
    assertError(again, 409, 'conflict', 'already_exists');
    assert.equal(again.body.error.param, 'id');
    // Malformed id: 400 naming the field.
    const bad = await t.api('POST', '/v1/customers', { id: 'customer 1', email: `${unique('bad.')}@example.com` });
    assertError(bad, 400, 'invalid_request_error', 'validation_error');
    assert.equal(bad.body.error.details[0].path, 'id');
    assert.match(bad.body.error.details[0].message, /^id must be "cus_" followed by/);
  });

  it('PUT /v1/customers/:id with the id repeated in the body updates; another id there is a 400', async () => {
    const t = await getTestContext();
    const created = await t.api('POST', '/v1/customers', { email: `${unique('grace.')}@example.com` });
    const id = created.body.id;
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v1/customers/${id}`,
      headers: { 'content-type': 'application/json', authorization: `Token ${t.adminKey}` },
      payload: JSON.stringify({ id, firstName: 'Grace', lastName: 'Hopper', stripe_customer_id: 'cus_Q1w2E3r4', activationDate: '2021-06-01T09:00:00.000Z' }),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().first_name, res.json().last_name, res.json().version], ['Grace', 'Hopper', 2]);

    const mismatch = await t.api('PUT', `/v1/customers/${id}`, { id: 'cus_someoneelse', firstName: 'X' });
    assertError(mismatch, 400, 'invalid_request_error', 'validation_error');
    assert.equal(mismatch.body.error.param, 'id');
    assert.equal((await t.api('GET', `/v1/customers/${id}`)).body.first_name, 'Grace', 'nothing changed');
  });

  it('older singular order paths (/v1/order/:id/...) answer as the current ones, and stay out of the OpenAPI document', async () => {
    const t = await getTestContext();
    const sku = unique('SING-');
    await stock(t, sku, 5);
    const created = await t.api('POST', '/v1/order', { customer: { email: `${unique('o.')}@example.com` }, line_items: [{ sku, quantity: 2, price: 1000 }], payment: { method: 'card', status: 'paid' } });
    assert.equal(created.status, 201, created.raw);
    const number = created.body.order_number;
    assert.equal((await t.api('GET', `/v1/order/${number}`)).body.id, created.body.id);
    const held = await t.api('POST', `/v1/order/${number}/hold`, { reason: 'address check' });
    assert.equal(held.status, 200, held.raw);
    assert.equal(held.body.status, 'on_hold');
    assert.equal((await t.api('POST', `/v1/order/${number}/release`)).body.status, 'processing');
    const shipped = await t.api('POST', `/v1/order/${number}/ship`, { carrier: 'UPS', tracking_number: '1Z999AA10123456784' });
    assert.equal(shipped.body.status, 'shipped', shipped.raw);
    // Plural paths still answer, and a path that only starts like a singular one is not rewritten.
    assertError(await t.api('GET', '/v1/orderz'), 404, 'not_found', 'route_not_found');
    const doc = (await t.api('GET', '/openapi.json')).body;
    assert.ok(!Object.keys(doc.paths).some((p) => /^\/v1\/(order|customer)(\/|$)/.test(p)), 'no singular path in the document');
  });
});

describe('validation messages a person understands', () => {
  it('names the field and what was sent, keeping each detail\'s path and code', async () => {
    const t = await getTestContext();
    const res = await t.api('POST', '/v1/orders', {
      customer: { email: 'not-an-email' },
      line_items: [{ sku: 'MUG-BLUE', quantity: 0, price: 12.5 }],
      source: 'carrier-pigeon',
    });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    const byPath = Object.fromEntries(res.body.error.details.map((d: any) => [d.path, d]));
    assert.equal(byPath['line_items[0].price'].message, 'line_items[0].price must be a whole number of cents (got 12.5)');
    assert.equal(byPath['line_items[0].price'].code, 'invalid_type');
    assert.equal(byPath['line_items[0].quantity'].message, 'line_items[0].quantity must be at least 1 (got 0)');
    assert.equal(byPath['line_items[0].quantity'].code, 'too_small');
    assert.equal(byPath['customer.email'].message, 'customer.email must be an email address (got "not-an-email")');
    assert.match(byPath.source.message, /^source must be one of: [a-z_, ]+ \(got "carrier-pigeon"\)$/);
    assert.doesNotMatch(res.body.error.message, /Invalid input|expected \w+, received/);
    assert.match(res.body.error.message, /line_items\[0\]\.price must be a whole number of cents \(got 12\.5\)/);
  });

  it('a missing field is "<field> is required"; a bad filter names its allowed values', async () => {
    const t = await getTestContext();
    const sku = unique('REQ-');
    await stock(t, sku, 1);
    const order = await t.api('POST', '/v1/orders', { customer: { email: `${unique('r.')}@example.com` }, line_items: [{ sku, quantity: 1, price: 100 }] });
    const res = await t.api('POST', `/v1/orders/${order.body.id}/hold`, {});
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(res.body.error.details.map((d: any) => [d.path, d.code, d.message]), [['reason', 'invalid_type', 'reason is required']]);

    const filter = await t.api('GET', '/v1/customers?status=gone');
    assertError(filter, 400, 'invalid_request_error', 'validation_error');
    assert.equal(filter.body.error.details[0].message, 'status must be one of: active, inactive, suspended (got "gone")');
  });
});
