/**
 * Leads and cases (issue 15): lead CRUD with filters and StateSet's aliases, accept, reject,
 * convert once (also under parallel converts); cases linked to a customer, order and return
 * (checked: 404 naming the missing one), assign, escalate, notes, resolve, close, reopen, the
 * refused transitions, and a customer's timeline showing its cases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique, type TestContext } from './helpers.js';
import { assertInvalidTransition, eventsOf, newCustomer, placeOrder, post, stockedSkus } from './orders-helpers.js';

async function lead(t: TestContext, fields: Record<string, unknown> = {}): Promise<any> {
  const res = await t.api('POST', '/v1/leads', { email: `${unique('lead')}@example.com`, ...fields });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

async function createCase(t: TestContext, fields: Record<string, unknown>): Promise<any> {
  const res = await t.api('POST', '/v1/cases', { subject: 'Something is wrong', ...fields });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

/** A shipped order of a new customer with one line, and a return of one unit of it. */
async function orderWithReturn(t: TestContext): Promise<{ order: any; ret: any }> {
  const [sku] = await stockedSkus(t, 5);
  const order = await placeOrder(t, { line_items: [{ sku, quantity: 2, price: 1000 }], payment: { status: 'paid' } });
  await post(t, `/v1/orders/${order.id}/ship`, {});
  const returned = await post(t, `/v1/orders/${order.id}/return`, {
    line_items: [{ sku, quantity: 1, reason: 'damaged' }],
    reason_code: 'damaged',
  });
  return { order, ret: returned.return };
}

