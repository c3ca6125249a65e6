/**
 * A bounded, deterministic fuzz of every route in the OpenAPI document: hostile path ids, query
 * values and body fields (NUL, huge and negative integers, empty lists and `*_in`, far dates, "1"
 * as a date, long strings, wrong types, bad percent-encodings, prototype keys). No answer may be a
 * 5xx, and every error must be in the API's shape with a request id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique, type TestContext } from './helpers.js';
import { newEmail } from './support.js';

type Schema = Record<string, any>;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const FAR_DATE = '+010000-01-01T00:00:00Z';
/** What every body field is replaced with, one at a time. */
const HOSTILE_VALUES: unknown[] = [
  'a\u0000',
  FAR_DATE,
  '1',
  'a'.repeat(300),
  2147483648,
  1e300,
  -1,
  [],
  2147483647,
  10_000_000_000_000,
];
/** What every query parameter is set to, one at a time (already URL-encoded). */
/** A cursor as the API encodes them, holding a NUL (which the edge check cannot see through base64). */
const FORGED_CURSOR = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'a\u0000', '-created_at'])).toString(
  'base64url',
);
const HOSTILE_QUERY = [
  '%00',
  '',
  ',',
  '99999999999999999999',
  '-1',
  encodeURIComponent(FAR_DATE),
  '1',
  'a'.repeat(2000),
  '%FF%FE',
  FORGED_CURSOR,
];
/** What every path parameter is set to, one at a time (already URL-encoded). */
const HOSTILE_IDS = [
  'x%00',
  'a'.repeat(100),
  'a'.repeat(101),
  '%FF%FE',
  '%',
  encodeURIComponent(FAR_DATE),
  '2147483648',
];
/** Whole bodies, as text. */
const HOSTILE_BODIES = [
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{}}}',
  '[]',
  'null',
  '"x"',
  '{',
  '{"a":"\\u0000"}',
];

/** Ids of a small world of records, so requests reach the rules behind validation. */
interface World {
  sku: string;
  customer: string;
  location: string;
  item: string;
  reservation: string;
  transfer: string;
  order: string;
  lines: string[];
  shippedOrder: string;
  shipment: string;
  refund: string;
  returnId: string;
  promotion: string;
  promotionCode: string;
  apiKey: string;
  event: string;
}

async function ok<T = any>(t: TestContext, method: Method, url: string, body?: unknown): Promise<T> {
  const res = await t.api(method, url, body);
  assert.ok(res.status < 300, `${method} ${url}: ${res.raw}`);
  return res.body;
}

async function makeWorld(t: TestContext): Promise<World> {
  const sku = unique('FZ-');
  const location = (await ok(t, 'POST', '/v1/locations', { code: unique('FZ-'), name: 'Fuzz' })).id;
  const item = (await ok(t, 'POST', '/v1/inventory_items', { sku, on_hand: 1000 })).id;
  await ok(t, 'POST', '/v1/inventory_items', { sku, location_id: location, on_hand: 10 });
  const customer = (await ok(t, 'POST', '/v1/customers', { email: newEmail('fz') })).id;
  const orderBody = {
    customer_id: customer,
    line_items: [
      { sku, quantity: 2, price: 1000 },
      { sku, quantity: 1, price: 500 },
    ],
    payment: { status: 'paid' },
  };
  const order = await ok(t, 'POST', '/v1/orders', orderBody);
  const shipped = await ok(t, 'POST', '/v1/orders', orderBody);
  await ok(t, 'POST', `/v1/orders/${shipped.id}/ship`, {});
  const returned = await ok(t, 'POST', `/v1/orders/${shipped.id}/return`, {
    line_items: [{ id: shipped.line_items[0].id, quantity: 1 }],
  });
  await ok(t, 'POST', `/v1/orders/${shipped.id}/refund`, { amount: 100 });
  const promotionCode = unique('FZ');
  const promotion = (await ok(t, 'POST', '/v1/promotions', { code: promotionCode, type: 'fixed', value: 100 })).id;
  const reserved = await ok(t, 'POST', `/v1/inventory_items/${item}/reserve`, {
    quantity: 1,
    reference: { type: 'cart', id: unique() },
  });
  const transferred = await ok(t, 'POST', `/v1/inventory_items/${item}/transfer`, {
    to_location_id: location,
    quantity: 1,
  });
  const apiKey = (await ok(t, 'POST', '/v1/api_keys', { scopes: ['customers:read'] })).id;
  const first = async (url: string) => (await ok(t, 'GET', url)).data[0].id as string;
  return {
    sku,
    customer,
    location,
    item,
    order: order.id,
    lines: order.line_items.map((l: { id: string }) => l.id),
    shippedOrder: shipped.id,
    shipment: await first(`/v1/shipments?order_id=${shipped.id}`),
    refund: await first(`/v1/refunds?order_id=${shipped.id}`),
    returnId: returned.return.id,
    promotion,
    promotionCode,
    reservation: reserved.reservation.id,
    transfer: transferred.transfer.id,
    apiKey,
    event: await first('/v1/events?limit=1'),
  };
}

