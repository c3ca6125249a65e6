/**
 * The TypeScript client (clients/typescript) against the real server on a real port, and the drift
 * check: its committed OpenAPI document and generated types must be what the server makes today.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { Opsline, OpslineError } from '../clients/typescript/src/index.js';
import { CLIENT_DOCUMENT_PATH, CLIENT_SCHEMA_PATH, generateClientFiles } from '../scripts/generate-client.js';
import { buildExtraApp, getTestContext, unique } from './helpers.js';

describe('TypeScript client: generated files', () => {
  it('the committed openapi.json and schema.d.ts are what the server generates now', async () => {
    const { document, schema } = await generateClientFiles();
    const hint = 'the API changed: run `npm run client:generate` and commit clients/typescript';
    assert.ok(
      readFileSync(CLIENT_DOCUMENT_PATH, 'utf8') === document,
      `clients/typescript/openapi.json is stale: ${hint}`,
    );
    assert.ok(
      readFileSync(CLIENT_SCHEMA_PATH, 'utf8') === schema,
      `clients/typescript/src/schema.d.ts is stale: ${hint}`,
    );
  });
});

describe('TypeScript client against a running server', () => {
  let baseUrl = '';
  let apiKey = '';
  const client = (options: Partial<ConstructorParameters<typeof Opsline>[0]> = {}) =>
    new Opsline({ apiKey, baseUrl, retryDelayMs: 1, ...options });

  before(async () => {
    const t = await getTestContext();
    apiKey = t.adminKey;
    const { app } = await buildExtraApp({});
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  async function stockedSku(opsline: Opsline, onHand = 50): Promise<string> {
    const item = await opsline.inventoryItems.create({ sku: unique('CLI-'), on_hand: onHand });
    return item.sku;
  }

  it('creates a customer, stock and an order, ships it; a 409 is a typed OpslineError', async () => {
    const opsline = client();
    const customer = await opsline.customers.create({ email: `${unique('client.')}@example.com`, first_name: 'Ada' });
    assert.equal((await opsline.customers.retrieve(customer.id)).email, customer.email);
    const sku = await stockedSku(opsline, 10);
    const item = (await opsline.inventoryItems.list({ sku })).data[0];
    const adjusted = await opsline.inventoryItems.adjust(item.id, { quantity_change: 5, reason: 'cycle_count' });
    assert.equal(adjusted.on_hand, 15);

    const order = await opsline.orders.create({
      customer_id: customer.id,
      line_items: [{ sku, quantity: 3, price: 1250 }],
      payment: { method: 'card', status: 'paid' },
    });
    assert.equal(order.status, 'processing');
    assert.equal(order.totals.total, 3750);
    const shipped = await opsline.orders.ship(order.id, { carrier: 'UPS' });
    assert.equal(shipped.status, 'shipped');
    assert.equal((await opsline.orders.retrieve(order.order_number)).status, 'shipped');
    assert.equal((await opsline.inventoryItems.retrieve(item.id)).on_hand, 12);

    const refused = await opsline.orders.cancel(order.id).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refused instanceof OpslineError, String(refused));
    assert.equal(refused.status, 409);
    assert.equal(refused.type, 'conflict');
    assert.equal(refused.code, 'invalid_transition');
    assert.match(refused.requestId ?? '', /^req_/);

    const invalid = await opsline.customers.create({ email: 'not an email' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(invalid instanceof OpslineError);
    assert.equal(invalid.status, 400);
    assert.equal(invalid.param, 'email');
    assert.ok(Array.isArray(invalid.details));
  });

  it('auto-paginates a list across pages with the same filters', async () => {
    const pages: string[] = [];
    const opsline = client({ fetch: (input, init) => (pages.push(String(input)), fetch(input, init)) });
    const customer = await opsline.customers.create({ email: `${unique('pages.')}@example.com` });
    const sku = await stockedSku(opsline);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      created.push(
        (await opsline.orders.create({ customer_id: customer.id, line_items: [{ sku, quantity: 1, price: 100 }] })).id,
      );
    }
    pages.length = 0;
    const firstPage = await opsline.orders.list({ customer_id: customer.id, limit: 2 });
    assert.equal(firstPage.data.length, 2);
    assert.equal(firstPage.has_more, true);

    pages.length = 0;
    const seen: string[] = [];
    for await (const order of opsline.orders.list({ customer_id: customer.id, status: 'pending', limit: 2 }))
      seen.push(order.id);
    assert.deepEqual([...seen].sort(), [...created].sort());
    assert.equal(pages.length, 3, 'five orders two at a time are three pages');
    assert.ok(
      pages.slice(1).every((url) => url.includes('cursor=') && url.includes(`customer_id=${customer.id}`)),
      pages.join('\n'),
    );
  });

  it('a request whose answer is lost is retried with the same Idempotency-Key and creates one order', async () => {
    const t = await getTestContext();
    const keys: string[] = [];
    const replayed: Array<string | null> = [];
    let failed = false;
    const opsline = client({
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).endsWith('/v1/orders') && init?.method === 'POST') {
          keys.push((init.headers as Record<string, string>)['idempotency-key']);
          replayed.push(response.headers.get('idempotent-replayed'));
          if (!failed) {
            failed = true;
            await response.text(); // the server answered in full; the client never hears it
            throw new TypeError('fetch failed: connection reset');
          }
        }
        return response;
      },
    });
    const customer = await opsline.customers.create({ email: `${unique('retry.')}@example.com` });
    const sku = await stockedSku(opsline);
    const order = await opsline.orders.create({
      customer_id: customer.id,
      line_items: [{ sku, quantity: 2, price: 500 }],
    });
    assert.equal(keys.length, 2);
    assert.equal(keys[0], keys[1], 'the retry sends the same key');
    assert.deepEqual(replayed, [null, 'true'], 'the retry is answered from the stored first answer');
    const list = await opsline.orders.list({ customer_id: customer.id });
    assert.equal(list.total_count, 1);
    assert.equal(list.data[0].id, order.id);
    const rows = await t.db.selectFrom('orders').select('id').where('customer_id', '=', customer.id).execute();
    assert.equal(rows.length, 1);
  });
});

describe('TypeScript client: retries', () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  const errorBody = (type: string, code: string) => ({ error: { type, code, message: code, request_id: 'req_test' } });

  it('retries a 5xx and a 429 (honouring Retry-After) with one key, then answers', async () => {
    const calls: Array<{ key: string; at: number }> = [];
    const answers = [
      json(503, errorBody('api_error', 'unavailable')),
      json(429, errorBody('rate_limited', 'rate_limited'), { 'retry-after': '0.05' }),
      json(201, { id: 'cus_1', object: 'customer' }),
    ];
    const opsline = new Opsline({
      apiKey: 'sk_test',
      baseUrl: 'http://opsline.invalid/',
      retryDelayMs: 1,
      fetch: async (_input, init) => (
        calls.push({ key: (init!.headers as Record<string, string>)['idempotency-key'], at: Date.now() }),
        answers.shift()!
      ),
    });
    const customer = await opsline.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'my-key' });
    assert.equal(customer.id, 'cus_1');
    assert.deepEqual(
      calls.map((c) => c.key),
      ['my-key', 'my-key', 'my-key'],
    );
    assert.ok(calls[2].at - calls[1].at >= 45, 'waited for Retry-After');
  });

  it('gives up after maxRetries with the last error, typed; a network error has status 0', async () => {
    let calls = 0;
    const failing = new Opsline({
      apiKey: 'sk_test',
      baseUrl: 'http://opsline.invalid',
      retryDelayMs: 1,
      maxRetries: 1,
      fetch: async () => (calls++, json(500, errorBody('api_error', 'internal_error'))),
    });
    const error = await failing.orders.retrieve('ORD-1').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpslineError);
    assert.equal(error.status, 500);
    assert.equal(error.code, 'internal_error');
    assert.equal(calls, 2);

    const offline = new Opsline({
      apiKey: 'sk_test',
      baseUrl: 'http://opsline.invalid',
      retryDelayMs: 1,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const lost = await offline.orders.list().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(lost instanceof OpslineError);
    assert.equal(lost.status, 0);
    assert.equal(lost.type, 'connection_error');
  });

  it('does not retry a 4xx', async () => {
    let calls = 0;
    const opsline = new Opsline({
      apiKey: 'sk_test',
      baseUrl: 'http://opsline.invalid',
      retryDelayMs: 1,
      fetch: async () => (calls++, json(409, errorBody('conflict', 'invalid_transition'))),
    });
    await assert.rejects(
      opsline.orders.pay('ORD-1'),
      (e: unknown) => e instanceof OpslineError && e.code === 'invalid_transition',
    );
    assert.equal(calls, 1);
  });
});
