import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { ConflictError } from '../src/platform/errors.js';
import {
  InsufficientInventoryError,
  moveReservation,
  releaseReservation,
  reserveStock,
} from '../src/modules/inventory/ledger.js';
import { verifyInventory } from '../src/modules/inventory/verify.js';
import { dialect, getTestContext, unique, type TestContext } from './helpers.js';
import { assertError, authHeader, detailPaths } from './support.js';

const ctx = { requestId: 'req_test' };

async function newLocation(t: TestContext, fields: Record<string, unknown> = {}): Promise<any> {
  const res = await t.api('POST', '/v1/locations', { code: unique('WH-'), name: 'Test warehouse', ...fields });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

async function newItem(t: TestContext, fields: Record<string, unknown> = {}): Promise<any> {
  const res = await t.api('POST', '/v1/inventory_items', { sku: unique('SKU-'), ...fields });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

async function itemRow(t: TestContext, id: string) {
  return t.db.selectFrom('inventory_items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function eventsOf(t: TestContext, objectId: string): Promise<string[]> {
  const rows = await t.db.selectFrom('events').select('type').where('object_id', '=', objectId).orderBy('id').execute();
  return rows.map((r) => r.type);
}

async function defaultLocation(t: TestContext): Promise<any> {
  const res = await t.api('GET', '/v1/locations?code=DEFAULT');
  assert.equal(res.status, 200, res.raw);
  assert.equal(res.body.data.length, 1);
  return res.body.data[0];
}

describe('locations', () => {
  it('has a default location from the first start, which cannot be deleted', async () => {
    const t = await getTestContext();
    const def = await defaultLocation(t);
    assert.equal(def.is_default, true);
    assert.equal(def.object, 'location');
    assert.match(def.id, /^loc_/);
    assertError(await t.api('DELETE', `/v1/locations/${def.id}`), 409, 'conflict', 'default_location');
  });

  it('creates, retrieves, lists with filters, updates (with aliases) and deletes', async () => {
    const t = await getTestContext();
    const code = unique('STORE-');
    const created = await t.api('POST', '/v1/locations', {
      code,
      name: 'Downtown Store',
      type: 'store',
      address: { line1: '1 Main St', city: 'Springfield', country: 'us' },
      metadata: { floor: 2 },
    });
    assert.equal(created.status, 201, created.raw);
    const loc = created.body;
    assert.match(loc.id, /^loc_/);
    assert.deepEqual(
      {
        code: loc.code,
        type: loc.type,
        active: loc.active,
        is_default: loc.is_default,
        version: loc.version,
        country: loc.address.country,
        metadata: loc.metadata,
      },
      { code, type: 'store', active: true, is_default: false, version: 1, country: 'US', metadata: { floor: 2 } },
    );
    assert.deepEqual((await t.api('GET', `/v1/locations/${loc.id}`)).body, loc);

    const byCode = await t.api('GET', `/v1/locations?code=${code}`);
    assert.deepEqual(
      byCode.body.data.map((l: any) => l.id),
      [loc.id],
    );
    const bySearch = await t.api('GET', `/v1/locations?search=${code.slice(-6).toLowerCase()}&type=store&active=true`);
    assert.deepEqual(
      bySearch.body.data.map((l: any) => l.id),
      [loc.id],
    );
    const inactive = await t.api('GET', `/v1/locations?code=${code}&active=false`);
    assert.equal(inactive.body.total_count, 0);

    const patched = await t.api('PATCH', `/v1/locations/${loc.id}`, {
      name: 'Uptown Store',
      metadata: { floor: null, zone: 'A' },
    });
    assert.equal(patched.status, 200, patched.raw);
    assert.equal(patched.body.name, 'Uptown Store');
    assert.equal(patched.body.version, 2);
    assert.deepEqual(patched.body.metadata, { zone: 'A' });
    const put = await t.api('PUT', `/v1/locations/${loc.id}`, { active: false }, { 'if-match': '2' });
    assert.equal(put.status, 200, put.raw);
    assert.equal(put.body.active, false);
    assert.equal(put.body.version, 3);
    assert.equal((await t.api('GET', `/v1/locations?code=${code}&active=false`)).body.total_count, 1);

    assertError(
      await t.api('DELETE', `/v1/locations/${loc.id}`, undefined, { 'if-match': '2' }),
      412,
      'precondition_failed',
    );
    const deleted = await t.api('DELETE', `/v1/locations/${loc.id}`, undefined, { 'if-match': '3' });
    assert.deepEqual(deleted.body, { id: loc.id, object: 'location', deleted: true });
    assertError(await t.api('GET', `/v1/locations/${loc.id}`), 404, 'not_found', 'not_found');
    assert.deepEqual(await eventsOf(t, loc.id), [
      'location.created',
      'location.updated',
      'location.updated',
      'location.deleted',
    ]);
  });

  it('refuses bad input, duplicate codes, unknown ids and stale versions', async () => {
    const t = await getTestContext();
    const bad = await t.api('POST', '/v1/locations', { code: 'has space', type: 'castle', colour: 'red' });
    assertError(bad, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(bad).sort(), ['code', 'colour', 'name', 'type']);

    const a = await newLocation(t);
    const b = await newLocation(t);
    const dup = await t.api('POST', '/v1/locations', { code: a.code, name: 'Again' });
    assertError(dup, 409, 'conflict', 'already_exists');
    assert.equal(dup.body.error.param, 'code');
    assertError(await t.api('PATCH', `/v1/locations/${b.id}`, { code: a.code }), 409, 'conflict', 'already_exists');
    assertError(await t.api('PATCH', '/v1/locations/loc_missing', { name: 'x' }), 404, 'not_found');
    assertError(
      await t.api('PATCH', `/v1/locations/${a.id}`, { name: 'x' }, { 'if-match': '7' }),
      412,
      'precondition_failed',
    );
    assert.equal((await t.api('GET', `/v1/locations/${a.id}`)).body.name, 'Test warehouse');
    assertError(await t.api('GET', '/v1/locations?colour=red'), 400, 'invalid_request_error', 'validation_error');
  });

  it('refuses to delete a location with stock, or with items, and deletes it once emptied of both', async () => {
    const t = await getTestContext();
    const loc = await newLocation(t);
    const stocked = await newItem(t, { location_id: loc.id, on_hand: 3 });
    const res = await t.api('DELETE', `/v1/locations/${loc.id}`);
    assertError(res, 409, 'conflict', 'location_has_stock');
    assert.deepEqual(res.body.error.details, { on_hand: 3, reserved: 0 });

    const other = await newLocation(t);
    const empty = await newItem(t, { location_id: other.id });
    assertError(await t.api('DELETE', `/v1/locations/${other.id}`), 409, 'conflict', 'location_in_use');
    assert.equal((await t.api('DELETE', `/v1/inventory_items/${empty.id}`)).status, 200);
    assert.equal((await t.api('DELETE', `/v1/locations/${other.id}`)).status, 200);
    assert.equal((await t.api('GET', `/v1/inventory_items/${stocked.id}`)).body.on_hand, 3);
  });

  it('requires the locations scopes, not the inventory ones', async () => {
    const t = await getTestContext();
    const inventoryOnly = authHeader(await t.keyWith(['inventory:write']));
    assertError(
      await t.api('GET', '/v1/locations', undefined, inventoryOnly),
      403,
      'permission_error',
      'missing_scope',
    );
    const readOnly = authHeader(await t.keyWith(['locations:read']));
    assert.equal((await t.api('GET', '/v1/locations', undefined, readOnly)).status, 200);
    assertError(
      await t.api('POST', '/v1/locations', { code: unique('X'), name: 'x' }, readOnly),
      403,
      'permission_error',
    );
  });
});

describe('inventory items', () => {
  it('creates an item at the default location with initial stock posted as a receipt', async () => {
    const t = await getTestContext();
    const def = await defaultLocation(t);
    const sku = unique('SKU-');
    const res = await t.api('POST', '/v1/inventory_items', {
      sku,
      description: 'Blue mug',
      on_hand: 12,
      reorder_point: 4,
      unit_cost: 350,
      lot_tracked: true,
      metadata: { color: 'blue' },
    });
    assert.equal(res.status, 201, res.raw);
    const item = res.body;
    assert.match(item.id, /^inv_/);
    assert.deepEqual(
      {
        sku: item.sku,
        location_id: item.location_id,
        uom: item.uom,
        on_hand: item.on_hand,
        reserved: item.reserved,
        available: item.available,
        incoming: item.incoming,
        unit_cost: item.unit_cost,
        lot_tracked: item.lot_tracked,
        serial_tracked: item.serial_tracked,
        version: item.version,
      },
      {
        sku,
        location_id: def.id,
        uom: 'each',
        on_hand: 12,
        reserved: 0,
        available: 12,
        incoming: 0,
        unit_cost: 350,
        lot_tracked: true,
        serial_tracked: false,
        version: 1,
      },
    );
    const movements = await t.api('GET', `/v1/inventory_items/${item.id}/movements`);
    assert.equal(movements.status, 200);
    assert.equal(movements.body.total_count, 1);
    assert.deepEqual(
      { quantity: movements.body.data[0].quantity, reason: movements.body.data[0].reason },
      { quantity: 12, reason: 'receipt' },
    );
    const row = await itemRow(t, item.id);
    assert.equal(Number(row.on_hand), 12);
    assert.deepEqual(await eventsOf(t, item.id), ['inventory_item.created']);
    assert.deepEqual((await t.api('GET', `/v1/inventory_items/${item.id}`)).body, item);
  });

  it('refuses duplicates, bad input and unknown locations', async () => {
    const t = await getTestContext();
    const item = await newItem(t);
    const dup = await t.api('POST', '/v1/inventory_items', { sku: item.sku });
    assertError(dup, 409, 'conflict', 'already_exists');
    // Same SKU at another location is another item.
    const loc = await newLocation(t);
    assert.equal((await t.api('POST', '/v1/inventory_items', { sku: item.sku, location_id: loc.id })).status, 201);

    const bad = await t.api('POST', '/v1/inventory_items', {
      sku: '',
      on_hand: -1,
      reorder_point: 1.5,
      unit_cost: 'ten',
      reserved: 3,
    });
    assertError(bad, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(bad).sort(), ['on_hand', 'reorder_point', 'reserved', 'sku', 'unit_cost']);

    const missing = await t.api('POST', '/v1/inventory_items', { sku: unique('SKU-'), location_id: 'loc_nope' });
    assertError(missing, 404, 'not_found');
    assert.equal(missing.body.error.param, 'location_id');
    const retired = await newLocation(t, { active: false });
    assertError(
      await t.api('POST', '/v1/inventory_items', { sku: unique('SKU-'), location_id: retired.id }),
      409,
      'conflict',
      'location_inactive',
    );
    assertError(await t.api('GET', '/v1/inventory_items/inv_nope'), 404, 'not_found');
  });

  it('updates descriptive fields but never quantities, and honours If-Match', async () => {
    const t = await getTestContext();
    const item = await newItem(t, { on_hand: 5 });
    const res = await t.api('PATCH', `/v1/inventory_items/${item.id}`, { on_hand: 50, reserved: 0, description: 'ok' });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(res).sort(), ['on_hand', 'reserved']);
    assert.match(res.body.error.message, /adjust/);
    assertError(
      await t.api('PATCH', `/v1/inventory_items/${item.id}`, { location_id: 'loc_x' }),
      400,
      'invalid_request_error',
      'validation_error',
    );
    assert.equal(Number((await itemRow(t, item.id)).on_hand), 5);

    const patched = await t.api(
      'PATCH',
      `/v1/inventory_items/${item.id}`,
      { description: 'Red Mug', reorder_point: 2 },
      { 'if-match': String(item.version) },
    );
    assert.equal(patched.status, 200, patched.raw);
    assert.equal(patched.body.description, 'Red Mug');
    assert.equal(patched.body.version, item.version + 1);
    assert.equal(patched.body.on_hand, 5);
    const post = await t.api('POST', `/v1/inventory_items/${item.id}`, { uom: 'box' });
    assert.equal(post.body.uom, 'box');
    assertError(
      await t.api('PATCH', `/v1/inventory_items/${item.id}`, { uom: 'case' }, { 'if-match': String(item.version) }),
      412,
      'precondition_failed',
    );
    assertError(await t.api('PATCH', '/v1/inventory_items/inv_nope', { uom: 'case' }), 404, 'not_found');
    // The description is searchable after the update.
    const found = await t.api('GET', `/v1/inventory_items?search=red%20mug&sku=${item.sku}`);
    assert.deepEqual(
      found.body.data.map((i: any) => i.id),
      [item.id],
    );
    // A stock change bumps the version too, so an If-Match taken before it fails.
    const current = post.body.version;
    await t.api('POST', `/v1/inventory_items/${item.id}/adjust`, { quantity_change: 1, reason: 'found' });
    assertError(
      await t.api('PATCH', `/v1/inventory_items/${item.id}`, { uom: 'case' }, { 'if-match': String(current) }),
      412,
      'precondition_failed',
    );

    // The 50-key metadata limit holds for what the item ends up with, not only for one request.
    const keys = (from: number) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${from + i}`, i]));
    assert.equal((await t.api('PATCH', `/v1/inventory_items/${item.id}`, { metadata: keys(0) })).status, 200);
    const over = await t.api('PATCH', `/v1/inventory_items/${item.id}`, { metadata: keys(30) });
    assertError(over, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(over), ['metadata']);
    assert.equal(Object.keys(JSON.parse((await itemRow(t, item.id)).metadata)).length, 30);
  });

  it('lists with sku, sku_in, location_id, low_stock, search and sort', async () => {
    const t = await getTestContext();
    const loc = await newLocation(t);
    const tag = unique('lst').toLowerCase();
    const low = await newItem(t, { sku: `${tag}-a`, location_id: loc.id, on_hand: 2, reorder_point: 5 });
    const ok = await newItem(t, { sku: `${tag}-b`, location_id: loc.id, on_hand: 20, reorder_point: 5 });
    const edge = await newItem(t, { sku: `${tag}-c`, location_id: loc.id, on_hand: 5, reorder_point: 5 });

    const ids = async (query: string) =>
      (await t.api('GET', `/v1/inventory_items?location_id=${loc.id}&${query}`)).body.data.map((i: any) => i.id);
    assert.deepEqual(await ids('low_stock=true&sort=sku'), [low.id, edge.id]);
    assert.deepEqual(await ids('low_stock=false'), [ok.id]);
    assert.deepEqual(await ids(`sku=${ok.sku}`), [ok.id]);
    assert.deepEqual(await ids(`sku_in=${low.sku},${ok.sku}&sort=-sku`), [ok.id, low.id]);
    assert.deepEqual(await ids(`search=${tag}&sort=-on_hand`), [ok.id, edge.id, low.id]);
    assert.deepEqual(await ids('on_hand_gte=5&sort=on_hand'), [edge.id, ok.id]);
    // Reserving lowers available, which is what low_stock looks at.
    await t.api('POST', `/v1/inventory_items/${ok.id}/reserve`, {
      quantity: 16,
      reference: { type: 'quote', id: 'q1' },
    });
    assert.deepEqual(await ids('low_stock=true&sort=sku'), [low.id, ok.id, edge.id]);
    const page = await t.api('GET', `/v1/inventory_items?location_id=${loc.id}&limit=2&sort=sku`);
    assert.deepEqual(
      { n: page.body.data.length, more: page.body.has_more, total: page.body.total_count },
      { n: 2, more: true, total: 3 },
    );
    assertError(
      await t.api('GET', '/v1/inventory_items?low_stock=yes'),
      400,
      'invalid_request_error',
      'validation_error',
    );
    assertError(
      await t.api('GET', '/v1/inventory_items?warehouse=1'),
      400,
      'invalid_request_error',
      'validation_error',
    );
  });

  it('deletes only items with no stock and no ledger history', async () => {
    const t = await getTestContext();
    const stocked = await newItem(t, { on_hand: 4 });
    assertError(
      await t.api('DELETE', `/v1/inventory_items/${stocked.id}`),
      409,
      'conflict',
      'inventory_item_has_stock',
    );
    const reservedOnly = await newItem(t, { on_hand: 1 });
    await t.api('POST', `/v1/inventory_items/${reservedOnly.id}/reserve`, {
      quantity: 1,
      reference: { type: 'cart', id: 'c1' },
    });
    assertError(
      await t.api('DELETE', `/v1/inventory_items/${reservedOnly.id}`),
      409,
      'conflict',
      'inventory_item_has_stock',
    );

    const adjusted = await t.api('POST', `/v1/inventory_items/${stocked.id}/adjust`, {
      quantity_change: -4,
      reason: 'damaged',
    });
    assert.equal(adjusted.body.on_hand, 0);
    assertError(
      await t.api('DELETE', `/v1/inventory_items/${stocked.id}`),
      409,
      'conflict',
      'inventory_item_has_history',
    );

    const fresh = await newItem(t);
    assertError(
      await t.api('DELETE', `/v1/inventory_items/${fresh.id}`, undefined, { 'if-match': '9' }),
      412,
      'precondition_failed',
    );
    const del = await t.api('DELETE', `/v1/inventory_items/${fresh.id}`, undefined, { 'if-match': '1' });
    assert.deepEqual(del.body, { id: fresh.id, object: 'inventory_item', deleted: true });
    assertError(await t.api('GET', `/v1/inventory_items/${fresh.id}`), 404, 'not_found');
    assertError(await t.api('DELETE', `/v1/inventory_items/${fresh.id}`), 404, 'not_found');
    assert.deepEqual(await eventsOf(t, fresh.id), ['inventory_item.created', 'inventory_item.deleted']);
  });

  it('adjusts on_hand through the ledger, never below what is reserved', async () => {
    const t = await getTestContext();
    const item = await newItem(t, { on_hand: 10, reorder_point: 3 });
    const up = await t.api('POST', `/v1/inventory_items/${item.id}/adjust`, {
      quantity_change: 5,
      reason: 'recount',
      reference_number: 'ADJ-7',
      unit_cost: 120,
    });
    assert.equal(up.status, 200, up.raw);
    assert.deepEqual(
      { on_hand: up.body.on_hand, available: up.body.available, object: up.body.object },
      { on_hand: 15, available: 15, object: 'inventory_item' },
    );

    await t.api('POST', `/v1/inventory_items/${item.id}/reserve`, {
      quantity: 6,
      reference: { type: 'quote', id: 'q-1' },
    });
    const tooMuch = await t.api('POST', `/v1/inventory_items/${item.id}/adjust`, {
      quantity_change: -10,
      reason: 'damaged',
    });
    assertError(tooMuch, 409, 'conflict', 'insufficient_inventory');
    assert.deepEqual(tooMuch.body.error.details.shortages[0], {
      sku: item.sku,
      location_id: item.location_id,
      inventory_item_id: item.id,
      requested: 10,
      available: 9,
      shortfall: 1,
    });
    const row = await itemRow(t, item.id);
    assert.deepEqual([Number(row.on_hand), Number(row.reserved)], [15, 6]);

    const zero = await t.api('POST', `/v1/inventory_items/${item.id}/adjust`, { quantity_change: 0, reason: 'x' });
    assertError(zero, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(zero), ['quantity_change']);
    assert.deepEqual(
      detailPaths(await t.api('POST', `/v1/inventory_items/${item.id}/adjust`, { quantity_change: 2 })),
      ['reason'],
    );
    assertError(
      await t.api('POST', '/v1/inventory_items/inv_nope/adjust', { quantity_change: 1, reason: 'x' }),
      404,
      'not_found',
    );
    assertError(
      await t.api(
        'POST',
        `/v1/inventory_items/${item.id}/adjust`,
        { quantity_change: 1, reason: 'x' },
        { 'if-match': '1' },
      ),
      412,
      'precondition_failed',
    );

    const movements = await t.api('GET', `/v1/inventory_items/${item.id}/movements?reason=adjustment`);
    assert.equal(movements.body.total_count, 1);
    assert.deepEqual(
      {
        q: movements.body.data[0].quantity,
        note: movements.body.data[0].note,
        ref: movements.body.data[0].reference,
        cost: movements.body.data[0].unit_cost,
      },
      { q: 5, note: 'recount', ref: { type: 'adjustment', id: 'ADJ-7', line_id: null }, cost: 120 },
    );
    const timeline = await t.api('GET', `/v1/inventory_items/${item.id}/events?type=inventory_item.adjusted`);
    assert.equal(timeline.status, 200, timeline.raw);
    assert.equal(timeline.body.data.length, 1);
    assert.deepEqual(timeline.body.data[0].data.previous_attributes, { on_hand: 10, available: 10 });
  });

  it('emits low_stock and out_of_stock once, when an adjustment crosses the threshold', async () => {
    const t = await getTestContext();
    const item = await newItem(t, { on_hand: 10, reorder_point: 4 });
    const adjust = (q: number) =>
      t.api('POST', `/v1/inventory_items/${item.id}/adjust`, { quantity_change: q, reason: 'test' });
    await adjust(-5); // 5: above the reorder point
    await adjust(-2); // 3: crosses it
    await adjust(-1); // 2: already below, no new event
    await adjust(-2); // 0: out of stock
    await adjust(3); // 3: increases emit nothing
    const types = (await eventsOf(t, item.id)).filter((e) => e.endsWith('_stock'));
    assert.deepEqual(types, ['inventory_item.low_stock', 'inventory_item.out_of_stock']);
  });

  it('summarises one SKU across locations, counting stock in transit separately', async () => {
    const t = await getTestContext();
    const sku = unique('SUM-');
    const a = await newItem(t, { sku, on_hand: 10 });
    const east = await newLocation(t);
    const b = await newItem(t, { sku, location_id: east.id, on_hand: 4 });
    await t.api('POST', `/v1/inventory_items/${b.id}/reserve`, { quantity: 3, reference: { type: 'quote', id: 'q' } });
    const west = await newLocation(t);
    const moved = await t.api('POST', `/v1/inventory_items/${a.id}/transfer`, { to_location_id: west.id, quantity: 6 });
    assert.equal(moved.status, 200, moved.raw);

    const res = await t.api('GET', `/v1/inventory?sku=${sku}`);
    assert.equal(res.status, 200, res.raw);
    const s = res.body;
    assert.deepEqual(
      {
        object: s.object,
        on_hand: s.on_hand,
        reserved: s.reserved,
        available: s.available,
        in_transit: s.in_transit,
        rows: s.locations.length,
      },
      { object: 'inventory_summary', on_hand: 8, reserved: 3, available: 5, in_transit: 6, rows: 3 },
    );
    const byLocation = Object.fromEntries(
      s.locations.map((l: any) => [l.location_id, [l.on_hand, l.reserved, l.available]]),
    );
    assert.deepEqual(byLocation, { [a.location_id]: [4, 0, 4], [east.id]: [4, 3, 1], [west.id]: [0, 0, 0] });
    assert.equal(s.locations[0].location_code, 'DEFAULT');

    const none = await t.api('GET', `/v1/inventory?sku=${unique('NONE-')}`);
    assert.deepEqual({ on_hand: none.body.on_hand, locations: none.body.locations }, { on_hand: 0, locations: [] });
    assertError(await t.api('GET', '/v1/inventory'), 400, 'invalid_request_error', 'validation_error');
  });
});

describe('transfers', () => {
  it('ships now, receives later (once), creating the destination item and conserving stock', async () => {
    const t = await getTestContext();
    const sku = unique('TRF-');
    const item = await newItem(t, { sku, on_hand: 20, description: 'Lamp', uom: 'box' });
    const dest = await newLocation(t);
    const total = async () => {
      const s = (await t.api('GET', `/v1/inventory?sku=${sku}`)).body;
      return s.on_hand + s.in_transit;
    };

    const res = await t.api('POST', `/v1/inventory_items/${item.id}/transfer`, {
      to_location_id: dest.id,
      quantity: 7,
      reason: 'rebalance',
    });
    assert.equal(res.status, 200, res.raw);
    const trf = res.body.transfer;
    assert.match(trf.id, /^trf_/);
    assert.deepEqual(
      {
        on_hand: res.body.on_hand,
        status: trf.status,
        quantity: trf.quantity,
        from: trf.from_location_id,
        to: trf.to_location_id,
        received_at: trf.received_at,
      },
      { on_hand: 13, status: 'in_transit', quantity: 7, from: item.location_id, to: dest.id, received_at: null },
    );
    const destItem = (await t.api('GET', `/v1/inventory_items/${trf.to_item_id}`)).body;
    assert.deepEqual(
      {
        sku: destItem.sku,
        loc: destItem.location_id,
        on_hand: destItem.on_hand,
        uom: destItem.uom,
        description: destItem.description,
      },
      { sku, loc: dest.id, on_hand: 0, uom: 'box', description: 'Lamp' },
    );
    assert.equal(await total(), 20);

    assert.deepEqual((await t.api('GET', `/v1/transfers/${trf.id}`)).body, trf);
    const listed = await t.api('GET', `/v1/transfers?sku=${sku}&status=in_transit`);
    assert.deepEqual(
      listed.body.data.map((x: any) => x.id),
      [trf.id],
    );
    assert.deepEqual(
      (await t.api('GET', `/v1/transfers?inventory_item_id=${destItem.id}`)).body.data.map((x: any) => x.id),
      [trf.id],
    );

    assertError(
      await t.api('POST', `/v1/transfers/${trf.id}/receive`, undefined, { 'if-match': '5' }),
      412,
      'precondition_failed',
    );
    const received = await t.api('POST', `/v1/transfers/${trf.id}/receive`);
    assert.equal(received.status, 200, received.raw);
    assert.equal(received.body.status, 'received');
    assert.equal(received.body.version, 2);
    assert.ok(received.body.received_at);
    assert.equal((await t.api('GET', `/v1/inventory_items/${destItem.id}`)).body.on_hand, 7);
    assert.equal(await total(), 20);

    const again = await t.api('POST', `/v1/transfers/${trf.id}/receive`);
    assertError(again, 409, 'conflict', 'invalid_transition');
    assert.match(again.body.error.message, /received/);
    assert.equal((await t.api('GET', `/v1/inventory_items/${destItem.id}`)).body.on_hand, 7);

    const outs = (await t.api('GET', `/v1/inventory_items/${item.id}/movements?reason=transfer_out`)).body.data;
    const ins = (await t.api('GET', `/v1/inventory_items/${destItem.id}/movements?reason=transfer_in`)).body.data;
    assert.deepEqual(
      [outs.map((m: any) => [m.quantity, m.reference.id]), ins.map((m: any) => [m.quantity, m.reference.id])],
      [[[-7, trf.id]], [[7, trf.id]]],
    );
    assert.deepEqual(await eventsOf(t, trf.id), ['transfer.created', 'transfer.received']);
    assert.deepEqual((await eventsOf(t, destItem.id))[0], 'inventory_item.created');
    assert.ok((await eventsOf(t, item.id)).includes('inventory_item.transferred'));
    assertError(await t.api('POST', '/v1/transfers/trf_nope/receive'), 404, 'not_found');
    assertError(await t.api('GET', '/v1/transfers/trf_nope'), 404, 'not_found');
  });

  it('receives at once with receive_now, into an existing destination item', async () => {
    const t = await getTestContext();
    const sku = unique('TRN-');
    const dest = await newLocation(t);
    const from = await newItem(t, { sku, on_hand: 9 });
    const to = await newItem(t, { sku, location_id: dest.id, on_hand: 1 });
    const res = await t.api('POST', `/v1/inventory_items/${from.id}/transfer`, {
      to_location_id: dest.id,
      quantity: 9,
      receive_now: true,
    });
    assert.equal(res.status, 200, res.raw);
    assert.deepEqual(
      { status: res.body.transfer.status, to_item: res.body.transfer.to_item_id, on_hand: res.body.on_hand },
      { status: 'received', to_item: to.id, on_hand: 0 },
    );
    assert.equal((await t.api('GET', `/v1/inventory_items/${to.id}`)).body.on_hand, 10);
    const s = (await t.api('GET', `/v1/inventory?sku=${sku}`)).body;
    assert.deepEqual([s.on_hand, s.in_transit], [10, 0]);
    // Shipping out everything crossed zero.
    assert.ok((await eventsOf(t, from.id)).includes('inventory_item.out_of_stock'));
  });

  it('runs opposite receive_now transfers concurrently without deadlock, conserving stock', async () => {
    const t = await getTestContext();
    const sku = unique('OPP-');
    const east = await newLocation(t);
    const a = await newItem(t, { sku, on_hand: 50 });
    const b = await newItem(t, { sku, location_id: east.id, on_hand: 50 });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2
          ? t.api('POST', `/v1/inventory_items/${a.id}/transfer`, {
              to_location_id: east.id,
              quantity: 1,
              receive_now: true,
            })
          : t.api('POST', `/v1/inventory_items/${b.id}/transfer`, {
              to_location_id: a.location_id,
              quantity: 2,
              receive_now: true,
            }),
      ),
    );
    assert.deepEqual(
      results.filter((r) => r.status !== 200).map((r) => r.raw),
      [],
    );
    const s = (await t.api('GET', `/v1/inventory?sku=${sku}`)).body;
    assert.deepEqual([s.on_hand, s.in_transit, s.locations.map((l: any) => l.on_hand)], [100, 0, [70, 30]]);
  });

  it('refuses transfers beyond available, to the same or an unknown location, with nothing written', async () => {
    const t = await getTestContext();
    const item = await newItem(t, { on_hand: 5 });
    await t.api('POST', `/v1/inventory_items/${item.id}/reserve`, {
      quantity: 2,
      reference: { type: 'quote', id: 'q' },
    });
    const dest = await newLocation(t);
    const short = await t.api('POST', `/v1/inventory_items/${item.id}/transfer`, {
      to_location_id: dest.id,
      quantity: 4,
    });
    assertError(short, 409, 'conflict', 'insufficient_inventory');
    assert.equal(short.body.error.details.shortages[0].shortfall, 1);
    const transfers = await t.db.selectFrom('transfers').select('id').where('from_item_id', '=', item.id).execute();
    assert.equal(transfers.length, 0);
    // The destination item it would have created was rolled back too.
    const destItems = await t.db
      .selectFrom('inventory_items')
      .select('id')
      .where('location_id', '=', dest.id)
      .execute();
    assert.equal(destItems.length, 0);

    const same = await t.api('POST', `/v1/inventory_items/${item.id}/transfer`, {
      to_location_id: item.location_id,
      quantity: 1,
    });
    assertError(same, 400, 'invalid_request_error', 'validation_error');
    assert.equal(same.body.error.param, 'to_location_id');
    const unknown = await t.api('POST', `/v1/inventory_items/${item.id}/transfer`, {
      to_location_id: 'loc_nope',
      quantity: 1,
    });
    assertError(unknown, 404, 'not_found');
    assert.equal(unknown.body.error.param, 'to_location_id');
    assert.deepEqual(
      detailPaths(
        await t.api('POST', `/v1/inventory_items/${item.id}/transfer`, {
          to_location_id: dest.id,
          quantity: 0,
          extra: 1,
        }),
      ).sort(),
      ['extra', 'quantity'],
    );
    assert.equal(Number((await itemRow(t, item.id)).on_hand), 5);
  });
});

describe('reservations', () => {
  it('reserves and releases (wholly or partly) through the item routes', async () => {
    const t = await getTestContext();
    const item = await newItem(t, { on_hand: 10 });
    const res = await t.api('POST', `/v1/inventory_items/${item.id}/reserve`, {
      quantity: 4,
      reference: { type: 'quote', id: 'Q-1', line_id: 'L-1' },
    });
    assert.equal(res.status, 200, res.raw);
    const rsv = res.body.reservation;
    assert.match(rsv.id, /^rsv_/);
    assert.deepEqual(
      { reserved: res.body.reserved, available: res.body.available, status: rsv.status, ref: rsv.reference },
      { reserved: 4, available: 6, status: 'active', ref: { type: 'quote', id: 'Q-1', line_id: 'L-1' } },
    );

    const partial = await t.api('POST', `/v1/inventory_items/${item.id}/release`, {
      reservation_id: rsv.id,
      quantity: 1,
    });
    assert.equal(partial.status, 200, partial.raw);
    assert.deepEqual(
      {
        reserved: partial.body.reserved,
        left: partial.body.reservation.quantity,
        status: partial.body.reservation.status,
      },
      { reserved: 3, left: 3, status: 'active' },
    );
    assertError(
      await t.api('POST', `/v1/inventory_items/${item.id}/release`, { reservation_id: rsv.id, quantity: 5 }),
      409,
      'conflict',
      'reservation_not_active',
    );
    const all = await t.api('POST', `/v1/inventory_items/${item.id}/release`, { reservation_id: rsv.id });
    assert.deepEqual(
      { reserved: all.body.reserved, available: all.body.available, status: all.body.reservation.status },
      { reserved: 0, available: 10, status: 'released' },
    );
    assertError(
      await t.api('POST', `/v1/inventory_items/${item.id}/release`, { reservation_id: rsv.id }),
      409,
      'conflict',
      'reservation_not_active',
    );

    const active = await t.api('GET', `/v1/inventory_items/${item.id}/reservations?status=active`);
    assert.equal(active.body.total_count, 0);
    const released = await t.api('GET', `/v1/inventory_items/${item.id}/reservations?status=released`);
    assert.deepEqual(released.body.data.map((r: any) => r.quantity).sort(), [1, 3]);

    const other = await newItem(t, { on_hand: 1 });
    const foreign = await t.api('POST', `/v1/inventory_items/${other.id}/reserve`, {
      quantity: 1,
      reference: { type: 'quote', id: 'Q-2' },
    });
    const wrongItem = await t.api('POST', `/v1/inventory_items/${item.id}/release`, {
      reservation_id: foreign.body.reservation.id,
    });
    assertError(wrongItem, 404, 'not_found');
    assert.equal(wrongItem.body.error.param, 'reservation_id');
    assert.deepEqual(
      detailPaths(
        await t.api('POST', `/v1/inventory_items/${item.id}/reserve`, { quantity: -1, reference: { type: 'quote' } }),
      ).sort(),
      ['quantity', 'reference.id'],
    );
    assertError(
      await t.api('POST', '/v1/inventory_items/inv_nope/reserve', { quantity: 1, reference: { type: 'q', id: 'x' } }),
      404,
      'not_found',
    );
    const types = await eventsOf(t, item.id);
    assert.deepEqual(
      types.filter((e) => e === 'inventory_item.reserved' || e === 'inventory_item.released'),
      ['inventory_item.reserved', 'inventory_item.released', 'inventory_item.released'],
    );
  });

  it('leaves reservations of documents (orders...) to those documents', async () => {
    const t = await getTestContext();
    const item = await newItem(t, { on_hand: 5 });
    const asOrder = await t.api('POST', `/v1/inventory_items/${item.id}/reserve`, {
      quantity: 1,
      reference: { type: 'order', id: 'ord_x' },
    });
    assertError(asOrder, 400, 'invalid_request_error', 'validation_error');
    assert.equal(asOrder.body.error.param, 'reference.type');
    // A reservation an order made (written here through the ledger, as the order service does).
    const [held] = await t.db
      .transaction()
      .execute((trx) =>
        reserveStock(trx, { requestId: 'test' }, [
          { itemId: item.id, quantity: 2, reference: { type: 'order', id: 'ord_y', line_id: 'oli_y' } },
        ]),
      );
    const release = await t.api('POST', `/v1/inventory_items/${item.id}/release`, { reservation_id: held.id });
    assertError(release, 409, 'conflict', 'reservation_held_by_document');
    assert.equal(Number((await itemRow(t, item.id)).reserved), 2);
    await t.db.transaction().execute((trx) => releaseReservation(trx, { requestId: 'test' }, held.id));
  });

  it('lets exactly 10 of 50 concurrent one-unit reservations through against 10 available', async () => {
    const t = await getTestContext();
    const item = await newItem(t, { on_hand: 10 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.api('POST', `/v1/inventory_items/${item.id}/reserve`, {
          quantity: 1,
          reference: { type: 'cart', id: `cart-${i}` },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 409);
    assert.equal(ok.length, 10);
    assert.equal(refused.length, 40);
    for (const r of refused) {
      assert.equal(r.body.error.code, 'insufficient_inventory');
      assert.deepEqual(r.body.error.details.shortages, [
        {
          sku: item.sku,
          location_id: item.location_id,
          inventory_item_id: item.id,
          requested: 1,
          available: 0,
          shortfall: 1,
        },
      ]);
      assert.match(r.body.error.message, new RegExp(item.sku));
    }
    const row = await itemRow(t, item.id);
    assert.deepEqual([Number(row.on_hand), Number(row.reserved)], [10, 10]);
    const active = await t.db
      .selectFrom('inventory_reservations')
      .select('id')
      .where('inventory_item_id', '=', item.id)
      .where('status', '=', 'active')
      .execute();
    assert.equal(active.length, 10);
    assert.equal(new Set(ok.map((r) => r.body.reservation.id)).size, 10);
  });

  it('keeps available >= 0 and the ledger consistent under concurrent adjusts and reserves', async () => {
    const t = await getTestContext();
    const item = await newItem(t, { on_hand: 20 });
    const calls = [
      ...Array.from(
        { length: 30 },
        (_, i) => () =>
          t.api('POST', `/v1/inventory_items/${item.id}/reserve`, {
            quantity: 1,
            reference: { type: 'cart', id: `c${i}` },
          }),
      ),
      ...Array.from(
        { length: 20 },
        () => () => t.api('POST', `/v1/inventory_items/${item.id}/adjust`, { quantity_change: -1, reason: 'shrink' }),
      ),
      ...Array.from(
        { length: 10 },
        () => () => t.api('POST', `/v1/inventory_items/${item.id}/adjust`, { quantity_change: 1, reason: 'found' }),
      ),
    ];
    // Interleave the kinds of call.
    const shuffled = calls
      .map((c, i) => [(i * 7919) % calls.length, c] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, c]) => c);
    const results = await Promise.all(shuffled.map((c) => c()));
    for (const r of results) {
      assert.ok(r.status === 200 || (r.status === 409 && r.body.error.code === 'insufficient_inventory'), r.raw);
    }
    const row = await itemRow(t, item.id);
    const onHand = Number(row.on_hand);
    const reserved = Number(row.reserved);
    assert.ok(reserved >= 0 && onHand - reserved >= 0, `on_hand ${onHand}, reserved ${reserved}`);
    const okReserves = results.filter((r) => r.status === 200 && r.body.reservation).length;
    assert.equal(reserved, okReserves);
    const movements = await t.db
      .selectFrom('inventory_movements')
      .select('quantity')
      .where('inventory_item_id', '=', item.id)
      .execute();
    assert.equal(
      movements.reduce((n, m) => n + Number(m.quantity), 0),
      onHand,
    );
    const report = await verifyInventory(t.db);
    assert.deepEqual(
      report.drifts.filter((d) => d.inventory_item_id === item.id),
      [],
    );
  });

  it('a multi-SKU reservation that fails on its last SKU leaves no trace', async () => {
    const t = await getTestContext();
    const items = [
      await newItem(t, { on_hand: 5 }),
      await newItem(t, { on_hand: 5 }),
      await newItem(t, { on_hand: 2 }),
    ];
    const snapshot = async () =>
      Promise.all(
        items.map(async (i) => {
          const r = await itemRow(t, i.id);
          return [Number(r.on_hand), Number(r.reserved), r.version];
        }),
      );
    const before = await snapshot();
    const eventsBefore = await Promise.all(items.map((i) => eventsOf(t, i.id)));
    const reference = { type: 'bundle', id: unique('B-') };
    await assert.rejects(
      t.db.transaction().execute((trx) =>
        reserveStock(trx, ctx, [
          { itemId: items[0].id, quantity: 5, reference }, // takes it to zero (would emit out_of_stock)
          { itemId: items[1].id, quantity: 3, reference },
          { itemId: items[2].id, quantity: 3, reference },
        ]),
      ),
      (err: unknown) => {
        assert.ok(err instanceof InsufficientInventoryError);
        assert.deepEqual(
          err.shortages.map((s) => [s.sku, s.requested, s.available, s.shortfall]),
          [[items[2].sku, 3, 2, 1]],
        );
        return true;
      },
    );
    assert.deepEqual(await snapshot(), before);
    const rows = await t.db
      .selectFrom('inventory_reservations')
      .select('id')
      .where('reference_id', '=', reference.id)
      .execute();
    assert.equal(rows.length, 0);
    assert.deepEqual(await Promise.all(items.map((i) => eventsOf(t, i.id))), eventsBefore);
  });
});

/** `opsline verify` as a child process on the test database. */
function verifyCommand(databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'verify'],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
        timeout: 30_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('ledger', () => {
  // Needs two transactions interleaved on two connections; SQLite runs one writer at a time.
  it(
    'moveReservation does not revive a reservation released while it was moving',
    { skip: dialect !== 'postgres' && 'PostgreSQL only' },
    async () => {
      const t = await getTestContext();
      const item = await newItem(t, { on_hand: 5 });
      const held = await t.api('POST', `/v1/inventory_items/${item.id}/reserve`, {
        quantity: 3,
        reference: { type: 'quote', id: unique('q_') },
      });
      const rsvId = held.body.reservation.id;

      const releasing = await t.db.startTransaction().execute();
      await releaseReservation(releasing, ctx, rsvId);
      // The move reads the reservation as still active, then waits on the release's row lock.
      const moving = t.db
        .transaction()
        .execute((trx) => moveReservation(trx, rsvId, { type: 'order', id: unique('ord_') }, 1))
        .then(
          () => null,
          (err: unknown) => err,
        );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await releasing.commit().execute();
      const outcome = await moving;
      assert.ok(outcome instanceof ConflictError && outcome.code === 'reservation_not_active', String(outcome));

      const row = await itemRow(t, item.id);
      const active = await t.db
        .selectFrom('inventory_reservations')
        .select('quantity')
        .where('inventory_item_id', '=', item.id)
        .where('status', '=', 'active')
        .execute();
      assert.deepEqual([Number(row.reserved), active.length], [0, 0]);
    },
  );
});

describe('opsline verify', () => {
  it('passes on the test database and reports a corrupted row until it is restored', async () => {
    const t = await getTestContext();
    const clean = await verifyInventory(t.db);
    assert.deepEqual(clean.drifts, []);
    assert.equal(clean.ok, true);
    const count = await t.db
      .selectFrom('inventory_items')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(clean.items_checked, Number(count.n));
    assert.ok(clean.items_checked > 10);

    const item = await newItem(t, { on_hand: 7 });
    await sql`UPDATE inventory_items SET on_hand = on_hand + 5 WHERE id = ${item.id}`.execute(t.db);
    try {
      const report = await verifyInventory(t.db);
      assert.equal(report.ok, false);
      assert.equal(report.drifts.length, 1);
      const d = report.drifts[0];
      assert.deepEqual(
        {
          id: d.inventory_item_id,
          sku: d.sku,
          on_hand: d.on_hand,
          expected: d.expected_on_hand,
          reserved: d.reserved,
          expected_reserved: d.expected_reserved,
        },
        { id: item.id, sku: item.sku, on_hand: 12, expected: 7, reserved: 0, expected_reserved: 0 },
      );
      assert.match(d.problems.join(), /on_hand is 12 but its movements sum to 7/);
      // The command prints the same report and exits non-zero.
      const run = await verifyCommand(t.databaseUrl);
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(
          `^Checked ${report.items_checked} inventory item\\(s\\) in \\d+ ms: 1 item\\(s\\) drifted:\n  ${item.id} ${item.sku} at ${item.location_id}: on_hand 12 \\(expected 7\\), reserved 0 \\(expected 0\\)`,
        ),
      );
    } finally {
      await sql`UPDATE inventory_items SET on_hand = on_hand - 5 WHERE id = ${item.id}`.execute(t.db);
    }
    // A reservation row the cached total does not know of is caught as well.
    await sql`UPDATE inventory_items SET reserved = reserved + 2 WHERE id = ${item.id}`.execute(t.db);
    try {
      const report = await verifyInventory(t.db);
      assert.deepEqual(
        report.drifts.map((d) => [d.inventory_item_id, d.reserved, d.expected_reserved]),
        [[item.id, 2, 0]],
      );
    } finally {
      await sql`UPDATE inventory_items SET reserved = reserved - 2 WHERE id = ${item.id}`.execute(t.db);
    }
    assert.equal((await verifyInventory(t.db)).ok, true);
  });
});

describe('inventory in the OpenAPI document', () => {
  it('documents every inventory route with its request and error schemas', async () => {
    const t = await getTestContext();
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const expect: Array<[string, string, number[]]> = [
      ['/v1/locations', 'post', [201, 400, 409]],
      ['/v1/locations/{id}', 'delete', [200, 404, 409, 412]],
      ['/v1/inventory_items', 'get', [200, 400]],
      ['/v1/inventory_items/{id}', 'patch', [200, 400, 404, 412]],
      ['/v1/inventory_items/{id}/adjust', 'post', [200, 404, 409, 412]],
      ['/v1/inventory_items/{id}/transfer', 'post', [200, 404, 409]],
      ['/v1/inventory_items/{id}/reserve', 'post', [200, 409]],
      ['/v1/inventory_items/{id}/release', 'post', [200, 404, 409]],
      ['/v1/inventory_items/{id}/movements', 'get', [200, 404]],
      ['/v1/inventory_items/{id}/reservations', 'get', [200, 404]],
      ['/v1/inventory_items/{id}/events', 'get', [200, 404]],
      ['/v1/inventory', 'get', [200, 400]],
      ['/v1/transfers', 'get', [200]],
      ['/v1/transfers/{id}', 'get', [200, 404]],
      ['/v1/transfers/{id}/receive', 'post', [200, 404, 409]],
    ];
    for (const [path, method, statuses] of expect) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path} is missing from /openapi.json`);
      for (const s of statuses) assert.ok(op.responses[String(s)], `${method} ${path} lacks a ${s} response`);
      if (method === 'post' || method === 'patch')
        assert.ok(op.requestBody || path.endsWith('/receive'), `${method} ${path} lacks a request body`);
    }
    const adjust = doc.paths['/v1/inventory_items/{id}/adjust'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(adjust.required.sort(), ['quantity_change', 'reason']);
  });
});