async function freshOrder(t: TestContext, w: World): Promise<Pick<World, 'order' | 'lines'>> {
  const order = await ok(t, 'POST', '/v1/orders', {
    customer_id: w.customer,
    line_items: [
      { sku: w.sku, quantity: 2, price: 1000 },
      { sku: w.sku, quantity: 1, price: 500 },
    ],
    payment: { status: 'paid' },
  });
  return { order: order.id, lines: order.line_items.map((l: { id: string }) => l.id) };
}

/** The record a path parameter names, by the path's resource. */
function pathValue(w: World, path: string, param: string): string {
  if (param === 'item_id') return w.lines[0];
  if (param === 'discount_id') return 'disc_missing';
  if (param === 'promotion_id') return w.promotionCode;
  if (param === 'tag') return 'vip';
  const resource = path.split('/')[2];
  const byResource: Record<string, string> = {
    customers: w.customer,
    locations: w.location,
    inventory_items: w.item,
    transfers: w.transfer,
    orders: w.order,
    promotions: w.promotion,
    shipments: w.shipment,
    refunds: w.refund,
    returns: w.returnId,
    api_keys: w.apiKey,
    events: w.event,
  };
  return byResource[resource] ?? 'x_1';
}

function resolve(doc: Schema, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  while (s.$ref)
    s = s.$ref
      .split('/')
      .slice(1)
      .reduce((acc: any, k: string) => acc[k], doc);
  return s;
}

/** A plain, valid-looking value for a field, from its schema and name. */
function example(doc: Schema, w: World, schema: Schema | undefined, name: string, optional = false): unknown {
  let s = resolve(doc, schema);
  if (s.anyOf) s = resolve(doc, s.anyOf.find((o: Schema) => resolve(doc, o).type !== 'null') ?? s.anyOf[0]);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = example(doc, w, s.properties?.[key], key);
      return out;
    }
    case 'array':
      if (name === 'scopes') return ['customers:read'];
      if (name === 'order_ids') return [w.shippedOrder];
      return Array.from({ length: Math.max(1, s.minItems ?? 0) }, () =>
        example(doc, w, s.items, name.replace(/s$/, ''), optional),
      );
    case 'integer':
    case 'number':
      return Math.max(1, s.minimum ?? 1);
    case 'boolean':
      return false;
    case 'string': {
      const named: Record<string, string> = {
        email: newEmail('fz'),
        phone: '+14155550123',
        currency: 'USD',
        country: 'US',
        code: unique('FZ'),
        sku: w.sku,
        location_id: w.location,
        to_location_id: w.location,
        reservation_id: w.reservation,
        customer_id: w.customer,
        line_item_id: w.lines[1],
        id: w.lines[0],
        return_id: w.returnId,
        tracking_url: 'https://example.com/t',
        tag: 'vip',
        line_item: w.lines[0],
      };
      if (named[name]) return named[name];
      if (/_at$|date|delivery/.test(name)) return '2030-01-01T00:00:00Z';
      if (s.format === 'uri') return 'https://example.com/x';
      return 'x'.repeat(Math.min(Math.max(1, s.minLength ?? 1), s.maxLength ?? 100));
    }
    default:
      return 'x';
  }
}

