/** Idempotency-Key on POST, through HTTP, with the remembered answers checked in the database. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique, type ApiResponse } from './helpers.js';
import { assertError, authHeader, createCustomer, newEmail } from './support.js';
import { newCustomer, stockedSkus } from './orders-helpers.js';

async function customersWithEmail(email: string): Promise<number> {
  const t = await getTestContext();
  const rows = await t.db
    .selectFrom('customers')
    .select('id')
    .where('email_normalized', '=', email.toLowerCase())
    .execute();
  return rows.length;
}

async function storedKey(idem: string) {
  const t = await getTestContext();
  return t.db.selectFrom('idempotency_keys').selectAll().where('idempotency_key', '=', idem).execute();
}

describe('idempotency', () => {
  it('replays the first answer byte for byte, marked Idempotent-Replayed, and creates one row', async () => {
    const t = await getTestContext();
    const idem = unique('idem-');
    const body = { email: newEmail('idem'), first_name: 'Ida', tags: ['a'] };
    const first = await t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem });
    assert.equal(first.status, 201, first.raw);
    assert.equal(first.headers['idempotent-replayed'], undefined);

    const second = await t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem });
    assert.equal(second.status, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.raw, first.raw, 'the replay is byte for byte the first answer');
    assert.equal(second.headers['content-type'], first.headers['content-type']);
    assert.notEqual(
      second.headers['x-request-id'],
      first.headers['x-request-id'],
      'the replay is still its own request',
    );

    assert.equal(await customersWithEmail(body.email), 1);
    const events = await t.db.selectFrom('events').select('id').where('object_id', '=', first.body.id).execute();
    assert.equal(events.length, 1, 'the command ran once, so one customer.created event');

    const [row] = await storedKey(idem);
    assert.equal(row.state, 'done');
    assert.equal(row.response_status, 201);
    assert.equal(row.response_body, first.raw);
  });

  it('accepts X-Idempotency-Key as an alias of the same key', async () => {
    const t = await getTestContext();
    const idem = unique('xidem-');
    const body = { email: newEmail('xidem') };
    const first = await t.api('POST', '/v1/customers', body, { 'X-Idempotency-Key': idem });
    assert.equal(first.status, 201);
    const second = await t.api('POST', '/v1/customers', body, { 'X-Idempotency-Key': idem });
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.raw, first.raw);
    const third = await t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem });
    assert.equal(third.headers['idempotent-replayed'], 'true', 'both header names name one key');
    assert.equal(third.raw, first.raw);
    assert.equal(await customersWithEmail(body.email), 1);
  });

  it('refuses the same key with another body: 400 idempotency_key_reused', async () => {
    const t = await getTestContext();
    const idem = unique('reuse-');
    const first = await t.api('POST', '/v1/customers', { email: newEmail('r1') }, { 'Idempotency-Key': idem });
    assert.equal(first.status, 201);
    const otherEmail = newEmail('r2');
    const res = await t.api('POST', '/v1/customers', { email: otherEmail }, { 'Idempotency-Key': idem });
    assertError(res, 400, 'invalid_request_error', 'idempotency_key_reused');
    assert.equal(res.body.error.param, 'Idempotency-Key');
    assert.equal(await customersWithEmail(otherEmail), 0);
    // Another path with the same key and body is another request, too.
    const c = await createCustomer(t);
    const elsewhere = await t.api(
      'POST',
      `/v1/customers/${c.id}`,
      { email: first.body.email },
      { 'Idempotency-Key': idem },
    );
    assertError(elsewhere, 400, 'invalid_request_error', 'idempotency_key_reused');
  });

  it('scopes keys to the API key: the same key string with another API key runs anew', async () => {
    const t = await getTestContext();
    const idem = unique('scoped-');
    const other = authHeader(await t.keyWith(['customers:write']));
    const a = await t.api('POST', '/v1/customers', { email: newEmail('s1') }, { 'Idempotency-Key': idem });
    assert.equal(a.status, 201);
    // Another body under another API key: not "reused", it is a new key there.
    const b = await t.api('POST', '/v1/customers', { email: newEmail('s2') }, { ...other, 'Idempotency-Key': idem });
    assert.equal(b.status, 201, b.raw);
    assert.equal(b.headers['idempotent-replayed'], undefined);
    assert.notEqual(b.body.id, a.body.id);
    // The same body under another API key executes again (here: the email is now taken).
    const c = await t.api(
      'POST',
      '/v1/customers',
      { email: a.body.email },
      { ...authHeader(await t.keyWith(['customers:write'])), 'Idempotency-Key': idem },
    );
    assertError(c, 409, 'conflict', 'already_exists');
    assert.equal((await storedKey(idem)).length, 3);
  });

  it('replays a 4xx answer too', async () => {
    const t = await getTestContext();
    const idem = unique('fourxx-');
    const invalid = { email: 'nope', phone: '12' };
    const first = await t.api('POST', '/v1/customers', invalid, { 'Idempotency-Key': idem });
    assertError(first, 400, 'invalid_request_error', 'validation_error');
    const second = await t.api('POST', '/v1/customers', invalid, { 'Idempotency-Key': idem });
    assert.equal(second.status, 400);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.raw, first.raw);

    const taken = await createCustomer(t);
    const idem2 = unique('conflict-');
    const c1 = await t.api('POST', '/v1/customers', { email: taken.email }, { 'Idempotency-Key': idem2 });
    assertError(c1, 409, 'conflict', 'already_exists');
    // Even once the email is free again, the remembered 409 is what the key answers.
    await t.api('DELETE', `/v1/customers/${taken.id}`);
    const c2 = await t.api('POST', '/v1/customers', { email: taken.email }, { 'Idempotency-Key': idem2 });
    assert.equal(c2.status, 409);
    assert.equal(c2.headers['idempotent-replayed'], 'true');
    assert.equal(c2.raw, c1.raw);
    assert.equal(await customersWithEmail(taken.email), 0);
  });

  it('answers 409 idempotency_key_in_use while the first request is still running', async () => {
    const t = await getTestContext();
    const idem = unique('inflight-');
    const body = { email: newEmail('inflight') };
    const first = await t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem });
    assert.equal(first.status, 201);
    // Put the claim back in the state it has while the first request runs.
    await t.db
      .updateTable('idempotency_keys')
      .set({
        state: 'in_flight',
        response_status: null,
        response_headers: null,
        response_body: null,
        created_at: new Date().toISOString(),
      })
      .where('idempotency_key', '=', idem)
      .execute();
    const dup = await t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem });
    assertError(dup, 409, 'conflict', 'idempotency_key_in_use');
    assert.equal(dup.headers['idempotent-replayed'], undefined);
    // A different body with the key is still "reused", not "in use".
    const other = await t.api('POST', '/v1/customers', { email: newEmail('x') }, { 'Idempotency-Key': idem });
    assertError(other, 400, 'invalid_request_error', 'idempotency_key_reused');
    const [row] = await storedKey(idem);
    assert.equal(row.state, 'in_flight', 'a refused duplicate leaves the claim alone');
  });

  it('two concurrent requests with one key run the command once', async () => {
    const t = await getTestContext();
    const idem = unique('race-');
    const body = { email: newEmail('race') };
    const answers = await Promise.all(
      [1, 2, 3].map(() => t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem })),
    );
    const ran = answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] === undefined);
    assert.equal(ran.length, 1, `exactly one executes: ${answers.map((a) => a.status).join(',')}`);
    for (const a of answers) {
      if (a === ran[0]) continue;
      if (a.status === 409) assert.equal(a.body.error.code, 'idempotency_key_in_use');
      else {
        assert.equal(a.headers['idempotent-replayed'], 'true');
        assert.equal(a.raw, ran[0].raw);
      }
    }
    assert.equal(await customersWithEmail(body.email), 1);
  });

  it('takes over a claim abandoned for over a minute (its process died mid-request)', async () => {
    const t = await getTestContext();
    const idem = unique('stale-');
    const body = { email: newEmail('stale') };
    const first = await t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem });
    assert.equal(first.status, 201);
    // Simulate a crash: the transaction never committed (no customer, no event) and the claim
    // stayed in flight, two minutes ago.
    await t.db.deleteFrom('events').where('object_id', '=', first.body.id).execute();
    await t.db.deleteFrom('customers').where('id', '=', first.body.id).execute();
    await t.db
      .updateTable('idempotency_keys')
      .set({
        state: 'in_flight',
        response_status: null,
        response_headers: null,
        response_body: null,
        created_at: new Date(Date.now() - 120_000).toISOString(),
      })
      .where('idempotency_key', '=', idem)
      .execute();

    const retry = await t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem });
    assert.equal(retry.status, 201, retry.raw);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    assert.notEqual(retry.body.id, first.body.id, 'the command ran again');
    const [row] = await storedKey(idem);
    assert.equal(row.state, 'done');
    assert.equal(row.response_body, retry.raw);
    assert.equal(await customersWithEmail(body.email), 1);
  });

  it('never runs a command twice when its answer was lost after it committed: 409 idempotency_key_committed names what it made', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 5);
    const customer = await newCustomer(t);
    const idem = unique('lost-');
    const body = {
      customer_id: customer.id,
      line_items: [{ sku, quantity: 2, price: 1500 }],
      payment: { method: 'card', status: 'paid' },
    };
    const first = await t.api('POST', '/v1/orders', body, { 'Idempotency-Key': idem });
    assert.equal(first.status, 201, first.raw);
    // Simulate a crash between the command's commit and storing its answer: the order and its
    // events exist, the claim is still in flight, two minutes old.
    await t.db
      .updateTable('idempotency_keys')
      .set({
        state: 'in_flight',
        response_status: null,
        response_headers: null,
        response_body: null,
        created_at: new Date(Date.now() - 120_000).toISOString(),
      })
      .where('idempotency_key', '=', idem)
      .execute();

    const retry = await t.api('POST', '/v1/orders', body, { 'Idempotency-Key': idem });
    assertError(retry, 409, 'conflict', 'idempotency_key_committed');
    assert.deepEqual(retry.body.error.details, [{ object: 'order', id: first.body.id }]);
    assert.match(retry.body.error.message, new RegExp(first.body.id));
    const orders = await t.db.selectFrom('orders').select('id').where('customer_id', '=', customer.id).execute();
    assert.deepEqual(
      orders.map((o) => o.id),
      [first.body.id],
      'no second order',
    );
    const item = await t.api('GET', `/v1/inventory_items?sku=${sku}`);
    assert.equal(item.body.data[0].reserved, 2, 'stock reserved once');

    // The key now answers that error, byte for byte; another body with it is refused as ever.
    const again = await t.api('POST', '/v1/orders', body, { 'Idempotency-Key': idem });
    assert.equal(again.status, 409);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.raw, retry.raw);
    const other = await t.api(
      'POST',
      '/v1/orders',
      { ...body, line_items: [{ sku, quantity: 1, price: 1500 }] },
      { 'Idempotency-Key': idem },
    );
    assertError(other, 400, 'invalid_request_error', 'idempotency_key_reused');
  });

  it('forgets answers older than 24 hours', async () => {
    const t = await getTestContext();
    const idem = unique('old-');
    const body = { email: newEmail('old') };
    const first = await t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem });
    assert.equal(first.status, 201);
    await t.db
      .updateTable('idempotency_keys')
      .set({ created_at: new Date(Date.now() - 25 * 3_600_000).toISOString() })
      .where('idempotency_key', '=', idem)
      .execute();
    const again = await t.api('POST', '/v1/customers', body, { 'Idempotency-Key': idem });
    // Executed anew, so the email now conflicts instead of the 201 being replayed.
    assertError(again, 409, 'conflict', 'already_exists');
    assert.equal(again.headers['idempotent-replayed'], undefined);
  });

  it('does not store a 5xx answer, so the call can be retried with the same key', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t, { first_name: 'Ann' });
    const idem = unique('fivexx-');
    // A corrupt stored document makes the update fail inside the server: a real 500.
    await t.db.updateTable('customers').set({ addresses: '[broken' }).where('id', '=', c.id).execute();
    let failed: ApiResponse | undefined;
    try {
      failed = await t.api('POST', `/v1/customers/${c.id}`, { first_name: 'Bea' }, { 'Idempotency-Key': idem });
    } finally {
      await t.db.updateTable('customers').set({ addresses: '[]' }).where('id', '=', c.id).execute();
    }
    assert.ok(failed);
    assertError(failed, 500, 'api_error', 'api_error');
    assert.equal((await storedKey(idem)).length, 0, 'a 5xx answer is not remembered');

    const retry = await t.api('POST', `/v1/customers/${c.id}`, { first_name: 'Bea' }, { 'Idempotency-Key': idem });
    assert.equal(retry.status, 200, retry.raw);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    assert.equal(retry.body.first_name, 'Bea');
    assert.equal(retry.body.version, 2);
    const replay = await t.api('POST', `/v1/customers/${c.id}`, { first_name: 'Bea' }, { 'Idempotency-Key': idem });
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.raw, retry.raw);
  });

  it('refuses an Idempotency-Key over 255 characters; ignores the header on GET', async () => {
    const t = await getTestContext();
    const long = await t.api('POST', '/v1/customers', { email: newEmail() }, { 'Idempotency-Key': 'k'.repeat(256) });
    assertError(long, 400, 'invalid_request_error', 'validation_error');
    assert.equal(long.body.error.param, 'Idempotency-Key');
    const idem = unique('get-');
    const res = await t.api('GET', '/v1/customers?limit=1', undefined, { 'Idempotency-Key': idem });
    assert.equal(res.status, 200);
    assert.equal((await storedKey(idem)).length, 0);
  });
});