describe('leads', () => {
  it('creates with StateSet aliases, filters, updates, and refuses a second lead with the same email', async () => {
    const t = await getTestContext();
    const owner = unique('rep-');
    const created = await lead(t, {
      firstName: 'Rosa',
      lastName: 'Diaz',
      companyName: 'Corner Cafe',
      jobTitle: 'Buyer',
      leadSource: 'trade_show',
      leadOwner: owner,
      doNotCall: true,
      phone: '+14155550111',
      address: { line1: '1 Main St', city: 'Oakland', country: 'us' },
    });
    assert.equal(created.status, 'new');
    assert.deepEqual(
      [created.first_name, created.last_name, created.company, created.title, created.source, created.owner],
      ['Rosa', 'Diaz', 'Corner Cafe', 'Buyer', 'trade_show', owner],
    );
    assert.equal(created.do_not_call, true);
    assert.equal(created.address.country, 'US');
    const other = await lead(t, { source: 'website', owner });

    const dup = await t.api('POST', '/v1/leads', { email: created.email.toUpperCase() });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'already_exists');

    const byOwner = await t.api('GET', `/v1/leads?owner=${owner}`);
    assert.equal(byOwner.body.total_count, 2);
    const bySource = await t.api('GET', `/v1/leads?owner=${owner}&source=trade_show`);
    assert.deepEqual(
      bySource.body.data.map((l: any) => l.id),
      [created.id],
    );
    const bySearch = await t.api('GET', `/v1/leads?owner=${owner}&search=corner`);
    assert.deepEqual(
      bySearch.body.data.map((l: any) => l.id),
      [created.id],
    );
    assert.equal((await t.api('GET', '/v1/leads?status=bogus')).status, 400);
    assert.equal((await t.api('GET', '/v1/leads?colour=red')).status, 400);

    const updated = await t.api('PATCH', `/v1/leads/${other.id}`, { firstName: 'Ann', emailOptOut: true });
    assert.equal(updated.status, 200, updated.raw);
    assert.equal(updated.body.first_name, 'Ann');
    assert.equal(updated.body.email_opt_out, true);
    const stale = await t.api('PUT', `/v1/leads/${other.id}`, { title: 'x' }, { 'if-match': '1' });
    assert.equal(stale.status, 412);
    const deleted = await t.api('DELETE', `/v1/leads/${other.id}`);
    assert.deepEqual(deleted.body, { id: other.id, object: 'lead', deleted: true });
    assert.equal((await t.api('GET', `/v1/leads/${other.id}`)).status, 404);
  });

  it('accepts, rejects with a reason, and refuses transitions the table does not list', async () => {
    const t = await getTestContext();
    const a = await lead(t);
    const accepted = await post(t, `/v1/leads/${a.id}/accept`);
    assert.equal(accepted.status, 'accepted');
    assertInvalidTransition(await t.api('POST', `/v1/leads/${a.id}/accept`), 'accepted', 'accept');
    const noReason = await t.api('POST', `/v1/leads/${a.id}/reject`, {});
    assert.equal(noReason.status, 400);
    const rejected = await post(t, `/v1/leads/${a.id}/reject`, { reason: 'Not a fit' });
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.rejection_reason, 'Not a fit');
    assertInvalidTransition(await t.api('POST', `/v1/leads/${a.id}/convert`), 'rejected', 'convert');
    assert.deepEqual(await eventsOf(t, a.id), ['lead.created', 'lead.accepted', 'lead.rejected']);
  });

  it('converts once: creates the customer, or links the one with that email; a second convert is a 409', async () => {
    const t = await getTestContext();
    const fresh = await lead(t, { first_name: 'Nia', company: 'Nia Foods', phone: '+14155550199' });
    await post(t, `/v1/leads/${fresh.id}/accept`);
    const converted = await post(t, `/v1/leads/${fresh.id}/convert`);
    assert.equal(converted.status, 'converted');
    assert.ok(converted.converted_at);
    const customer = (await t.api('GET', `/v1/customers/${converted.converted_customer_id}`)).body;
    assert.deepEqual(
      [customer.email, customer.first_name, customer.company, customer.phone],
      [fresh.email, 'Nia', 'Nia Foods', '+14155550199'],
    );
    assertInvalidTransition(await t.api('POST', `/v1/leads/${fresh.id}/convert`), 'converted', 'convert');
    assertInvalidTransition(await t.api('PATCH', `/v1/leads/${fresh.id}`, { title: 'x' }), 'converted', 'update');

    // An existing customer with the email (any case) is linked, not duplicated.
    const existing = await newCustomer(t);
    const known = await lead(t, { email: existing.email.toUpperCase() });
    const linked = await post(t, `/v1/leads/${known.id}/convert`);
    assert.equal(linked.converted_customer_id, existing.id);

    // Parallel converts: one converts, the others are 409, one customer.
    const raced = await lead(t);
    const results = await Promise.all([1, 2, 3, 4].map(() => t.api('POST', `/v1/leads/${raced.id}/convert`)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409]);
    const customers = await t.api('GET', `/v1/customers?email=${encodeURIComponent(raced.email)}`);
    assert.equal(customers.body.total_count, 1);
    assert.equal((await eventsOf(t, raced.id)).filter((e) => e === 'lead.converted').length, 1);
  });
});

