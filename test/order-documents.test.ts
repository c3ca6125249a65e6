import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { dialect, getTestContext, type TestContext } from './helpers.js';
import { newCustomer, placeOrder, post, stockedSkus } from './orders-helpers.js';

// Retrieve and list send each order's stored document (orders.document); commands rewrite it.

/** Runs a statement through a connection of its own, as another process would. */
async function writeFromAnotherConnection(databaseUrl: string, statement: string): Promise<void> {
  if (dialect === 'sqlite') {
    const other = new SQLite(databaseUrl.slice('sqlite:'.length));
    try {
      other.prepare(statement).run();
    } finally {
      other.close();
    }
    return;
  }
  const other = new pg.Client({ connectionString: databaseUrl });
  await other.connect();
  try {
    await other.query(statement);
  } finally {
    await other.end();
  }
}

async function retrieve(t: TestContext, idOrNumber: string) {
  const res = await t.api('GET', `/v1/orders/${idOrNumber}`);
  assert.equal(res.status, 200, res.raw);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return res.body;
}

async function listed(t: TestContext, query: string) {
  const res = await t.api('GET', `/v1/orders?${query}`);
  assert.equal(res.status, 200, res.raw);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return res.body;
}

describe('order documents', () => {
  it('retrieve and list answer exactly what the last command answered, after every kind of change', async () => {
    const t = await getTestContext();
    const [a, b] = await stockedSkus(t, 20, 20);
    const customer = await newCustomer(t);
    const created = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku: a, quantity: 3, price: 1000 }],
      tax_rate: 8.75,
    });
    const id = created.id;
    let expected = created;
    assert.deepEqual(await retrieve(t, id), expected);

    const steps: Array<() => Promise<any>> = [
      async () =>
        (await t.api('PATCH', `/v1/orders/${id}`, { notes: 'leave at the door', shipping: { amount: 500 } })).body,
      () => post(t, `/v1/orders/${id}/line_items`, { sku: b, quantity: 2, price: 2500 }),
      () => post(t, `/v1/orders/${id}/discounts`, { type: 'percentage', value: 10 }),
      () => post(t, `/v1/orders/${id}/tags`, { tags: ['vip'] }),
      () => post(t, `/v1/orders/${id}/hold`, { reason: 'address check' }),
      () => post(t, `/v1/orders/${id}/release`),
      () => post(t, `/v1/orders/${id}/pay`, {}),
    ];
    for (const step of steps) {
      const answered = await step();
      assert.equal(answered.id, id);
      assert.ok(answered.version > expected.version, 'each step changed the order');
      expected = answered;
      assert.deepEqual(await retrieve(t, id), expected);
      assert.deepEqual(await retrieve(t, expected.order_number), expected);
      const page = await listed(t, `customer_id=${customer.id}`);
      assert.deepEqual(page.data, [expected]);
    }
    const split = await post(t, `/v1/orders/${id}/split`, {
      line_items: [{ id: expected.line_items[1].id, quantity: 1 }],
    });
    assert.deepEqual(await retrieve(t, split.split_order.id), split.split_order);
    const shipped = await post(t, `/v1/orders/${id}/ship`, {
      line_items: [{ id: expected.line_items[0].id, quantity: 1 }],
    });
    assert.equal(shipped.status, 'partially_shipped');
    assert.deepEqual(await retrieve(t, id), shipped);
    const page = await listed(t, `customer_id=${customer.id}&sort=created_at`);
    assert.deepEqual(page.data, [shipped, split.split_order]);
    assert.equal(page.total_count, 2);
  });

  it('renders an order without a stored document (written before documents existed) from its tables', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 10);
    const customer = await newCustomer(t);
    const first = await placeOrder(t, { customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 1999 }] });
    const second = await placeOrder(t, {
      customer_id: customer.id,
      line_items: [{ sku, quantity: 2, price: 1999 }],
      discounts: [{ type: 'fixed', value: 100 }],
    });
    await t.db.updateTable('orders').set({ document: null }).where('id', '=', first.id).execute();

    assert.deepEqual(await retrieve(t, first.id), first);
    assert.deepEqual(await retrieve(t, first.order_number), first);
    const page = await listed(t, `customer_id=${customer.id}&sort=created_at`);
    assert.deepEqual(page.data, [first, second]);
    assert.equal(page.total_count, 2);

    // The next change stores it again.
    const held = await post(t, `/v1/orders/${first.id}/hold`, { reason: 'check' });
    const row = await t.db.selectFrom('orders').select('document').where('id', '=', first.id).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.document!), held);
  });

  it('keeps total_count exact through creates, status changes and a refused command', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 3);
    const customer = await newCustomer(t);
    const count = async (status: string) =>
      (await listed(t, `customer_id=${customer.id}&status=${status}&limit=1`)).total_count;
    assert.equal(await count('pending'), 0);
    const one = await placeOrder(t, { customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 100 }] });
    assert.equal(await count('pending'), 1);
    await placeOrder(t, { customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 100 }] });
    assert.equal(await count('pending'), 2);
    await post(t, `/v1/orders/${one.id}/hold`, { reason: 'fraud check' });
    assert.equal(await count('pending'), 1);
    assert.equal(await count('on_hold'), 1);
    // A create refused for stock writes nothing, and the count stays as it was.
    const refused = await t.api('POST', '/v1/orders', {
      customer_id: customer.id,
      line_items: [{ sku, quantity: 5, price: 100 }],
    });
    assert.equal(refused.status, 409, refused.raw);
    assert.equal(await count('pending'), 1);
    assert.equal((await listed(t, `customer_id=${customer.id}`)).total_count, 2);
  });

  it('sees a change committed by another connection (the count is reused only while nothing changed)', async () => {
    const t = await getTestContext();
    const [sku] = await stockedSkus(t, 2);
    const customer = await newCustomer(t);
    const order = await placeOrder(t, { customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 100 }] });
    const count = async () => (await listed(t, `customer_id=${customer.id}&status=pending`)).total_count;
    assert.equal(await count(), 1);
    assert.equal(await count(), 1);
    await writeFromAnotherConnection(t.databaseUrl, `update orders set status = 'cancelled' where id = '${order.id}'`);
    assert.equal(await count(), 0);
    assert.equal(await count(), 0);
    // Put it back as it was, through the same kind of outside write.
    await sql`update orders set status = 'pending' where id = ${order.id}`.execute(t.db);
    assert.equal(await count(), 1);
  });
});
