/**
 * /docs (issue 10, item 10): every request example in the OpenAPI document is run against the app
 * on a fresh database, in the order of a day's work, and must answer 2xx. Examples name
 * customers, orders, promotions and locations as they will be (cus_ada_lovelace, ORD-000001,
 * WELCOME10, WH-EAST) and an order's lines by SKU, and run exactly as prefilled; only ids the
 * server generates (inventory items, shipments, refunds, ...) are shown with a placeholder of the
 * right shape, replaced here by the id an earlier answer gave (GENERATED_ID_EXAMPLES).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { prepareDatabase } from '../src/bootstrap.js';
import type { DatabaseHandle } from '../src/db/connection.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import {
  BOM_NUMBER,
  GENERATED_ID_EXAMPLES,
  LOCATION_CODE,
  MANUFACTURE_ORDER_NUMBER,
  ORDER_NUMBER,
  WORK_ORDER_NUMBER,
  CYCLE_COUNT_NUMBER,
  PACKING_LIST_NUMBER,
  PO_NUMBER,
} from '../src/docs/examples.js';
import { defaultAppOptions, makeApi, type TestContext } from './helpers.js';

type Generated = keyof typeof GENERATED_ID_EXAMPLES;

let app: FastifyInstance;
let database: DatabaseHandle;
let drop: () => Promise<void>;
let api: TestContext['api'];
let doc: any;

before(async () => {
  const throwaway = await createThrowawayDatabase(process.env.DATABASE_URL ?? '', 'docs');
  drop = throwaway.drop;
  const prepared = await prepareDatabase({ databaseUrl: throwaway.url });
  database = prepared.database;
  app = await buildApp(database, defaultAppOptions);
  api = makeApi(app, prepared.report.generatedAdminKey!);
  doc = (await api('GET', '/openapi.json')).body;
});

after(async () => {
  await app?.close();
  await database?.close();
  await drop?.();
});

/** Ids the answers gave, standing in for the placeholders of the examples. */
const real: Partial<Record<Generated, string>> = {};
const executed = new Set<string>();

function substitute(value: unknown): unknown {
  if (typeof value === 'string') {
    const name = (Object.keys(GENERATED_ID_EXAMPLES) as Generated[]).find((k) => GENERATED_ID_EXAMPLES[k] === value);
    if (!name) return value;
    assert.ok(real[name], `no ${name} yet for the placeholder ${value}`);
    return real[name];
  }
  if (Array.isArray(value)) return value.map(substitute);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
  return value;
}

/**
 * Runs the operation as its examples fill it (path and query parameters, body) and expects 2xx.
 * `params` replaces a path parameter where this step needs another record than the example names.
 */