/** Every body field the schema knows, present in `base` or not: [path, container schema]. */
function fieldPaths(
  doc: Schema,
  schema: Schema | undefined,
  base: unknown,
  path: Array<string | number>,
  out: Array<Array<string | number>>,
): void {
  let s = resolve(doc, schema);
  if (s.anyOf) s = resolve(doc, s.anyOf.find((o: Schema) => resolve(doc, o).type !== 'null') ?? s.anyOf[0]);
  if (s.type === 'object' && s.properties) {
    for (const [key, sub] of Object.entries<Schema>(s.properties)) {
      out.push([...path, key]);
      const value = (base as Record<string, unknown> | undefined)?.[key];
      if (value !== null && typeof value === 'object') fieldPaths(doc, sub, value, [...path, key], out);
    }
  } else if (s.type === 'array' && Array.isArray(base) && base.length) {
    out.push([...path, 0]);
    fieldPaths(doc, s.items, base[0], [...path, 0], out);
  }
}

function withValue(base: unknown, path: Array<string | number>, value: unknown): unknown {
  const copy = structuredClone(base) as any;
  let at = copy;
  for (const part of path.slice(0, -1)) at = at[part];
  at[path[path.length - 1]] = value;
  return copy;
}

/** Bases the generator cannot guess (a refinement needs one of two fields). */
function baseBody(doc: Schema, w: World, method: string, path: string, schema: Schema): unknown {
  const line = { sku: w.sku, quantity: 1, price: 100 };
  if (method === 'post' && path === '/v1/orders')
    return { customer_id: w.customer, line_items: [line], payment: { status: 'paid' } };
  if (path === '/v1/orders/{id}/exchange')
    return { return_items: [{ id: w.lines[0], quantity: 1 }], new_items: [line] };
  if (method === 'post' && path === '/v1/promotions') return { code: unique('FZ'), type: 'fixed', value: 100 };
  if (method === 'post' && path === '/v1/inventory_items') return { sku: unique('FZ-'), on_hand: 1 };
  return example(doc, w, schema, 'body');
}

interface Failure {
  request: string;
  status: number;
  body: string;
}

