import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique } from './helpers.js';
import { eventsOf, newCustomer, placeOrder, post, stockedSkus } from './orders-helpers.js';

type T = Awaited<ReturnType<typeof getTestContext>>;

async function makePromotion(t: T, body: Record<string, unknown>) {
  const res = await t.api('POST', '/v1/promotions', { code: unique('P'), ...body });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

function assertNotApplicable(res: { status: number; body: any; raw: string }, reason: string) {
  assert.equal(res.status, 409, res.raw);
  assert.equal(res.body.error.code, 'promotion_not_applicable');
  assert.equal(res.body.error.details.reason, reason, res.raw);
}

describe('promotions', () => {
  it('creates, reads, lists, updates and deletes; codes are unique case-insensitively', async () => {
    const t = await getTestContext();
    const code = unique('Summer');
    const created = await makePromotion(t, {
      code,
      type: 'percentage',
      value: 15,
      min_subtotal: 5000,
      usage_limit: 100,
      description: 'Summer sale',
    });
    assert.match(created.id, /^promo_/);
    assert.equal(created.times_used, 0);
    assert.equal(created.active, true);
    assert.equal(created.value, 15);
    const dup = await t.api('POST', '/v1/promotions', { code: code.toUpperCase(), type: 'fixed', value: 100 });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'already_exists');
    assert.equal((await t.api('GET', `/v1/promotions/${code.toLowerCase()}`)).body.id, created.id, 'by code too');
    assert.deepEqual(
      (await t.api('GET', `/v1/promotions?code=${code.toUpperCase()}`)).body.data.map((p: any) => p.id),
      [created.id],
    );

    const readOnly = await t.api('PATCH', `/v1/promotions/${created.id}`, { times_used: 5 });
    assert.equal(readOnly.status, 400);
    assert.equal(readOnly.body.error.details[0].path, 'times_used');
    const badValue = await t.api('POST', '/v1/promotions', { code: unique('X'), type: 'fixed', value: 1.5 });
    assert.equal(badValue.status, 400);
    const noValue = await t.api('POST', '/v1/promotions', { code: unique('X'), type: 'percentage' });
    assert.equal(noValue.status, 400);
    const badWindow = await t.api('POST', '/v1/promotions', {
      code: unique('X'),
      type: 'free_shipping',
      starts_at: '2030-01-02',
      ends_at: '2030-01-01',
    });
    assert.equal(badWindow.status, 400);

    const updated = await t.api(
      'PATCH',
      `/v1/promotions/${created.id}`,
      { value: 20, active: false },
      { 'if-match': '1' },
    );
    assert.equal(updated.status, 200, updated.raw);
    assert.equal(updated.body.value, 20);
    assert.equal(updated.body.version, 2);
    assert.equal(
      (await t.api('PATCH', `/v1/promotions/${created.id}`, { value: 25 }, { 'if-match': '1' })).status,
      412,
    );
    assert.ok(
      (await t.api('GET', '/v1/promotions?active=false&limit=100')).body.data.some((p: any) => p.id === created.id),
    );

    const deleted = await t.api('DELETE', `/v1/promotions/${created.id}`);
    assert.deepEqual(deleted.body, { id: created.id, object: 'promotion', deleted: true });
    assert.equal((await t.api('GET', `/v1/promotions/${created.id}`)).status, 404);
    assert.deepEqual(await eventsOf(t, created.id), ['promotion.created', 'promotion.updated', 'promotion.deleted']);
  });

  it('applies only an active promotion, in its window, with its minimum met, once per order; removing frees the use', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 50);
    const order = await placeOrder(t, { line_items: [{ sku, quantity: 2, price: 2500 }], shipping: { amount: 700 } });
    const url = `/v1/orders/${order.id}/promotions`;
    assertNotApplicable(await t.api('POST', url, { code: 'NO-SUCH-CODE' }), 'unknown_code');
    const inactive = await makePromotion(t, { type: 'fixed', value: 100, active: false });
    assertNotApplicable(await t.api('POST', url, { code: inactive.code }), 'inactive');
    const future = await makePromotion(t, { type: 'fixed', value: 100, starts_at: '2999-01-01T00:00:00Z' });
    assertNotApplicable(await t.api('POST', url, { code: future.code }), 'not_started');
    const past = await makePromotion(t, { type: 'fixed', value: 100, ends_at: '2001-01-01T00:00:00Z' });
    assertNotApplicable(await t.api('POST', url, { code: past.code }), 'expired');
    const big = await makePromotion(t, { type: 'fixed', value: 100, min_subtotal: 5001 });
    assertNotApplicable(await t.api('POST', url, { code: big.code }), 'minimum_not_met');
    const euro = await makePromotion(t, { type: 'fixed', value: 100, currency: 'EUR' });
    assertNotApplicable(await t.api('POST', url, { code: euro.code }), 'currency_mismatch');

    const pct = await makePromotion(t, { type: 'percentage', value: 15, min_subtotal: 5000, usage_limit: 10 });
    const applied = await post(t, url, { code: pct.code.toLowerCase() });
    assert.deepEqual(applied.promotions, [{ promotion_id: pct.id, code: pct.code, amount: 750 }]);
    assert.equal(applied.totals.discount, 750);
    assertNotApplicable(await t.api('POST', url, { code: pct.code }), 'already_applied');
    const ship = await makePromotion(t, { type: 'free_shipping' });
    const free = await post(t, url, { code: ship.code });
    assert.equal(free.totals.shipping, 0);
    assert.equal(free.shipping.amount, 700);
    assert.equal(free.totals.total, 5000 - 750);
    assert.equal((await t.api('GET', `/v1/promotions/${pct.id}`)).body.times_used, 1);
    const inUse = await t.api('DELETE', `/v1/promotions/${pct.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.error.code, 'promotion_in_use');

    const removed = await t.api('DELETE', `/v1/orders/${order.id}/promotions/${pct.id}`);
    assert.equal(removed.status, 200, removed.raw);
    assert.equal(removed.body.totals.discount, 0);
    assert.equal((await t.api('GET', `/v1/promotions/${pct.id}`)).body.times_used, 0);
    const byCode = await t.api('DELETE', `/v1/orders/${order.id}/promotions/${ship.code.toLowerCase()}`);
    assert.equal(byCode.body.totals.shipping, 700);
    assert.equal((await t.api('DELETE', `/v1/orders/${order.id}/promotions/${ship.id}`)).status, 404);
    assert.deepEqual((await eventsOf(t, order.id)).slice(1), [
      'order.promotion_applied',
      'order.promotion_applied',
      'order.promotion_removed',
      'order.promotion_removed',
    ]);
  });

  it('applies codes at creation (discount_codes and promotion_codes) and refuses the whole order when one does not apply', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const fixed = await makePromotion(t, { type: 'fixed', value: 300 });
    const order = await placeOrder(t, {
      line_items: [{ sku, quantity: 1, price: 1000 }],
      discount_codes: [fixed.code],
    });
    assert.equal(order.totals.discount, 300);
    assert.equal(order.promotions[0].promotion_id, fixed.id);
    const limited = await makePromotion(t, { type: 'fixed', value: 1, usage_limit: 1 });
    await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 1000 }], promotion_codes: [limited.code] });
    const customer = await newCustomer(t);
    const refused = await t.api('POST', '/v1/orders', {
      customer_id: customer.id,
      line_items: [{ sku, quantity: 1, price: 1000 }],
      promotion_codes: [fixed.code, limited.code],
    });
    assertNotApplicable(refused, 'usage_limit_reached');
    assert.equal(
      (await t.api('GET', `/v1/promotions/${fixed.id}`)).body.times_used,
      1,
      'the rolled-back order used nothing',
    );
  });

  it('never exceeds the usage limit under concurrent applications', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 40);
    const promo = await makePromotion(t, { type: 'percentage', value: 5, usage_limit: 3 });
    const orders = [];
    for (let i = 0; i < 12; i++) orders.push(await placeOrder(t, { line_items: [{ sku, quantity: 1, price: 1000 }] }));
    const results = await Promise.all(
      orders.map((o) => t.api('POST', `/v1/orders/${o.id}/promotions`, { code: promo.code })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 3, results.map((r) => r.status).join(','));
    assert.ok(
      results.filter((r) => r.status !== 200).every((r) => r.body.error.details.reason === 'usage_limit_reached'),
    );
    assert.equal((await t.api('GET', `/v1/promotions/${promo.id}`)).body.times_used, 3);
    const lower = await t.api('PATCH', `/v1/promotions/${promo.id}`, { usage_limit: 2 });
    assert.equal(lower.status, 409);
    assert.equal(lower.body.error.code, 'usage_limit_below_times_used');
  });
});
