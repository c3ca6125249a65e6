/**
 * Issue 10: StateSet's own customer and order requests work as they document them, validation
 * messages name the field and what was sent, and refusals and start-up are logged.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { defaultAppOptions, getTestContext, unique } from './helpers.js';
import { stock } from './orders-helpers.js';
import { assertError } from './support.js';

describe('StateSet requests as documented', () => {
  it('POST /v1/customer with Token auth and a body id, camelCase names and both dates creates that customer', async () => {
    const t = await getTestContext();
    const id = `cus_${unique('Ada')}`;
    const email = `${unique('ada.')}@example.com`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/customer',
      headers: { 'content-type': 'application/json', authorization: `Token ${t.adminKey}` },
      payload: JSON.stringify({
        id,
        email,
        firstName: 'Ada',
        lastName: 'Lovelace',
        phone: '+14155550123',
        stripe_customer_id: 'cus_NK5fW5mT2Fwtdr',
        timestamp: '2020-01-01T00:00:00.000Z',
        activationDate: '2020-01-01T00:00:00.000Z',
      }),
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.id, id, 'the body id becomes the customer id');
    assert.deepEqual(
      [body.first_name, body.last_name, body.stripe_customer_id, body.activation_date],
      ['Ada', 'Lovelace', 'cus_NK5fW5mT2Fwtdr', '2020-01-01T00:00:00.000Z'],
    );
    assert.equal((await t.api('GET', `/v1/customers/${id}`)).body.email, email);
    assert.equal((await t.api('GET', `/v1/customer/${id}`)).status, 200, 'the singular path reads too');

    // Taken id: 409, and nothing new is written.
    const again = await t.api('POST', '/v1/customers', { id, email: `${unique('other.')}@example.com` });
    assertError(again, 409, 'conflict', 'already_exists');
    assert.equal(again.body.error.param, 'id');
    // Malformed id: 400 naming the field.
    const bad = await t.api('POST', '/v1/customers', { id: 'customer 1', email: `${unique('bad.')}@example.com` });
    assertError(bad, 400, 'invalid_request_error', 'validation_error');
    assert.equal(bad.body.error.details[0].path, 'id');
    assert.match(bad.body.error.details[0].message, /^id must be "cus_" followed by/);
  });

  it('PUT /v1/customers/:id with the id repeated in the body updates; another id there is a 400', async () => {
    const t = await getTestContext();
    const created = await t.api('POST', '/v1/customers', { email: `${unique('grace.')}@example.com` });
    const id = created.body.id;
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v1/customers/${id}`,
      headers: { 'content-type': 'application/json', authorization: `Token ${t.adminKey}` },
      payload: JSON.stringify({
        id,
        firstName: 'Grace',
        lastName: 'Hopper',
        stripe_customer_id: 'cus_Q1w2E3r4',
        activationDate: '2021-06-01T09:00:00.000Z',
      }),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().first_name, res.json().last_name, res.json().version], ['Grace', 'Hopper', 2]);

    const mismatch = await t.api('PUT', `/v1/customers/${id}`, { id: 'cus_someoneelse', firstName: 'X' });
    assertError(mismatch, 400, 'invalid_request_error', 'validation_error');
    assert.equal(mismatch.body.error.param, 'id');
    assert.equal((await t.api('GET', `/v1/customers/${id}`)).body.first_name, 'Grace', 'nothing changed');
  });

  it('older singular order paths (/v1/order/:id/...) answer as the current ones, and stay out of the OpenAPI document', async () => {
    const t = await getTestContext();
    const sku = unique('SING-');
    await stock(t, sku, 5);
    const created = await t.api('POST', '/v1/order', {
      customer: { email: `${unique('o.')}@example.com` },
      line_items: [{ sku, quantity: 2, price: 1000 }],
      payment: { method: 'card', status: 'paid' },
    });
    assert.equal(created.status, 201, created.raw);
    const number = created.body.order_number;
    assert.equal((await t.api('GET', `/v1/order/${number}`)).body.id, created.body.id);
    const held = await t.api('POST', `/v1/order/${number}/hold`, { reason: 'address check' });
    assert.equal(held.status, 200, held.raw);
    assert.equal(held.body.status, 'on_hold');
    assert.equal((await t.api('POST', `/v1/order/${number}/release`)).body.status, 'processing');
    const shipped = await t.api('POST', `/v1/order/${number}/ship`, {
      carrier: 'UPS',
      tracking_number: '1Z999AA10123456784',
    });
    assert.equal(shipped.body.status, 'shipped', shipped.raw);
    // Plural paths still answer, and a path that only starts like a singular one is not rewritten.
    assertError(await t.api('GET', '/v1/orderz'), 404, 'not_found', 'route_not_found');
    const doc = (await t.api('GET', '/openapi.json')).body;
    assert.ok(
      !Object.keys(doc.paths).some((p) => /^\/v1\/(order|customer)(\/|$)/.test(p)),
      'no singular path in the document',
    );
  });
});

describe('validation messages a person understands', () => {
  it("names the field and what was sent, keeping each detail's path and code", async () => {
    const t = await getTestContext();
    const res = await t.api('POST', '/v1/orders', {
      customer: { email: 'not-an-email' },
      line_items: [{ sku: 'MUG-BLUE', quantity: 0, price: 12.5 }],
      source: 'carrier-pigeon',
    });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    const byPath = Object.fromEntries(res.body.error.details.map((d: any) => [d.path, d]));
    assert.equal(
      byPath['line_items[0].price'].message,
      'line_items[0].price must be a whole number of cents (got 12.5)',
    );
    assert.equal(byPath['line_items[0].price'].code, 'invalid_type');
    assert.equal(byPath['line_items[0].quantity'].message, 'line_items[0].quantity must be at least 1 (got 0)');
    assert.equal(byPath['line_items[0].quantity'].code, 'too_small');
    assert.equal(byPath['customer.email'].message, 'customer.email must be an email address (got "not-an-email")');
    assert.match(byPath.source.message, /^source must be one of: [a-z_, ]+ \(got "carrier-pigeon"\)$/);
    assert.doesNotMatch(res.body.error.message, /Invalid input|expected \w+, received/);
    assert.match(res.body.error.message, /line_items\[0\]\.price must be a whole number of cents \(got 12\.5\)/);
  });

  it('a missing field is "<field> is required"; a bad filter names its allowed values', async () => {
    const t = await getTestContext();
    const sku = unique('REQ-');
    await stock(t, sku, 1);
    const order = await t.api('POST', '/v1/orders', {
      customer: { email: `${unique('r.')}@example.com` },
      line_items: [{ sku, quantity: 1, price: 100 }],
    });
    const res = await t.api('POST', `/v1/orders/${order.body.id}/hold`, {});
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(
      res.body.error.details.map((d: any) => [d.path, d.code, d.message]),
      [['reason', 'invalid_type', 'reason is required']],
    );

    const filter = await t.api('GET', '/v1/customers?status=gone');
    assertError(filter, 400, 'invalid_request_error', 'validation_error');
    assert.equal(
      filter.body.error.details[0].message,
      'status must be one of: active, inactive, suspended (got "gone")',
    );
  });
});

describe('logs', () => {
  it('every refused and failed request is one line at the default level with request id, method, url, status and code, and no secret', async () => {
    const t = await getTestContext();
    const lines: any[] = [];
    const app = await buildApp(t.database, {
      ...defaultAppOptions,
      logLevel: 'info',
      logStream: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    app.get('/v1/explode', async () => {
      throw new Error('kaboom');
    });
    try {
      const secret = 'sk_live_thisisnotarealkeybutlookslikeone';
      const requests = [
        {
          method: 'GET' as const,
          url: '/v1/customers',
          headers: { authorization: `Bearer ${secret}`, 'x-request-id': 'req-unauthorised' },
          status: 401,
          code: 'invalid_api_key',
        },
        {
          method: 'GET' as const,
          url: '/v1/nothing-here',
          headers: { authorization: `Bearer ${t.adminKey}`, 'x-request-id': 'req-missing' },
          status: 404,
          code: 'route_not_found',
        },
        {
          method: 'POST' as const,
          url: '/v1/customers',
          headers: { authorization: `Bearer ${t.adminKey}`, 'x-request-id': 'req-invalid' },
          payload: { email: 'nope' },
          status: 400,
          code: 'validation_error',
        },
        {
          method: 'GET' as const,
          url: '/v1/explode',
          headers: { 'x-request-id': 'req-boom' },
          status: 500,
          code: 'api_error',
        },
      ];
      for (const r of requests) {
        const res = await app.inject({ method: r.method, url: r.url, headers: r.headers, payload: r.payload });
        assert.equal(res.statusCode, r.status, res.body);
        const logged = lines.filter((l) => l.reqId === r.headers['x-request-id']);
        assert.equal(logged.length, 1, `one line for ${r.url}: ${JSON.stringify(logged)}`);
        const [line] = logged;
        assert.deepEqual(
          [line.method, line.url, line.status, line.code],
          [r.method, r.url, r.status, res.json().error.code],
        );
        assert.equal(line.level, r.status >= 500 ? 50 : 30, 'info for refusals, error for failures');
        if (r.status >= 500) assert.match(line.err.message, /kaboom/);
      }
      const all = JSON.stringify(lines);
      assert.ok(!all.includes(secret) && !all.includes(t.adminKey), 'no API key in the logs');
      assert.ok(!/authorization/i.test(all), 'no Authorization header in the logs');
    } finally {
      await app.close();
    }
  });

  it('start-up speaks through the logger: migrations, then listening, then the first admin key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsline-start-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: `sqlite:${join(dir, 'start.db')}`,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    };
    delete env.ADMIN_API_KEY;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      let err = '';
      child.stdout!.on('data', (chunk) => (out += chunk));
      child.stderr!.on('data', (chunk) => (err += chunk));
      for (let i = 0; i < 600 && !/first admin API key/.test(out) && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(child.exitCode, null, `the server stopped: ${err}`);
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const messages = lines.map((l) => l.msg as string);
      const migrated = messages.findIndex((m) => m.startsWith('database migrated: 0001_foundation'));
      const listening = messages.findIndex((m) =>
        /^Opsline listening on http:\/\/127\.0\.0\.1:\d+ \(database: sqlite\); API docs at http:\/\/127\.0\.0\.1:\d+\/docs$/.test(
          m,
        ),
      );
      const key = messages.findIndex((m) =>
        /^Created the first admin API key \(shown only this once, store it now\): sk_\S+ Try it: curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/customers/.test(
          m,
        ),
      );
      assert.ok(migrated >= 0 && listening > migrated && key > listening, `start-up order: ${out}`);
      assert.ok(
        lines.every((l) => l.level === 30),
        'every start-up line is a log line at info',
      );
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