async function send(t: TestContext, failures: Failure[], method: Method, url: string, payload?: string): Promise<void> {
  const res = await t.app.inject({
    method,
    url,
    payload,
    headers: {
      authorization: `Bearer ${t.adminKey}`,
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
  });
  let shaped = res.statusCode < 400;
  if (!shaped) {
    try {
      shaped = typeof JSON.parse(res.body)?.error?.request_id === 'string';
    } catch {
      shaped = false;
    }
  }
  if (res.statusCode >= 500 || !shaped)
    failures.push({
      request: `${method} ${url}${payload !== undefined ? ` ${payload.slice(0, 300)}` : ''}`,
      status: res.statusCode,
      body: res.body.slice(0, 300),
    });
}

describe('fuzz: every route of the OpenAPI document with hostile input', () => {
  it('answers no 5xx, and every error in the API shape with a request id', async () => {
    const t = await getTestContext();
    await t.app.ready();
    const doc = t.app.swagger() as Schema;
    const failures: Failure[] = [];
    let requests = 0;
    const shared = await makeWorld(t);

    const routes = Object.entries<Schema>(doc.paths).flatMap(([path, ops]) =>
      Object.entries<Schema>(ops).map(([method, op]) => ({ path, method, op })),
    );
    assert.ok(routes.length >= 80, `expected every route, found ${routes.length}`);
    // Routes run in a few lanes at once (each route's requests stay in order), to keep the run short.
    // PUT and POST on a resource are aliases of its PATCH: their fields are fuzzed once.
    const fuzzedBodies = new Set<string>();
    const fuzzedQueries = new Set<string>();
    const fuzzRoute = async ({ path, method, op }: (typeof routes)[number]) => {
      const upper = method.toUpperCase() as Method;
      const pathParams = (op.parameters ?? [])
        .filter((p: Schema) => p.in === 'path')
        .map((p: Schema) => p.name as string);
      const queryParams = (op.parameters ?? [])
        .filter((p: Schema) => p.in === 'query')
        .map((p: Schema) => p.name as string);
      const bodySchema = op.requestBody?.content?.['application/json']?.schema as Schema | undefined;
      // An order action gets its own order, so one route's effects (a cancel, say) do not hide the next's.
      const w =
        bodySchema && path.startsWith('/v1/orders/{id}') ? { ...shared, ...(await freshOrder(t, shared)) } : shared;
      const urlWith = (overrides: Record<string, string> = {}) =>
        path.replace(
          /\{([^}]+)\}/g,
          (_m, name: string) => overrides[name] ?? encodeURIComponent(pathValue(w, path, name)),
        );
      const baseText = bodySchema ? JSON.stringify(baseBody(doc, w, method, path, bodySchema)) : undefined;

      // Hostile path parameters (never the real id for a DELETE: the world stays whole).
      for (const name of pathParams) {
        for (const id of HOSTILE_IDS) {
          await send(t, failures, upper, urlWith({ [name]: id }), baseText);
          requests++;
        }
      }
      // Hostile query values, one parameter at a time, and one repeated; a query schema many routes
      // share (every timeline's) is fuzzed in full once.
      const queryKey = JSON.stringify((op.parameters ?? []).filter((p: Schema) => p.in === 'query'));
      const queryFuzzed = fuzzedQueries.has(queryKey);
      fuzzedQueries.add(queryKey);
      for (const name of queryFuzzed ? queryParams.slice(0, 1) : queryParams) {
        for (const value of HOSTILE_QUERY) {
          await send(t, failures, upper, `${urlWith()}?${name}=${value}`);
          requests++;
        }
        await send(t, failures, upper, `${urlWith()}?${name}=1&${name}=2`);
        requests++;
      }
      if (upper === 'GET' && !queryParams.length) {
        await send(t, failures, upper, urlWith());
        requests++;
      }
      if (!bodySchema || baseText === undefined) return;
      // Hostile bodies, then each field replaced by each hostile value.
      for (const text of HOSTILE_BODIES) {
        await send(t, failures, upper, urlWith(), text);
        requests++;
      }
      const bodyKey = `${path} ${JSON.stringify(bodySchema)}`;
      if (fuzzedBodies.has(bodyKey)) return;
      fuzzedBodies.add(bodyKey);
      const base = JSON.parse(baseText);
      const fields: Array<Array<string | number>> = [];
      fieldPaths(doc, bodySchema, base, [], fields);
      for (const field of fields) {
        for (const value of HOSTILE_VALUES) {
          await send(t, failures, upper, urlWith(), JSON.stringify(withValue(base, field, value)));
          requests++;
        }
      }
      await send(t, failures, upper, urlWith(), baseText);
      requests++;
    };
    const queue = [...routes];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let route = queue.shift(); route; route = queue.shift()) await fuzzRoute(route);
      }),
    );
    assert.ok(requests > 2_000, `expected a few thousand requests, sent ${requests}`);
    assert.deepEqual(
      failures.slice(0, 20),
      [],
      `${failures.length} of ${requests} requests answered a 5xx or an error outside the API's shape`,
    );
  });
});