describe('cases', () => {
  it('links a customer, order and return (checked, 404 naming the missing one) with StateSet aliases', async () => {
    const t = await getTestContext();
    const { order, ret } = await orderWithReturn(t);
    const kase = await t.api('POST', '/v1/cases', {
      caseName: 'Damaged unit',
      order_id: order.order_number,
      return_id: ret.rma,
      submitter: 'rosa@example.com',
      priority: 'high',
    });
    assert.equal(kase.status, 201, kase.raw);
    assert.match(kase.body.case_number, /^CASE-\d{6}$/);
    assert.deepEqual(
      [kase.body.subject, kase.body.customer_id, kase.body.order_id, kase.body.return_id, kase.body.status],
      ['Damaged unit', order.customer_id, order.id, ret.id, 'new'],
    );

    for (const [field, value, name] of [
      ['customer_id', 'cus_missing', 'customer'],
      ['order_id', 'ord_missing', 'order'],
      ['return_id', 'ret_missing', 'return'],
    ]) {
      const res = await t.api('POST', '/v1/cases', { subject: 'x', [field]: value });
      assert.equal(res.status, 404, res.raw);
      assert.equal(res.body.error.param, field);
      assert.match(res.body.error.message, new RegExp(`No ${name} with id "${value}"`));
    }
    const otherCustomer = await newCustomer(t);
    const wrong = await t.api('POST', '/v1/cases', { subject: 'x', customer_id: otherCustomer.id, order_id: order.id });
    assert.equal(wrong.status, 400, wrong.raw);
    assert.equal(wrong.body.error.param, 'order_id');
    const noSubject = await t.api('POST', '/v1/cases', { description: 'no subject' });
    assert.equal(noSubject.status, 400);

    // caseStatus on create and update; filters.
    const started = await createCase(t, { customer_id: otherCustomer.id, caseStatus: 'in_progress', assignee: 'sam' });
    assert.equal(started.status, 'in_progress');
    const waiting = await t.api('PATCH', `/v1/cases/${started.id}`, { caseStatus: 'pending_customer' });
    assert.equal(waiting.body.status, 'pending_customer', waiting.raw);
    const byCustomer = await t.api('GET', `/v1/cases?customer_id=${otherCustomer.id}&status=pending_customer`);
    assert.deepEqual(
      byCustomer.body.data.map((c: any) => c.id),
      [started.id],
    );
    const byAssignee = await t.api('GET', `/v1/cases?assignee=sam&customer_id=${otherCustomer.id}`);
    assert.equal(byAssignee.body.total_count, 1);
    const bySearch = await t.api('GET', `/v1/cases?search=damaged%20unit&priority=high`);
    assert.ok(bySearch.body.data.some((c: any) => c.id === kase.body.id));
    assert.equal((await t.api('GET', '/v1/cases?priority=extreme')).status, 400);

    // A customer with a case (and no orders) is not deleted from under it: 409, nothing changed.
    const refused = await t.api('DELETE', `/v1/customers/${otherCustomer.id}`);
    assert.equal(refused.status, 409, refused.raw);
    assert.equal(refused.body.error.code, 'customer_has_records');
    assert.equal((await t.api('GET', `/v1/customers/${otherCustomer.id}`)).status, 200);
  });

  it('is assigned, escalated, noted, resolved, closed and reopened; refused transitions name the status', async () => {
    const t = await getTestContext();
    const { order, ret } = await orderWithReturn(t);
    const kase = await createCase(t, { subject: 'Damaged mug', order_id: order.id, return_id: ret.id });

    const assigned = await post(t, `/v1/cases/${kase.case_number}/assign`, { assignee: 'sam' });
    assert.deepEqual([assigned.status, assigned.assignee], ['in_progress', 'sam']);
    const up = await post(t, `/v1/cases/${kase.id}/escalate`);
    assert.deepEqual([up.priority, up.escalation_level], ['high', 1]);
    const urgent = await post(t, `/v1/cases/${kase.id}/escalate`, { priority: 'urgent' });
    assert.deepEqual([urgent.priority, urgent.escalation_level], ['urgent', 2]);
    const lower = await t.api('POST', `/v1/cases/${kase.id}/escalate`, { priority: 'low' });
    assert.equal(lower.status, 400);

    const note = await t.api('POST', `/v1/cases/${kase.id}/notes`, {
      body: 'Photo of the chip received',
      author: 'sam',
    });
    assert.equal(note.status, 201, note.raw);
    assert.match(note.body.id, /^cnt_/);
    await post(t, `/v1/cases/${kase.id}/notes`, { body: 'Replacement approved' }, 201);
    const notes = await t.api('GET', `/v1/cases/${kase.id}/notes?sort=created_at`);
    assert.deepEqual(
      notes.body.data.map((n: any) => n.body),
      ['Photo of the chip received', 'Replacement approved'],
    );
    assert.equal((await t.api('GET', `/v1/cases/${kase.id}`)).body.notes.length, 2);

    assertInvalidTransition(await t.api('POST', `/v1/cases/${kase.id}/close`), 'in_progress', 'close');
    assertInvalidTransition(await t.api('POST', `/v1/cases/${kase.id}/reopen`), 'in_progress', 'reopen');
    const resolved = await post(t, `/v1/cases/${kase.id}/resolve`, {
      resolution: 'Replacement shipped',
      resolver: 'sam',
    });
    assert.deepEqual(
      [resolved.status, resolved.resolution, resolved.resolver],
      ['resolved', 'Replacement shipped', 'sam'],
    );
    assert.ok(resolved.resolved_at);
    assertInvalidTransition(await t.api('POST', `/v1/cases/${kase.id}/escalate`, {}), 'resolved', 'escalate');
    const closed = await post(t, `/v1/cases/${kase.id}/close`);
    assert.equal(closed.status, 'closed');
    assertInvalidTransition(await t.api('POST', `/v1/cases/${kase.id}/notes`, { body: 'late' }), 'closed', 'add_note');
    assertInvalidTransition(await t.api('PATCH', `/v1/cases/${kase.id}`, { subject: 'x' }), 'closed', 'update');
    assertInvalidTransition(
      await t.api('POST', `/v1/cases/${kase.id}/resolve`, { resolution: 'x' }),
      'closed',
      'resolve',
    );
    const reopened = await post(t, `/v1/cases/${kase.id}/reopen`);
    assert.deepEqual([reopened.status, reopened.closed_at, reopened.resolved_at], ['in_progress', null, null]);

    assert.deepEqual(await eventsOf(t, kase.id), [
      'case.created',
      'case.assigned',
      'case.escalated',
      'case.escalated',
      'case.note_added',
      'case.note_added',
      'case.resolved',
      'case.closed',
      'case.reopened',
    ]);
    const timeline = await t.api('GET', `/v1/cases/${kase.case_number}/events`);
    assert.equal(timeline.body.total_count, 9);

    // The customer's timeline shows its cases' events among its own; a key without cases:read does not see them.
    const customerTimeline = await t.api('GET', `/v1/customers/${order.customer_id}/events?limit=100`);
    const types = customerTimeline.body.data.map((e: any) => e.type);
    assert.ok(types.includes('customer.created'), types.join());
    assert.equal(types.filter((x: string) => x.startsWith('case.')).length, 9);
    const narrow = await t.keyWith(['customers:read', 'events:read']);
    const narrowTimeline = await t.api('GET', `/v1/customers/${order.customer_id}/events?limit=100`, undefined, {
      authorization: `Bearer ${narrow}`,
    });
    assert.deepEqual(
      narrowTimeline.body.data.map((e: any) => e.type),
      ['customer.created'],
    );
    const typed = await t.api('GET', `/v1/customers/${order.customer_id}/events?type=case.created`);
    assert.equal(typed.body.total_count, 1);

    const deleted = await t.api('DELETE', `/v1/cases/${kase.id}`);
    assert.deepEqual(deleted.body, { id: kase.id, object: 'case', deleted: true });
    const notesLeft = await t.db.selectFrom('case_notes').select('id').where('case_id', '=', kase.id).execute();
    assert.equal(notesLeft.length, 0);
  });

  it('serialises parallel commands on one case: every escalation counted once', async () => {
    const t = await getTestContext();
    const customer = await newCustomer(t);
    const kase = await createCase(t, { customer_id: customer.id, priority: 'low' });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => t.api('POST', `/v1/cases/${kase.id}/escalate`, {})));
    assert.ok(results.every((r) => r.status === 200));
    const after = (await t.api('GET', `/v1/cases/${kase.id}`)).body;
    assert.deepEqual([after.escalation_level, after.priority, after.version], [5, 'urgent', 6]);
  });
});
