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
import { GENERATED_ID_EXAMPLES, LOCATION_CODE, ORDER_NUMBER } from '../src/docs/examples.js';
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
  it('is titled and branded Opsline, loads /openapi.json, and / redirects to it', async () => {
    const root = await app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, '/docs');
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

    real.api_key = (await run('POST', '/v1/api_keys')).id;
    await run('GET', '/v1/api_keys');
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
