/** Customers (spec 2.1) through HTTP, with database effects checked through t.db. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique } from './helpers.js';
import { assertError, createCustomer, createTagged, detailPaths, ids, newEmail } from './support.js';

const ADDRESS = {
  line1: '1 Market St',
  line2: 'Suite 5',
  city: 'San Francisco',
  state: 'CA',
  postal_code: '94105',
  country: 'us',
};

async function rowOf(id: string) {
  const t = await getTestContext();
  return t.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

describe('customers: create and retrieve', () => {
  it('creates a customer with every field and retrieves it', async () => {
    const t = await getTestContext();
    const email = `${unique('Full.')}@Example.COM`;
    const res = await t.api('POST', '/v1/customers', {
      email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      phone: '+442071234567',
      company: 'Analytical Engines Ltd',
      stripe_customer_id: 'cus_stripe_123',
      addresses: [ADDRESS],
      default_shipping_address: ADDRESS,
      default_billing_address: { line1: '2 Pay Rd', city: 'London', country: 'GB' },
      tags: [' vip ', 'wholesale'],
      notes: 'Prefers email.',
      status: 'suspended',
      activation_date: '2024-05-01',
      metadata: { crm_id: 'A-1', score: 7, beta: true },
    });
    assert.equal(res.status, 201, res.raw);
    const c = res.body;
    assert.match(c.id, /^cus_[0-9a-z]{26}$/);
    assert.equal(c.object, 'customer');
    assert.equal(c.email, email, 'the spelling given is kept');
    assert.deepEqual(c.addresses, [{ ...ADDRESS, country: 'US' }]);
    assert.deepEqual(c.default_shipping_address, { ...ADDRESS, country: 'US' });
    assert.deepEqual(c.default_billing_address, { line1: '2 Pay Rd', city: 'London', country: 'GB' });
    assert.deepEqual(c.tags, ['vip', 'wholesale']);
    assert.equal(c.status, 'suspended');
    assert.equal(c.activation_date, '2024-05-01T00:00:00.000Z');
    assert.deepEqual(c.metadata, { crm_id: 'A-1', score: 7, beta: true });
    assert.equal(c.order_count, 0);
    assert.equal(c.lifetime_value, 0);
    assert.equal(c.anonymized_at, null);
    assert.equal(c.version, 1);
    assert.equal(c.created_at, c.updated_at);
    assert.ok(!Number.isNaN(Date.parse(c.created_at)));

    const got = await t.api('GET', `/v1/customers/${c.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, c);
    const row = await rowOf(c.id);
    assert.equal(row?.email_normalized, email.toLowerCase());
  });

  it('fills defaults: active, activated now, empty collections', async () => {
    const t = await getTestContext();
    const before = new Date().toISOString();
    const c = await createCustomer(t);
    assert.equal(c.status, 'active');
    assert.ok(c.activation_date >= before);
    assert.deepEqual([c.addresses, c.tags, c.metadata], [[], [], {}]);
    assert.deepEqual(
      [c.first_name, c.last_name, c.phone, c.company, c.default_shipping_address],
      [null, null, null, null, null],
    );
  });

  it('accepts the camelCase aliases firstName, lastName, activationDate and timestamp', async () => {
    const t = await getTestContext();
    const a = await t.api('POST', '/v1/customers', {
      email: newEmail('alias'),
      firstName: 'Ann',
      lastName: 'Lee',
      activationDate: '2023-01-02T03:04:05Z',
    });
    assert.equal(a.status, 201, a.raw);
    assert.equal(a.body.first_name, 'Ann');
    assert.equal(a.body.last_name, 'Lee');
    assert.equal(a.body.activation_date, '2023-01-02T03:04:05.000Z');
    assert.equal('firstName' in a.body, false);
    const row = await rowOf(a.body.id);
    assert.equal(row?.first_name, 'Ann');

    const b = await t.api('POST', '/v1/customers', { email: newEmail('ts'), timestamp: '2022-06-01T00:00:00Z' });
    assert.equal(b.body.activation_date, '2022-06-01T00:00:00.000Z');

    // The snake_case name wins when both are sent.
    const both = await t.api('POST', '/v1/customers', {
      email: newEmail('both'),
      first_name: 'Snake',
      firstName: 'Camel',
    });
    assert.equal(both.body.first_name, 'Snake');

    const upd = await t.api('PATCH', `/v1/customers/${a.body.id}`, {
      firstName: 'Anne',
      lastName: null,
      activationDate: '2023-02-02T00:00:00Z',
    });
    assert.equal(upd.status, 200, upd.raw);
    assert.equal(upd.body.first_name, 'Anne');
    assert.equal(upd.body.last_name, null);
    assert.equal(upd.body.activation_date, '2023-02-02T00:00:00.000Z');

    const badAlias = await t.api('POST', '/v1/customers', { email: newEmail(), activationDate: 'someday' });
    assertError(badAlias, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(badAlias), ['activationDate']);
  });

  it('requires an email and refuses unknown fields', async () => {
    const t = await getTestContext();
    const none = await t.api('POST', '/v1/customers', { first_name: 'No Email' });
    assertError(none, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(none), ['email']);
    const extra = await t.api('POST', '/v1/customers', { email: newEmail(), favourite_colour: 'blue' });
    assertError(extra, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(extra), ['favourite_colour']);
    const c = await createCustomer(t);
    const nullEmail = await t.api('PATCH', `/v1/customers/${c.id}`, { email: null });
    assertError(nullEmail, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(nullEmail), ['email']);
  });

  it('404s an unknown id on every operation', async () => {
    const t = await getTestContext();
    const id = `cus_${unique()}`;
    assertError(await t.api('GET', `/v1/customers/${id}`), 404, 'not_found');
    assertError(await t.api('PATCH', `/v1/customers/${id}`, { first_name: 'X' }), 404, 'not_found');
    assertError(await t.api('PUT', `/v1/customers/${id}`, { first_name: 'X' }), 404, 'not_found');
    assertError(await t.api('DELETE', `/v1/customers/${id}`), 404, 'not_found');
  });
});

describe('customers: email uniqueness', () => {
  it('is case-insensitive on create', async () => {
    const t = await getTestContext();
    const local = unique('Uniq');
    const first = await t.api('POST', '/v1/customers', { email: `${local}@example.com` });
    assert.equal(first.status, 201);
    const again = await t.api('POST', '/v1/customers', { email: `${local.toUpperCase()}@EXAMPLE.com` });
    assertError(again, 409, 'conflict', 'already_exists');
    assert.match(again.body.error.message, new RegExp(local.toUpperCase()));
    const rows = await t.db
      .selectFrom('customers')
      .select('id')
      .where('email_normalized', '=', `${local.toLowerCase()}@example.com`)
      .execute();
    assert.equal(rows.length, 1);
  });

  it("is enforced on update to another customer's email, which leaves the row unchanged", async () => {
    const t = await getTestContext();
    const a = await createCustomer(t);
    const b = await createCustomer(t, { first_name: 'Bee' });
    const res = await t.api('PATCH', `/v1/customers/${b.id}`, { email: a.email.toUpperCase(), first_name: 'Changed' });
    assertError(res, 409, 'conflict', 'already_exists');
    assert.equal(res.body.error.param, 'email');
    const row = await rowOf(b.id);
    assert.equal(row?.email, b.email);
    assert.equal(row?.first_name, 'Bee');
    assert.equal(row?.version, 1);

    // A change of case on one's own email is no conflict.
    const own = await t.api('PATCH', `/v1/customers/${a.id}`, { email: a.email.toUpperCase() });
    assert.equal(own.status, 200, own.raw);
    assert.equal(own.body.email, a.email.toUpperCase());
    // And a fresh address is taken over, freeing the old one.
    const fresh = newEmail('fresh');
    assert.equal((await t.api('PATCH', `/v1/customers/${b.id}`, { email: fresh })).body.email, fresh);
    assert.equal((await t.api('POST', '/v1/customers', { email: b.email })).status, 201);
  });
});

describe('customers: field validation', () => {
  it('phone must be E.164', async () => {
    const t = await getTestContext();
    const ok = await createCustomer(t, { phone: '+14155550123' });
    assert.equal(ok.phone, '+14155550123');
    for (const phone of [
      '4155550123',
      '+1 415 555 0123',
      '+1-415-555-0123',
      '+0123456',
      '+1234567890123456',
      '+1415555O123',
      '',
    ]) {
      const res = await t.api('POST', '/v1/customers', { email: newEmail(), phone });
      assertError(res, 400, 'invalid_request_error', 'validation_error');
      assert.deepEqual(detailPaths(res), ['phone'], `phone ${JSON.stringify(phone)}`);
    }
    const bad = await t.api('PATCH', `/v1/customers/${ok.id}`, { phone: '555-0123' });
    assertError(bad, 400, 'invalid_request_error', 'validation_error');
    const cleared = await t.api('PATCH', `/v1/customers/${ok.id}`, { phone: null });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.phone, null);
  });

  it('validates every address and names each bad field', async () => {
    const t = await getTestContext();
    const res = await t.api('POST', '/v1/customers', {
      email: newEmail(),
      addresses: [
        ADDRESS,
        { line1: '', city: 'X', country: 'US' },
        { line1: 'a', city: 'B', country: 'USA', zip: '1' },
      ],
      default_shipping_address: { line1: 'a', country: 'US' },
    });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    const paths = detailPaths(res);
    for (const p of [
      'addresses[1].line1',
      'addresses[2].country',
      'addresses[2].zip',
      'default_shipping_address.city',
    ]) {
      assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    }
    assert.ok(!paths.some((p) => p.startsWith('addresses[0]')));

    const c = await createCustomer(t, { addresses: [ADDRESS] });
    const replaced = await t.api('PATCH', `/v1/customers/${c.id}`, {
      addresses: [{ line1: '9 New Rd', city: 'Paris', country: 'fr' }],
    });
    assert.deepEqual(replaced.body.addresses, [{ line1: '9 New Rd', city: 'Paris', country: 'FR' }]);
    const tooMany = await t.api('PATCH', `/v1/customers/${c.id}`, {
      addresses: Array.from({ length: 21 }, () => ADDRESS),
    });
    assertError(tooMany, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(tooMany), ['addresses']);
  });

  it('refuses a bad status', async () => {
    const t = await getTestContext();
    const res = await t.api('POST', '/v1/customers', { email: newEmail(), status: 'deleted' });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(res), ['status']);
  });
});

describe('customers: metadata', () => {
  const keys = (n: number, prefix = 'k') =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));

  it('allows at most 50 keys on create', async () => {
    const t = await getTestContext();
    assert.equal(Object.keys((await createCustomer(t, { metadata: keys(50) })).metadata).length, 50);
    const res = await t.api('POST', '/v1/customers', { email: newEmail(), metadata: keys(51) });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(res), ['metadata']);
    const nested = await t.api('POST', '/v1/customers', { email: newEmail(), metadata: { a: { b: 1 } } });
    assertError(nested, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(nested), ['metadata.a']);
  });

  it('merges keys on update and removes a key set to null', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t, { metadata: { a: '1', b: '2', c: 3 } });
    const res = await t.api('PATCH', `/v1/customers/${c.id}`, { metadata: { b: null, c: 4, d: true } });
    assert.equal(res.status, 200, res.raw);
    assert.deepEqual(res.body.metadata, { a: '1', c: 4, d: true });
    const row = await rowOf(c.id);
    assert.deepEqual(JSON.parse(row!.metadata), { a: '1', c: 4, d: true });
    // An update without metadata leaves it alone.
    const other = await t.api('PATCH', `/v1/customers/${c.id}`, { notes: 'n' });
    assert.deepEqual(other.body.metadata, { a: '1', c: 4, d: true });
    // Removing a key that is not there is no change at all.
    const noop = await t.api('PATCH', `/v1/customers/${c.id}`, { metadata: { zzz: null } });
    assert.equal(noop.body.version, other.body.version);
  });

  it('refuses an update that would leave more than 50 keys, and changes nothing', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t, { metadata: keys(40) });
    const res = await t.api('PATCH', `/v1/customers/${c.id}`, { metadata: keys(11, 'x') });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(res), ['metadata']);
    const row = await rowOf(c.id);
    assert.equal(Object.keys(JSON.parse(row!.metadata)).length, 40);
    assert.equal(row!.version, 1);
    // Removing as many as it adds keeps it within the limit.
    const swap = await t.api('PATCH', `/v1/customers/${c.id}`, {
      metadata: {
        ...keys(11, 'x'),
        k0: null,
        k1: null,
        k2: null,
        k3: null,
        k4: null,
        k5: null,
        k6: null,
        k7: null,
        k8: null,
        k9: null,
        k10: null,
      },
    });
    assert.equal(swap.status, 200, swap.raw);
    assert.equal(Object.keys(swap.body.metadata).length, 40);
  });
});

describe('customers: list filters', () => {
  it('filters by email, case-insensitively and exactly', async () => {
    const t = await getTestContext();
    const local = unique('Find.Me');
    const c = await createCustomer(t, { email: `${local}@Example.com` });
    await createCustomer(t, { email: `${local}x@example.com` });
    const res = await t.api('GET', `/v1/customers?email=${encodeURIComponent(`${local.toUpperCase()}@EXAMPLE.COM`)}`);
    assert.equal(res.status, 200);
    assert.deepEqual(ids(res.body.data), [c.id]);
    assert.equal(res.body.total_count, 1);
  });

  it('filters by tag, case-insensitively and by whole tag', async () => {
    const t = await getTestContext();
    const tag = unique('VIP-');
    const a = await createCustomer(t, { tags: ['other', tag] });
    const b = await createCustomer(t, { tags: [tag.toLowerCase()] });
    await createCustomer(t, { tags: [`${tag}-plus`] });
    const res = await t.api('GET', `/v1/customers?tag=${tag.toUpperCase()}&sort=created_at`);
    assert.deepEqual(ids(res.body.data), [a.id, b.id]);
    assert.deepEqual(res.body.data[0].tags, ['other', tag], 'tags keep their spelling');
    // "|" would let one tag match across two (the index joins tags with it), so it is refused.
    const piped = await t.api('POST', '/v1/customers', { email: newEmail(), tags: ['a|b'] });
    assertError(piped, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(piped), ['tags[0]']);
  });

  it('searches name, email and company, case-insensitively', async () => {
    const t = await getTestContext();
    const tag = unique('search-');
    const token = unique('q');
    const [byFirst, byLast, byEmail, byCompany] = await createTagged(
      t,
      tag,
      4,
      (i) =>
        [
          { first_name: `Zeb${token}` },
          { last_name: `${token}son` },
          { email: `mail.${token}@example.com` },
          { company: `${token.toUpperCase()} Holdings` },
        ][i],
    );
    await createCustomer(t, { tags: [tag], notes: token });
    const res = await t.api('GET', `/v1/customers?tag=${tag}&search=${token.toUpperCase()}&sort=created_at`);
    assert.deepEqual(ids(res.body.data), ids([byFirst, byLast, byEmail, byCompany]), 'notes are not searched');
    const full = await t.api('GET', `/v1/customers?search=${encodeURIComponent(`zeb${token}`)}`);
    assert.deepEqual(ids(full.body.data), [byFirst.id]);
  });

  it('treats % and _ in a search term literally', async () => {
    const t = await getTestContext();
    const tag = unique('like-');
    const [pct, , under] = await createTagged(
      t,
      tag,
      4,
      (i) =>
        [
          { company: '100% Cotton' },
          { company: '1000 Cotton' },
          { company: 'a_b Traders' },
          { company: 'axb Traders' },
        ][i],
    );
    const q = async (term: string) =>
      ids((await t.api('GET', `/v1/customers?tag=${tag}&search=${encodeURIComponent(term)}`)).body.data);
    assert.deepEqual(await q('100%'), [pct.id]);
    assert.deepEqual(await q('0% c'), [pct.id]);
    assert.deepEqual(await q('a_b'), [under.id]);
    assert.deepEqual(await q('%'), [pct.id]);
    assert.deepEqual(await q('_'), [under.id]);
    assert.deepEqual(await q('\\'), []);
  });

  it('combines status, status_in, created range and search with the tag', async () => {
    const t = await getTestContext();
    const tag = unique('combo-');
    const [a, b, c] = await createTagged(t, tag, 3, (i) => ({
      status: (['active', 'suspended', 'suspended'] as const)[i],
      company: ['Alpha', 'Beta', 'Alphabet'][i],
    }));
    const res = await t.api('GET', `/v1/customers?tag=${tag}&status_in=active,suspended&search=alpha&sort=created_at`);
    assert.deepEqual(ids(res.body.data), [a.id, c.id]);
    const sus = await t.api('GET', `/v1/customers?tag=${tag}&status=suspended&search=alpha`);
    assert.deepEqual(ids(sus.body.data), [c.id]);
    await t.db
      .updateTable('customers')
      .set({ created_at: '2010-01-01T00:00:00.000Z' })
      .where('id', '=', a.id)
      .execute();
    await t.db
      .updateTable('customers')
      .set({ created_at: '2010-06-01T00:00:00.000Z' })
      .where('id', 'in', [b.id, c.id])
      .execute();
    const after = await t.api(
      'GET',
      `/v1/customers?tag=${tag}&created_after=2010-02-01&status=suspended&sort=created_at`,
    );
    assert.deepEqual(ids(after.body.data), [b.id, c.id]);
    const before = await t.api('GET', `/v1/customers?tag=${tag}&created_before=2010-02-01&search=alpha`);
    assert.deepEqual(ids(before.body.data), [a.id]);
  });
});

describe('customers: computed fields', () => {
  it('shows order_count and lifetime_value from the record', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t);
    await t.db
      .updateTable('customers')
      .set({ order_count: 3, lifetime_value: 123_456 })
      .where('id', '=', c.id)
      .execute();
    const got = await t.api('GET', `/v1/customers/${c.id}`);
    assert.equal(got.body.order_count, 3);
    assert.equal(got.body.lifetime_value, 123_456);
    const listed = await t.api('GET', `/v1/customers?email=${encodeURIComponent(c.email)}`);
    assert.equal(listed.body.data[0].order_count, 3);
    assert.equal(listed.body.data[0].lifetime_value, 123_456);
    // Not writable by the client.
    const res = await t.api('PATCH', `/v1/customers/${c.id}`, { order_count: 0 });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(res), ['order_count']);
  });
});

describe('customers: delete', () => {
  it('deletes a customer without orders: the row is gone', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t);
    const res = await t.api('DELETE', `/v1/customers/${c.id}`);
    assert.deepEqual(res.body, { id: c.id, object: 'customer', deleted: true });
    assert.equal(await rowOf(c.id), undefined);
    // The email is free again.
    assert.equal((await t.api('POST', '/v1/customers', { email: c.email })).status, 201);
  });

  it('refuses to delete a customer with orders (409 customer_has_orders), keeping it', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t, { first_name: 'Has', last_name: 'Orders' });
    await t.db.updateTable('customers').set({ order_count: 2 }).where('id', '=', c.id).execute();
    const res = await t.api('DELETE', `/v1/customers/${c.id}`);
    assertError(res, 409, 'conflict', 'customer_has_orders');
    assert.deepEqual(res.body.error.details, { order_count: 2 });
    assert.match(res.body.error.message, /force=true/);
    const row = await rowOf(c.id);
    assert.equal(row?.first_name, 'Has');
    assert.equal(row?.anonymized_at, null);
    const explicit = await t.api('DELETE', `/v1/customers/${c.id}?force=false`);
    assertError(explicit, 409, 'conflict', 'customer_has_orders');
    assertError(
      await t.api('DELETE', `/v1/customers/${c.id}?force=yes`),
      400,
      'invalid_request_error',
      'validation_error',
    );
    const events = await t.db.selectFrom('events').select('type').where('object_id', '=', c.id).execute();
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.created'],
    );
  });

  it('with force=true anonymises a customer with orders, keeps the row, then 404s', async () => {
    const t = await getTestContext();
    const email = newEmail('gdpr');
    const c = await createCustomer(t, {
      email,
      first_name: 'Private',
      last_name: 'Person',
      phone: '+14155550100',
      company: 'Secret Co',
      addresses: [ADDRESS],
      default_shipping_address: ADDRESS,
      notes: 'call after 5',
      metadata: { ssn_hint: '12' },
    });
    await t.db.updateTable('customers').set({ order_count: 1, lifetime_value: 5000 }).where('id', '=', c.id).execute();

    const res = await t.api('DELETE', `/v1/customers/${c.id}?force=true`);
    assert.equal(res.status, 200, res.raw);
    assert.deepEqual(res.body, { id: c.id, object: 'customer', deleted: true });

    const row = await rowOf(c.id);
    assert.ok(row, 'the row is kept for its orders');
    assert.ok(row.anonymized_at);
    assert.notEqual(row.email_normalized, email);
    assert.ok(!row.email.includes(email.split('@')[0]));
    assert.deepEqual(
      [
        row.first_name,
        row.last_name,
        row.phone,
        row.company,
        row.notes,
        row.default_shipping_address,
        row.default_billing_address,
      ],
      [null, null, null, null, null, null, null],
    );
    assert.equal(row.addresses, '[]');
    assert.equal(row.metadata, '{}');
    assert.equal(row.search_text, '');
    assert.equal(row.order_count, 1);
    assert.equal(Number(row.lifetime_value), 5000);

    const shown = await t.api('GET', `/v1/customers/${c.id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.anonymized_at, row.anonymized_at);
    assert.equal(shown.body.first_name, null);
    assert.deepEqual(shown.body.addresses, []);

    // The deletion event does not publish the erased data again.
    const deleted = await t.db
      .selectFrom('events')
      .selectAll()
      .where('object_id', '=', c.id)
      .where('type', '=', 'customer.deleted')
      .execute();
    assert.equal(deleted.length, 1);
    for (const secret of [email, 'Private', 'Secret Co', '+14155550100', 'Market St', 'ssn_hint']) {
      assert.ok(!deleted[0].data.includes(secret), `customer.deleted must not carry "${secret}"`);
    }
    assert.equal(deleted[0].request_id, res.headers['x-request-id']);

    // Gone for every further delete, and its email can be used again.
    assertError(await t.api('DELETE', `/v1/customers/${c.id}`), 404, 'not_found');
    assertError(await t.api('DELETE', `/v1/customers/${c.id}?force=true`), 404, 'not_found');
    assert.equal((await t.api('POST', '/v1/customers', { email })).status, 201);
    const search = await t.api('GET', `/v1/customers?search=private`);
    assert.ok(!ids(search.body.data).includes(c.id));
  });

  it('force=true on a customer without orders deletes the row', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t);
    assert.equal((await t.api('DELETE', `/v1/customers/${c.id}?force=true`)).status, 200);
    assert.equal(await rowOf(c.id), undefined);
  });
});
