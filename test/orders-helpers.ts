import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ensureItem, postMovement } from '../src/modules/inventory/ledger.js';
import { type TestContext, unique } from './helpers.js';

/** Shared set-up for the order tests: stock through the ledger, customers, orders. */

const ctx = { requestId: 'test-setup' };

export async function defaultLocationId(t: TestContext): Promise<string> {
  const row = await t.db.selectFrom('locations').select('id').where('is_default', '=', 1).executeTakeFirstOrThrow();
  return row.id;
}

/** A new location (written directly: the locations API belongs to the inventory module). */
export async function makeLocation(t: TestContext): Promise<string> {
  const id = `loc_${unique()}`;
  const now = new Date().toISOString();
  await t.db
    .insertInto('locations')
    .values({
      id,
      code: unique('WH-'),
      name: 'Test warehouse',
      type: 'warehouse',
      address: null,
      active: 1,
      is_default: 0,
      metadata: '{}',
      version: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

/** Receives `quantity` of a SKU (a receipt movement through the ledger) and returns the item id. */
export async function stock(t: TestContext, sku: string, quantity: number, locationId?: string): Promise<string> {
  const location = locationId ?? (await defaultLocationId(t));
  return t.db.transaction().execute(async (trx) => {
    const itemId = await ensureItem(trx, sku, location);
    if (quantity !== 0) await postMovement(trx, ctx, { itemId, quantity, reason: 'receipt' });
    return itemId;
  });
}

export async function levels(
  t: TestContext,
  sku: string,
  locationId?: string,
): Promise<{ on_hand: number; reserved: number; available: number }> {
  const location = locationId ?? (await defaultLocationId(t));
  const row = await t.db
    .selectFrom('inventory_items')
    .select(['on_hand', 'reserved'])
    .where('sku', '=', sku)
    .where('location_id', '=', location)
    .executeTakeFirstOrThrow();
  return {
    on_hand: Number(row.on_hand),
    reserved: Number(row.reserved),
    available: Number(row.on_hand) - Number(row.reserved),
  };
}

/**
 * The ledger's invariants for the items of these SKUs: on_hand is the sum of the movements,
 * reserved the sum of the active reservations, available never negative.
 */
export async function assertLedgerConsistent(t: TestContext, skus: string[]): Promise<void> {
  const items = await t.db
    .selectFrom('inventory_items')
    .select(['id', 'sku', 'on_hand', 'reserved'])
    .where('sku', 'in', skus)
    .execute();
  assert.ok(items.length > 0, 'no items for these SKUs');
  for (const item of items) {
    const {
      rows: [m],
    } = await sql<{
      total: unknown;
    }>`select coalesce(sum(quantity), 0) as total from inventory_movements where inventory_item_id = ${item.id}`.execute(
      t.db,
    );
    const {
      rows: [r],
    } = await sql<{
      total: unknown;
    }>`select coalesce(sum(quantity), 0) as total from inventory_reservations where inventory_item_id = ${item.id} and status = 'active'`.execute(
      t.db,
    );
    assert.equal(
      Number(item.on_hand),
      Number(m.total),
      `${item.sku}: on_hand ${item.on_hand} but movements sum to ${m.total}`,
    );
    assert.equal(
      Number(item.reserved),
      Number(r.total),
      `${item.sku}: reserved ${item.reserved} but active reservations sum to ${r.total}`,
    );
    assert.ok(Number(item.on_hand) >= Number(item.reserved), `${item.sku}: available is negative`);
  }
}

/** Active reservations held by an order, per line. */
export async function reservedByLine(t: TestContext, orderId: string): Promise<Record<string, number>> {
  const rows = await t.db
    .selectFrom('inventory_reservations')
    .select(['reference_line_id', 'quantity'])
    .where('reference_id', '=', orderId)
    .where('status', '=', 'active')
    .execute();
  const out: Record<string, number> = {};
  for (const r of rows) out[r.reference_line_id!] = (out[r.reference_line_id!] ?? 0) + Number(r.quantity);
  return out;
}

export async function newCustomer(t: TestContext): Promise<{ id: string; email: string }> {
  const res = await t.api('POST', '/v1/customers', {
    email: `${unique('buyer')}@example.com`,
    first_name: 'Bo',
    last_name: 'Buyer',
  });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

export async function getCustomer(t: TestContext, id: string) {
  const res = await t.api('GET', `/v1/customers/${id}`);
  assert.equal(res.status, 200, res.raw);
  return res.body;
}

/** Unique SKUs, each stocked with the given quantity at the default location. */
export async function stockedSkus(t: TestContext, ...quantities: number[]): Promise<string[]> {
  const skus: string[] = [];
  for (const q of quantities) {
    const sku = unique('SKU-');
    await stock(t, sku, q);
    skus.push(sku);
  }
  return skus;
}

/** Creates an order (201 asserted) for a new customer unless one is given. */
export async function placeOrder(t: TestContext, body: Record<string, unknown>): Promise<any> {
  const full = { ...body };
  if (!full.customer_id && !full.customer) full.customer_id = (await newCustomer(t)).id;
  const res = await t.api('POST', '/v1/orders', full);
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

export async function post(t: TestContext, url: string, body?: unknown, expected = 200): Promise<any> {
  const res = await t.api('POST', url, body);
  assert.equal(res.status, expected, `${url}: ${res.raw}`);
  return res.body;
}

/** Asserts a 409 invalid_transition naming the status and the action. */
export function assertInvalidTransition(
  res: { status: number; body: any; raw: string },
  status: string,
  action: string,
): void {
  assert.equal(res.status, 409, res.raw);
  assert.equal(res.body.error.code, 'invalid_transition', res.raw);
  assert.equal(res.body.error.details.current_status, status);
  assert.equal(res.body.error.details.action, action);
  assert.match(res.body.error.message, new RegExp(`${action}.*"${status}"`));
}

export async function eventsOf(t: TestContext, objectId: string): Promise<string[]> {
  const rows = await t.db
    .selectFrom('events')
    .select('type')
    .where('object_id', '=', objectId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.type);
}
