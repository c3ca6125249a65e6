/** Events: written with each customer change, listed and filtered, never written by a failed command. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique } from './helpers.js';
import { assertError, authHeader, createCustomer, newEmail } from './support.js';

async function eventsOfRequest(requestId: string) {
  const t = await getTestContext();
  return t.db.selectFrom('events').selectAll().where('request_id', '=', requestId).execute();
}

describe('events', () => {
  it('a customer create, update and delete each write their event with the request id', async () => {
    const t = await getTestContext();
    const created = await t.api('POST', '/v1/customers', {
      email: newEmail('ev'),
      first_name: 'Eve',
      metadata: { tier: 'gold' },
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    const updated = await t.api('PATCH', `/v1/customers/${id}`, {
      first_name: 'Evelyn',
      company: 'Acme',
      metadata: { tier: null, since: 2020 },
    });
    assert.equal(updated.status, 200);
    const before = await t.api('GET', `/v1/events?object_id=${id}`);
    assert.equal(before.status, 200, before.raw);
    assert.deepEqual(
      before.body.data.map((e: any) => e.type),
      ['customer.updated', 'customer.created'],
      'newest first by default',
    );
    const [upd, cre] = before.body.data;
    const deleted = await t.api('DELETE', `/v1/customers/${id}`);
    assert.equal(deleted.status, 200);

    // Deleting the customer erases their personal data from the events written before.
    const list = await t.api('GET', `/v1/events?object_id=${id}`);
    assert.equal(list.status, 200, list.raw);
    assert.deepEqual(
      list.body.data.map((e: any) => e.type),
      ['customer.deleted', 'customer.updated', 'customer.created'],
      'newest first by default',
    );
    const [del, updAfter, creAfter] = list.body.data;
    for (const e of [del, updAfter, creAfter]) {
      assert.equal(e.data.object.email, `deleted+${id}@anonymized.invalid`);
      assert.equal(e.data.object.first_name, null);
      assert.doesNotMatch(JSON.stringify(e), /Eve|Acme|gold|example\.com/);
    }
    for (const e of list.body.data) {
      assert.match(e.id, /^evt_/);
      assert.equal(e.object, 'event');
      assert.deepEqual(Object.keys(e).sort(), ['created_at', 'data', 'id', 'object', 'request_id', 'type']);
    }

    assert.equal(cre.request_id, created.headers['x-request-id']);
    assert.deepEqual(cre.data, { object: created.body });

    assert.equal(upd.request_id, updated.headers['x-request-id']);
    assert.deepEqual(upd.data.object, updated.body);
    assert.deepEqual(upd.data.previous_attributes, { first_name: 'Eve', company: null, metadata: { tier: 'gold' } });

    assert.equal(del.request_id, deleted.headers['x-request-id']);
    assert.equal(del.data.object.id, id);
    assert.equal(del.data.object.object, 'customer');

    const one = await t.api('GET', `/v1/events/${upd.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, updAfter);
    assertError(await t.api('GET', `/v1/events/evt_${unique()}`), 404, 'not_found');
  });

  it('an update that changes nothing writes no event and keeps the version', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t, { first_name: 'Same' });
    const res = await t.api('PATCH', `/v1/customers/${c.id}`, { first_name: 'Same' });
    assert.equal(res.status, 200);
    assert.equal(res.body.version, 1);
    assert.equal((await eventsOfRequest(String(res.headers['x-request-id']))).length, 0);
  });

  it('filters by type, type_in, object_id, object_type and request_id', async () => {
    const t = await getTestContext();
    const a = await createCustomer(t);
    const b = await createCustomer(t);
    await t.api('PATCH', `/v1/customers/${a.id}`, { first_name: 'A1' });
    await t.api('PATCH', `/v1/customers/${a.id}`, { first_name: 'A2' });
    const delB = await t.api('DELETE', `/v1/customers/${b.id}`);

    const updatedA = await t.api('GET', `/v1/events?type=customer.updated&object_id=${a.id}`);
    assert.equal(updatedA.body.total_count, 2);
    assert.ok(updatedA.body.data.every((e: any) => e.type === 'customer.updated' && e.data.object.id === a.id));
    assert.deepEqual(
      updatedA.body.data.map((e: any) => e.data.object.first_name),
      ['A2', 'A1'],
    );

    const createdOrDeletedB = await t.api(
      'GET',
      `/v1/events?type_in=customer.created,customer.deleted&object_id=${b.id}&sort=created_at`,
    );
    assert.deepEqual(
      createdOrDeletedB.body.data.map((e: any) => e.type),
      ['customer.created', 'customer.deleted'],
    );
    const noneOfThem = await t.api('GET', `/v1/events?type_in=customer.deleted&object_id=${a.id}`);
    assert.deepEqual(noneOfThem.body.data, []);

    const typed = await t.api('GET', `/v1/events?object_type=customer&type=customer.deleted&limit=100`);
    assert.ok(typed.body.data.length >= 1);
    assert.ok(typed.body.data.every((e: any) => e.type === 'customer.deleted'));
    const byRequest = await t.api('GET', `/v1/events?request_id=${delB.headers['x-request-id']}`);
    assert.deepEqual(
      byRequest.body.data.map((e: any) => [e.type, e.data.object.id]),
      [['customer.deleted', b.id]],
    );

    const all = await t.api('GET', '/v1/events?limit=5');
    assert.equal(all.body.data.length, 5);
    assert.equal(all.body.has_more, true);
  });

  it("GET /v1/customers/:id/events is one customer's timeline", async () => {
    const t = await getTestContext();
    const a = await createCustomer(t, { first_name: 'Tim' });
    const b = await createCustomer(t);
    await t.api('PATCH', `/v1/customers/${a.id}`, { last_name: 'Line' });
    await t.api('PATCH', `/v1/customers/${b.id}`, { last_name: 'Other' });

    const timeline = await t.api('GET', `/v1/customers/${a.id}/events`);
    assert.equal(timeline.status, 200, timeline.raw);
    assert.equal(timeline.body.object, 'list');
    assert.deepEqual(
      timeline.body.data.map((e: any) => e.type),
      ['customer.updated', 'customer.created'],
    );
    assert.ok(timeline.body.data.every((e: any) => e.data.object.id === a.id));
    const oldestFirst = await t.api('GET', `/v1/customers/${a.id}/events?sort=created_at&type=customer.created`);
    assert.deepEqual(
      oldestFirst.body.data.map((e: any) => e.type),
      ['customer.created'],
    );

    // A timeline needs events:read besides the resource's read scope.
    const reader = authHeader(await t.keyWith(['customers:read']));
    const noEvents = await t.api('GET', `/v1/customers/${a.id}/events`, undefined, reader);
    assertError(noEvents, 403, 'permission_error', 'missing_scope');
    assert.deepEqual(noEvents.body.error.details, { required_scope: 'events:read' });
    assertError(await t.api('GET', '/v1/events', undefined, reader), 403, 'permission_error', 'missing_scope');
    const eventReader = authHeader(await t.keyWith(['customers:read', 'events:read']));
    assert.equal((await t.api('GET', `/v1/customers/${a.id}/events`, undefined, eventReader)).status, 200);
    const eventsOnly = authHeader(await t.keyWith(['events:read']));
    assertError(
      await t.api('GET', `/v1/customers/${a.id}/events`, undefined, eventsOnly),
      403,
      'permission_error',
      'missing_scope',
    );

    assertError(await t.api('GET', `/v1/customers/cus_${unique()}/events`), 404, 'not_found');
    assertError(
      await t.api('GET', `/v1/customers/${a.id}/events?object_id=${b.id}`),
      400,
      'invalid_request_error',
      'validation_error',
    );
  });

  it('a failed command writes no event and no row', async () => {
    const t = await getTestContext();
    const existing = await createCustomer(t);

    const dupId = unique('dup-');
    const dup = await t.api(
      'POST',
      '/v1/customers',
      { email: existing.email.toUpperCase(), first_name: 'Dup' },
      { 'X-Request-Id': dupId },
    );
    assertError(dup, 409, 'conflict', 'already_exists');
    assert.equal((await eventsOfRequest(dupId)).length, 0);
    const sameEmail = await t.db
      .selectFrom('customers')
      .select('id')
      .where('email_normalized', '=', existing.email.toLowerCase())
      .execute();
    assert.deepEqual(
      sameEmail.map((r) => r.id),
      [existing.id],
    );

    const badId = unique('bad-');
    const email = newEmail('invalid');
    const invalid = await t.api('POST', '/v1/customers', { email, phone: 'call me' }, { 'X-Request-Id': badId });
    assertError(invalid, 400, 'invalid_request_error', 'validation_error');
    assert.equal((await eventsOfRequest(badId)).length, 0);
    assert.equal(
      (await t.db.selectFrom('customers').select('id').where('email_normalized', '=', email).execute()).length,
      0,
    );

    const other = await createCustomer(t);
    const clashId = unique('clash-');
    const clash = await t.api(
      'PATCH',
      `/v1/customers/${other.id}`,
      { email: existing.email, first_name: 'Changed' },
      { 'X-Request-Id': clashId },
    );
    assertError(clash, 409, 'conflict', 'already_exists');
    assert.equal((await eventsOfRequest(clashId)).length, 0);
    const row = await t.db.selectFrom('customers').selectAll().where('id', '=', other.id).executeTakeFirstOrThrow();
    assert.equal(row.email, other.email);
    assert.equal(row.first_name, null);
    assert.equal(row.version, 1);

    // The two customers have only their customer.created events.
    const after = await t.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('object_id', 'in', [existing.id, other.id])
      .execute();
    assert.equal(Number(after[0].n), 2);
  });
});
