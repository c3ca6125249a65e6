/** Builders shared by the supply tests (suppliers, purchase orders, packing lists, cycle counts). */
import assert from 'node:assert/strict';
import { verifyInventory } from '../src/modules/inventory/verify.js';
import { unique, type TestContext } from './helpers.js';

export async function newWarehouse(t: TestContext): Promise<any> {
  const res = await t.api('POST', '/v1/locations', { code: unique('WH-'), name: 'Supply test warehouse' });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

export async function newSupplier(t: TestContext, fields: Record<string, unknown> = {}): Promise<any> {
  const res = await t.api('POST', '/v1/suppliers', { name: 'Acme Mugs', code: unique('SUP-'), ...fields });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

/** An approved purchase order for `lines` ({sku, quantity_ordered, unit_cost}) shipping to `location`. */
export async function approvedPurchaseOrder(
  t: TestContext,
  location: string,
  lines: Array<{ sku: string; quantity_ordered: number; unit_cost: number }>,
  fields: Record<string, unknown> = {},
): Promise<any> {
  const supplier = await newSupplier(t);
  const created = await t.api('POST', '/v1/purchase_orders', {
    supplier_id: supplier.id,
    location_id: location,
    line_items: lines,
    ...fields,
  });
  assert.equal(created.status, 201, created.raw);
  assert.equal((await t.api('POST', `/v1/purchase_orders/${created.body.id}/submit`)).status, 200);
  const approved = await t.api('POST', `/v1/purchase_orders/${created.body.id}/approve`);
  assert.equal(approved.status, 200, approved.raw);
  return approved.body;
}

/** The inventory item of `sku` at `location` (id or code), or undefined. */
export async function stockOf(t: TestContext, sku: string, location: string): Promise<any> {
  const res = await t.api('GET', `/v1/inventory_items?sku=${encodeURIComponent(sku)}&location_id=${location}`);
  assert.equal(res.status, 200, res.raw);
  return res.body.data[0];
}

export async function assertLedgerClean(t: TestContext): Promise<void> {
  const report = await verifyInventory(t.db);
  assert.deepEqual(report.drifts, [], 'opsline verify finds no drift');
}

export async function eventTypes(t: TestContext, objectId: string): Promise<string[]> {
  const rows = await t.db.selectFrom('events').select('type').where('object_id', '=', objectId).orderBy('id').execute();
  return rows.map((r) => r.type);
}