async function run(method: string, path: string, params: Record<string, string> = {}): Promise<any> {
  const operation = doc.paths[path]?.[method.toLowerCase()];
  assert.ok(operation, `${method} ${path} is not in the document`);
  const values: Record<string, string> = {};
  const query = new URLSearchParams();
  for (const p of operation.parameters ?? []) {
    if (p.in === 'path') {
      const value = params[p.name] ?? (p.example === undefined ? undefined : String(substitute(p.example)));
      assert.ok(value !== undefined, `${method} ${path}: no example for the path parameter ${p.name}`);
      values[p.name] = value;
    } else if (p.in === 'query' && p.example !== undefined) {
      query.set(p.name, String(p.example));
    } else if (p.in === 'query' && p.required) {
      assert.fail(`${method} ${path}: no example for the required query parameter ${p.name}`);
    }
  }
  const body = operation.requestBody?.content?.['application/json'];
  if (operation.requestBody?.required) assert.ok(body?.example !== undefined, `${method} ${path}: no request example`);
  const url =
    path.replace(/\{(\w+)\}/g, (_m, name) => encodeURIComponent(values[name])) + (query.size ? `?${query}` : '');
  const res = await api(method as any, url, body?.example === undefined ? undefined : substitute(body.example));
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${url} answered ${res.status}: ${res.raw}`);
  executed.add(`${method.toUpperCase()} ${path}`);
  return res.body;
}

/** PATCH and its PUT and POST aliases, each with the example. */
async function runUpdates(path: string, params: Record<string, string> = {}): Promise<void> {
  for (const method of ['PATCH', 'PUT', 'POST']) await run(method, path, params);
}

/** Another order like the example one (ORD-000001), for a step that needs a fresh order. */
async function anotherOrder(extra: Record<string, unknown> = {}): Promise<any> {
  const res = await api('POST', '/v1/orders', {
    ...doc.paths['/v1/orders'].post.requestBody.content['application/json'].example,
    ...extra,
  });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

describe('/docs', () => {
  it('is titled and branded Opsline and loads /openapi.json; / redirects to the console', async () => {
    const root = await app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, '/console');
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    assert.match(page.body, /<title>Opsline API<\/title>/);
    const init = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    assert.match(init.body, /"url":"\/openapi\.json","name":"Opsline API"/);
    assert.match(init.body, /data:image\/svg\+xml;base64,/, "the Opsline wordmark replaces Swagger's");
  });

  it('names every response and shows no safe-integer bounds', () => {
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('Default Response'), 'every response is named');
    assert.ok(!text.includes('9007199254740991'), 'no ±2^53-1 bounds for Swagger UI to show as sample values');
    const create = doc.paths['/v1/orders'].post.responses;
    assert.equal(create['201'].description, 'Created');
    assert.match(create['409'].description, /^Conflict/);
  });

  it('names order lines by SKU and locations by code: no made-up line or location id to replace', () => {
    const text = JSON.stringify(doc.paths);
    assert.doesNotMatch(text, /"(oli|loc)_/, 'no example shows an order line or location id');
    assert.equal(
      doc.paths['/v1/orders/{id}/split'].post.requestBody.content['application/json'].example.line_items[0].sku,
      'TEE-BLACK-M',
    );
    assert.equal(
      doc.paths['/v1/locations/{id}'].get.parameters.find((p: any) => p.name === 'id').example,
      LOCATION_CODE,
    );
  });

  it('runs every request example in the document and gets 2xx', async () => {
    await run('GET', '/health');
    await run('GET', '/ready');

    // Where things are and what there is: a warehouse, the example SKU, the others the orders use.
    // The warehouse is deleted by its code while nothing is at it, as the example does, then made again.
    await run('POST', '/v1/locations');
    await run('DELETE', '/v1/locations/{id}');
    assert.equal((await run('POST', '/v1/locations')).code, LOCATION_CODE);
    real.inventory_item = (await run('POST', '/v1/inventory_items')).id;
    for (const sku of ['TEE-BLACK-M', 'TEE-BLACK-L'])
      assert.equal((await api('POST', '/v1/inventory_items', { sku, on_hand: 20 })).status, 201);
    await run('POST', '/v1/customers');
    await run('POST', '/v1/promotions');

    // Ada's shop also buys wholesale: WSO-000001 on net_30, a line added and removed, shipped in
    // two parts, invoiced and paid; another draft cancelled and a third deleted.
    const wholesale = await run('POST', '/v1/wholesale_orders');
    assert.equal(wholesale.wholesale_order_number, 'WSO-000001');
    await run('GET', '/v1/wholesale_orders');
    await run('GET', '/v1/wholesale_orders/{id}');
    await runUpdates('/v1/wholesale_orders/{id}');
    real.wholesale_line = (await run('POST', '/v1/wholesale_order_line_items')).id;
    await run('GET', '/v1/wholesale_order_line_items');
    await run('GET', '/v1/wholesale_order_line_items/{id}');
    await runUpdates('/v1/wholesale_order_line_items/{id}');
    await run('DELETE', '/v1/wholesale_order_line_items/{id}');
    await run('POST', '/v1/wholesale_orders/{id}/submit');
    await run('POST', '/v1/wholesale_orders/{id}/approve');
    assert.equal((await run('POST', '/v1/wholesale_orders/{id}/ship')).status, 'partially_shipped');
    assert.equal((await api('POST', '/v1/wholesale_orders/WSO-000001/ship')).body.status, 'shipped');
    await run('POST', '/v1/wholesale_orders/{id}/invoice');
    assert.equal((await run('POST', '/v1/wholesale_orders/{id}/pay')).financial_status, 'paid');
    await run('GET', '/v1/wholesale_orders/{id}/events');
    for (const action of ['cancel', 'DELETE']) {
      const extra = await api('POST', '/v1/wholesale_orders', {
        ...doc.paths['/v1/wholesale_orders'].post.requestBody.content['application/json'].example,
      });
      assert.equal(extra.status, 201, extra.raw);
      if (action === 'cancel') await run('POST', '/v1/wholesale_orders/{id}/cancel', { id: extra.body.id });
      else await run('DELETE', '/v1/wholesale_orders/{id}', { id: extra.body.id });
    }

    // The prefilled order succeeds as it is, and is ORD-000001 on a fresh database.
    const order = await run('POST', '/v1/orders');
    assert.equal(order.order_number, ORDER_NUMBER);
    assert.equal(order.status, 'processing');
    await run('GET', '/v1/orders');
    await run('GET', '/v1/orders/{id}');
    await runUpdates('/v1/orders/{id}');
    await run('POST', '/v1/orders/{id}/tags');
    await run('DELETE', '/v1/orders/{id}/tags/{tag}');

    // A line added after payment leaves a balance; paying it settles the order again. The line is
    // removed by its SKU (remove_item), added again and removed by the SKU in the path (DELETE).
    await run('POST', '/v1/orders/{id}/line_items');
    await run('POST', '/v1/orders/{id}/remove_item');
    await run('POST', '/v1/orders/{id}/line_items');
    await run('DELETE', '/v1/orders/{id}/line_items/{item_id}');
    assert.deepEqual(
      (await api('GET', `/v1/orders/${ORDER_NUMBER}`)).body.line_items.map((l: any) => l.sku),
      ['MUG-BLUE', 'TEE-BLACK-M'],
    );

    const discounted = await run('POST', '/v1/orders/{id}/discounts');
    real.discount = discounted.discounts[discounted.discounts.length - 1].id;
    await run('DELETE', '/v1/orders/{id}/discounts/{discount_id}');
    await run('POST', '/v1/orders/{id}/promotions');
    await run('DELETE', '/v1/orders/{id}/promotions/{promotion_id}');
    await run('POST', '/v1/orders/{id}/pay');
    await run('POST', '/v1/orders/{id}/hold');
    await run('POST', '/v1/orders/{id}/release');

    // Split the tee off (ORD-000002) and merge it back, as the merge example names it: each SKU
    // stays on one line, so the return and the exchange below can name their lines by SKU.
    const split = await run('POST', '/v1/orders/{id}/split');
    assert.equal(split.split_order.order_number, 'ORD-000002', JSON.stringify(split));
    await run('POST', '/v1/orders/{id}/merge');

    // Ship, deliver, return a mug, exchange the tee, refund some goodwill.
    await run('POST', '/v1/orders/{id}/ship');
    real.shipment = (await api('GET', `/v1/shipments?order_id=${order.id}`)).body.data[0].id;
    await run('GET', '/v1/shipments');
    await run('GET', '/v1/shipments/{id}');
    await runUpdates('/v1/shipments/{id}');
    await run('GET', '/v1/shipments/{id}/events');
    await run('POST', '/v1/orders/{id}/deliver');
    real.return = (await run('POST', '/v1/orders/{id}/return')).return.id;
    await run('POST', '/v1/orders/{id}/exchange');
    await run('POST', '/v1/orders/{id}/refund');
    real.refund = (await api('GET', `/v1/refunds?order_id=${order.id}`)).body.data[0].id;
    await run('GET', '/v1/refunds');
    await run('GET', '/v1/refunds/{id}');
    await run('GET', '/v1/returns');
    await run('GET', '/v1/returns/{id}');
    await run('GET', '/v1/returns/{id}/events');
    await run('GET', '/v1/orders/{id}/events');

    // The returns desk (issue 12): a return made directly (RMA-000003) and edited, RMA-000001
    // rejected, a damaged line added to RMA-000003 and removed, RMA-000001 closed, reopened and
    // cancelled; RMA-000003 approved, received, inspected, restocked and refunded.
    assert.equal((await run('POST', '/v1/returns')).rma, 'RMA-000003');
    await runUpdates('/v1/returns/{id}');
    await run('POST', '/v1/returns/{id}/reject');
    real.return_line_item = (await run('POST', '/v1/return_line_items')).id;
    await run('GET', '/v1/return_line_items');
    await run('GET', '/v1/return_line_items/{id}');
    await runUpdates('/v1/return_line_items/{id}');
    await run('DELETE', '/v1/return_line_items/{id}');
    await run('POST', '/v1/returns/{id}/close');
    await run('POST', '/v1/returns/{id}/reopen');
    await run('POST', '/v1/returns/{id}/cancel');
    await run('POST', '/v1/returns/{id}/approve');
    await run('POST', '/v1/returns/{id}/receive');
    await run('POST', '/v1/returns/{id}/inspect');
    await run('POST', '/v1/returns/{id}/restock');
    const refundedReturn = await run('POST', '/v1/returns/{id}/refund');
    assert.equal(refundedReturn.status, 'completed');
    // A return to delete and one to exchange, each of the mug RMA-000001 gave back.
    const mugReturn = () =>
      api('POST', '/v1/returns', { order_id: ORDER_NUMBER, line_items: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    real.return = (await mugReturn()).body.id;
    await run('DELETE', '/v1/returns/{id}');
    real.return = (await mugReturn()).body.id;
    await run('POST', '/v1/returns/{id}/exchange');

    // Warranty claims: WTY-000001 inspected, approved, replaced, resolved, closed, reopened and
    // deleted; WTY-000002 rejected (after a line item came and went); WTY-000003 repaired.
    assert.equal((await run('POST', '/v1/warranties')).warranty_number, 'WTY-000001');
    await run('GET', '/v1/warranties');
    await run('GET', '/v1/warranties/{id}');
    await runUpdates('/v1/warranties/{id}');
    await run('POST', '/v1/warranties/{id}/inspect');
    await run('POST', '/v1/warranties/{id}/approve');
    assert.match((await run('POST', '/v1/warranties/{id}/replace')).replacement_order_id, /^ord_/);
    await run('POST', '/v1/warranties/{id}/resolve');
    await run('POST', '/v1/warranties/{id}/close');
    await run('POST', '/v1/warranties/{id}/reopen');
    await run('GET', '/v1/warranties/{id}/events');
    const claim = () =>
      api('POST', '/v1/warranties', { order_id: ORDER_NUMBER, sku: 'MUG-BLUE', issue_description: 'Cracked' });
    assert.equal((await claim()).body.warranty_number, 'WTY-000002');
    real.warranty_line_item = (await run('POST', '/v1/warranty_line_items')).id;
    await run('GET', '/v1/warranty_line_items');
    await run('GET', '/v1/warranty_line_items/{id}');
    await runUpdates('/v1/warranty_line_items/{id}');
    await run('DELETE', '/v1/warranty_line_items/{id}');
    await run('POST', '/v1/warranties/{id}/reject');
    assert.equal((await claim()).body.warranty_number, 'WTY-000003');
    assert.equal((await api('POST', '/v1/warranties/WTY-000003/approve')).status, 200);
    await run('POST', '/v1/warranties/{id}/repair');
    await run('DELETE', '/v1/warranties/{id}');
    // A lead from a trade show, accepted and converted; another rejected and deleted.
    real.lead = (await run('POST', '/v1/leads')).id;
    await run('GET', '/v1/leads');
    await run('GET', '/v1/leads/{id}');
    await runUpdates('/v1/leads/{id}');
    await run('POST', '/v1/leads/{id}/accept');
    await run('POST', '/v1/leads/{id}/convert');
    await run('GET', '/v1/leads/{id}/events');
    const other = await api('POST', '/v1/leads', { email: 'ops@dockside.example', leadSource: 'cold_call' });
    assert.equal(other.status, 201, other.raw);
    await run('POST', '/v1/leads/{id}/reject', { id: other.body.id });
    await run('DELETE', '/v1/leads/{id}', { id: other.body.id });

    // Ada's chipped mug becomes CASE-000001, linked to her order and its return.
    assert.equal((await run('POST', '/v1/cases')).case_number, 'CASE-000001');
    await run('GET', '/v1/cases');
    await run('GET', '/v1/cases/{id}');
    await runUpdates('/v1/cases/{id}');
    await run('POST', '/v1/cases/{id}/assign');
    await run('POST', '/v1/cases/{id}/escalate');
    await run('POST', '/v1/cases/{id}/notes');
    await run('GET', '/v1/cases/{id}/notes');
    await run('POST', '/v1/cases/{id}/resolve');
    await run('POST', '/v1/cases/{id}/close');
    await run('POST', '/v1/cases/{id}/reopen');
    await run('GET', '/v1/cases/{id}/events');
    await run('DELETE', '/v1/cases/{id}');

    // A shipment cancelled and an order cancelled need orders of their own.
    const toShip = await anotherOrder();
    await api('POST', `/v1/orders/${toShip.id}/ship`, {});
    real.shipment = (await api('GET', `/v1/shipments?order_id=${toShip.id}`)).body.data[0].id;
    await run('POST', '/v1/shipments/{id}/cancel');
    const toCancel = await anotherOrder();
    await run('POST', '/v1/orders/{id}/cancel', { id: toCancel.order_number });

    // Inventory: the example item's ledger, a reservation, a transfer to the new warehouse.
    await run('GET', '/v1/inventory_items');
    await run('GET', '/v1/inventory_items/{id}');
    await runUpdates('/v1/inventory_items/{id}');
    await run('POST', '/v1/inventory_items/{id}/adjust');
    real.reservation = (await run('POST', '/v1/inventory_items/{id}/reserve')).reservation.id;
    await run('POST', '/v1/inventory_items/{id}/release');
    real.transfer = (await run('POST', '/v1/inventory_items/{id}/transfer')).transfer.id;
    await run('GET', '/v1/transfers');
    await run('GET', '/v1/transfers/{id}');
    await run('POST', '/v1/transfers/{id}/receive');
    await run('GET', '/v1/transfers/{id}/events');
    await run('GET', '/v1/inventory_items/{id}/movements');
    await run('GET', '/v1/inventory_items/{id}/reservations');
    await run('GET', '/v1/inventory_items/{id}/events');
    await run('GET', '/v1/inventory');
    await run('GET', '/v1/locations');
    await run('GET', '/v1/locations/{id}');
    await runUpdates('/v1/locations/{id}');
    await run('GET', '/v1/locations/{id}/events');
    // Deleting an item needs one nothing else uses: an empty item made for it.
    const spareItem = await api('POST', '/v1/inventory_items', { sku: 'MUG-GREEN' });
    assert.equal(spareItem.status, 201, spareItem.raw);
    real.inventory_item = spareItem.body.id;
    await run('DELETE', '/v1/inventory_items/{id}');

    // Supply: a supplier, a purchase order for the warehouse, a partial receipt, an inbound packing
    // list for the rest, a cycle count. Cancel and delete examples get records of their own.
    await run('POST', '/v1/suppliers');
    await run('GET', '/v1/suppliers');
    await run('GET', '/v1/suppliers/{id}');
    await runUpdates('/v1/suppliers/{id}');
    await run('GET', '/v1/suppliers/{id}/events');
    const spareSupplier = await api('POST', '/v1/suppliers', { name: 'Spare supplier' });
    await run('DELETE', '/v1/suppliers/{id}', { id: spareSupplier.body.id });
    const purchaseOrder = await run('POST', '/v1/purchase_orders');
    assert.equal(purchaseOrder.po_number, PO_NUMBER);
    await run('GET', '/v1/purchase_orders');
    await run('GET', '/v1/purchase_orders/{id}');
    await runUpdates('/v1/purchase_orders/{id}');
    real.purchase_order_line = (await run('POST', '/v1/purchase_order_line_items')).id;
    await run('GET', '/v1/purchase_order_line_items');
    await run('GET', '/v1/purchase_order_line_items/{id}');
    await runUpdates('/v1/purchase_order_line_items/{id}');
    await run('DELETE', '/v1/purchase_order_line_items/{id}');
    await run('POST', '/v1/purchase_orders/{id}/submit');
    await run('POST', '/v1/purchase_orders/{id}/approve');
    await run('POST', '/v1/purchase_orders/{id}/finance');
    await run('POST', '/v1/purchase_orders/{id}/receive');
    const anotherPurchaseOrder = async () =>
      (
        await api(
          'POST',
          '/v1/purchase_orders',
          doc.paths['/v1/purchase_orders'].post.requestBody.content['application/json'].example,
        )
      ).body;
    await run('DELETE', '/v1/purchase_orders/{id}', { id: (await anotherPurchaseOrder()).id });
    await run('POST', '/v1/purchase_orders/{id}/cancel', { id: (await anotherPurchaseOrder()).id });

    assert.equal((await run('POST', '/v1/packing_lists')).packing_list_number, PACKING_LIST_NUMBER);
    await run('GET', '/v1/packing_lists');
    await run('GET', '/v1/packing_lists/{id}');
    await runUpdates('/v1/packing_lists/{id}');
    real.packing_list_item = (await run('POST', '/v1/packing_list_items')).id;
    await run('GET', '/v1/packing_list_items');
    await run('GET', '/v1/packing_list_items/{id}');
    await runUpdates('/v1/packing_list_items/{id}');
    await run('DELETE', '/v1/packing_list_items/{id}');
    const anotherPackingList = async () =>
      (await api('POST', '/v1/packing_lists', { direction: 'inbound', purchase_order_id: PO_NUMBER })).body;
    await run('DELETE', '/v1/packing_lists/{id}', { id: (await anotherPackingList()).id });
    await run('POST', '/v1/packing_lists/{id}/cancel', { id: (await anotherPackingList()).id });
    await run('POST', '/v1/packing_lists/{id}/submit');
    await run('POST', '/v1/packing_lists/{id}/ship');
    await run('POST', '/v1/packing_lists/{id}/arrive');
    assert.equal((await api('POST', `/v1/packing_lists/${PACKING_LIST_NUMBER}/arrive`)).body.status, 'arrived');
    await run('POST', '/v1/packing_lists/{id}/verify');
    await run('GET', '/v1/packing_lists/{id}/events');
    await run('POST', '/v1/purchase_orders/{id}/complete');
    await run('GET', '/v1/purchase_orders/{id}/events');

    assert.equal((await run('POST', '/v1/cycle_counts')).cycle_count_number, CYCLE_COUNT_NUMBER);
    await run('GET', '/v1/cycle_counts');
    await run('GET', '/v1/cycle_counts/{id}');
    await runUpdates('/v1/cycle_counts/{id}');
    await run('GET', '/v1/cycle_counts/{id}/line_items');
    await run('POST', '/v1/cycle_counts/{id}/start');
    await run('POST', '/v1/cycle_counts/{id}/count');
    await run('POST', '/v1/cycle_counts/{id}/complete');
    await run('POST', '/v1/cycle_counts/{id}/reconcile');
    await run('GET', '/v1/cycle_counts/{id}/events');
    const anotherCount = async () => (await api('POST', '/v1/cycle_counts', { location_id: LOCATION_CODE })).body;
    await run('DELETE', '/v1/cycle_counts/{id}', { id: (await anotherCount()).id });
    await run('POST', '/v1/cycle_counts/{id}/cancel', { id: (await anotherCount()).id });

    await run('GET', '/v1/promotions');
    await run('GET', '/v1/promotions/{id}');
    await runUpdates('/v1/promotions/{id}');
    await run('GET', '/v1/promotions/{id}/events');
    await run('DELETE', '/v1/promotions/{id}');

    await run('GET', '/v1/customers');
    await run('GET', '/v1/customers/{id}');
    await runUpdates('/v1/customers/{id}');
    await run('GET', '/v1/customers/{id}/events');
    await run('DELETE', '/v1/customers/{id}');

    // Manufacturing: a widget frame (BOM-000001) of steel bars and bolts, built into a widget kit.
    for (const [sku, on_hand, unit_cost] of [
      ['STEEL-BAR', 200, 250],
      ['BOLT-M4', 500, 10],
      ['WASHER-M4', 100, 2],
    ] as const)
      assert.equal((await api('POST', '/v1/inventory_items', { sku, on_hand, unit_cost })).status, 201);
    assert.equal((await run('POST', '/v1/bill_of_materials')).bom_number, BOM_NUMBER);
    await runUpdates('/v1/bill_of_materials/{id}');
    real.bom_line_item = (await run('POST', '/v1/bill_of_materials_line_items')).id;
    await run('GET', '/v1/bill_of_materials_line_items');
    await run('GET', '/v1/bill_of_materials_line_items/{id}');
    await runUpdates('/v1/bill_of_materials_line_items/{id}');
    await run('DELETE', '/v1/bill_of_materials_line_items/{id}');
    await run('POST', '/v1/bill_of_materials/{id}/activate');
    await run('GET', '/v1/bill_of_materials');
    await run('GET', '/v1/bill_of_materials/{id}');
    await run('GET', '/v1/bill_of_materials/{id}/explode');
    await run('GET', '/v1/bill_of_materials/{id}/cost');
    await run('POST', '/v1/bill_of_materials/{id}/build_to_stock');
    await run('GET', '/v1/bill_of_materials/{id}/events');
    const spareBom = (await api('POST', '/v1/bill_of_materials', { name: 'Spare', sku: 'WIDGET-SPARE' })).body;
    await run('POST', '/v1/bill_of_materials/{id}/obsolete', { id: spareBom.bom_number });
    await run('DELETE', '/v1/bill_of_materials/{id}', { id: spareBom.bom_number });

    const workOrder = await run('POST', '/v1/work_orders');
    assert.equal(workOrder.work_order_number, WORK_ORDER_NUMBER);
    await run('GET', '/v1/work_orders');
    await run('GET', '/v1/work_orders/{id}');
    await runUpdates('/v1/work_orders/{id}');
    await run('POST', '/v1/work_orders/{id}/assign');
    await run('POST', '/v1/work_orders/{id}/release');
    await run('POST', '/v1/work_orders/{id}/hold');
    await run('POST', '/v1/work_orders/{id}/resume');
    await run('POST', '/v1/work_orders/{id}/start');
    await run('POST', '/v1/work_orders/{id}/issue');
    await run('POST', '/v1/work_orders/{id}/complete');
    real.work_order_line_item = workOrder.line_items[0].id;
    await run('GET', '/v1/work_order_line_items');
    await run('GET', '/v1/work_order_line_items/{id}');
    await run('GET', '/v1/work_orders/{id}/events');
    const spareWorkOrder = (await api('POST', '/v1/work_orders', { sku: 'WIDGET-FRAME', quantity: 1 })).body;
    await run('POST', '/v1/work_orders/{id}/cancel', { id: spareWorkOrder.work_order_number });
    const plannedWorkOrder = (await api('POST', '/v1/work_orders', { sku: 'WIDGET-FRAME', quantity: 1 })).body;
    await run('DELETE', '/v1/work_orders/{id}', { id: plannedWorkOrder.work_order_number });

    const kit = await api('POST', '/v1/bill_of_materials', {
      name: 'Widget kit',
      sku: 'WIDGET-KIT',
      line_items: [
        { component_sku: 'WIDGET-FRAME', quantity: 1, supply_type: 'make' },
        { component_sku: 'BOLT-M4', quantity: 4 },
      ],
    });
    assert.equal((await api('POST', `/v1/bill_of_materials/${kit.body.id}/activate`)).status, 200);
    const manufactureOrder = await run('POST', '/v1/manufacture_orders');
    assert.equal(manufactureOrder.manufacture_order_number, MANUFACTURE_ORDER_NUMBER);
    await run('GET', '/v1/manufacture_orders');
    await run('GET', '/v1/manufacture_orders/{id}');
    await runUpdates('/v1/manufacture_orders/{id}');
    const plannedOrder = await run('POST', '/v1/manufacture_orders/{id}/plan');
    await run('POST', '/v1/manufacture_orders/{id}/start');
    for (const line of [...plannedOrder.line_items].reverse())
      for (const action of ['release', 'start', 'complete'])
        assert.equal((await api('POST', `/v1/work_orders/${line.work_order_id}/${action}`)).status, 200);
    await run('POST', '/v1/manufacture_orders/{id}/complete');
    real.manufacture_order_line_item = plannedOrder.line_items[0].id;
    await run('GET', '/v1/manufacture_order_line_items');
    await run('GET', '/v1/manufacture_order_line_items/{id}');
    await run('GET', '/v1/manufacture_orders/{id}/events');
    const spareOrder = (await api('POST', '/v1/manufacture_orders', { sku: 'WIDGET-KIT', quantity: 1 })).body;
    await run('POST', '/v1/manufacture_orders/{id}/cancel', { id: spareOrder.manufacture_order_number });
    const draftOrder = (await api('POST', '/v1/manufacture_orders', { sku: 'WIDGET-KIT', quantity: 1 })).body;
    await run('DELETE', '/v1/manufacture_orders/{id}', { id: draftOrder.manufacture_order_number });

    // Planning: Acme sells the bolts; a plan for every location, applied (drafts and planned work
    // orders for whatever is short), then the runs listed.
    real.supplier_sku = (await run('POST', '/v1/supplier_skus')).id;
    await run('GET', '/v1/supplier_skus');
    await run('GET', '/v1/supplier_skus/{id}');
    await runUpdates('/v1/supplier_skus/{id}');
    real.plan_run = (await run('GET', '/v1/planning/replenishment')).id;
    await run('GET', '/v1/planning/replenishment/{plan_id}');
    await run('POST', '/v1/planning/replenishment/{plan_id}/apply');
    await run('GET', '/v1/plan_runs');
    await run('GET', '/v1/plan_runs/{id}/events');
    await run('DELETE', '/v1/supplier_skus/{id}');

    real.api_key = (await run('POST', '/v1/api_keys')).id;
    await run('GET', '/v1/api_keys');
    await run('GET', '/v1/api_keys/me');
    await run('GET', '/v1/api_keys/{id}');
    await run('POST', '/v1/api_keys/{id}/revoke');
    await run('DELETE', '/v1/api_keys/{id}');
    await run('GET', '/v1/events');
    real.event = (await api('GET', '/v1/events?limit=1')).body.data[0].id;
    await run('GET', '/v1/events/{id}');

    // Webhooks: an endpoint, an event sent to it again by hand (the worker does not run here).
    real.webhook_endpoint = (await run('POST', '/v1/webhook_endpoints')).id;
    await run('GET', '/v1/webhook_endpoints');
    await run('GET', '/v1/webhook_endpoints/{id}');
    await runUpdates('/v1/webhook_endpoints/{id}');
    await run('POST', '/v1/webhook_endpoints/{id}/rotate_secret');
    real.webhook_delivery = (await run('POST', '/v1/events/{id}/resend')).data[0].id;
    await run('GET', '/v1/webhook_deliveries');
    await run('GET', '/v1/webhook_deliveries/{id}');
    await run('POST', '/v1/webhook_deliveries/{id}/retry');
    await run('DELETE', '/v1/webhook_endpoints/{id}');

    const all = Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(
      all.filter((op) => !executed.has(op)),
      [],
      'every operation in the document was run',
    );
  });
});
