/**
 * The edge: what is refused before any route's rules run, always in the API's error shape. NUL
 * characters, empty value lists, integers beyond their column, prototype keys, URLs and requests
 * Fastify or Node refuse, and slow or surplus connections (on a real port, with a raw socket).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildExtraApp, getTestContext, unique, type ApiResponse } from './helpers.js';
import { assertError, bare, createCustomer, newEmail } from './support.js';

async function raw(
  t: Awaited<ReturnType<typeof getTestContext>>,
  method: 'POST' | 'PATCH',
  url: string,
  text: string,
): Promise<ApiResponse> {
  const res = await t.app.inject({
    method,
    url,
    payload: text,
    headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
  });
  return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers as any, raw: res.body };
}

describe('NUL characters', () => {
  it('are refused with 400 invalid_string in a body value, a nested key, a path id and a query value, naming where', async () => {
    const t = await getTestContext();
    const email = newEmail('nul');
    let res = await t.api('POST', '/v1/customers', { email, first_name: 'Ada\u0000' });
    assertError(res, 400, 'invalid_request_error', 'invalid_string');
    assert.equal(res.body.error.param, 'first_name');
    assert.equal(res.body.error.details[0].in, 'body');

    res = await t.api('POST', '/v1/customers', {
      email,
      addresses: [{ line1: '1 Main', city: 'X', country: 'US' }],
      metadata: { ['k\u0000']: 'v' },
    });
    assertError(res, 400, 'invalid_request_error', 'invalid_string');
    assert.equal(res.body.error.param, 'metadata.k\\u0000');

    res = await t.api('POST', '/v1/customers', {
      email,
      addresses: [{ line1: '1 Main\u0000', city: 'X', country: 'US' }],
    });
    assertError(res, 400, 'invalid_request_error', 'invalid_string');
    assert.equal(res.body.error.param, 'addresses[0].line1');

    // Nothing was created by any of them.
    const list = await t.api('GET', `/v1/customers?search=${encodeURIComponent(email)}`);
    assert.equal(list.body.total_count, 0);

    for (const url of ['/v1/orders/ord%00x', '/v1/customers/cus_1%00', '/v1/inventory_items/x%00/adjust']) {
      res = url.endsWith('adjust')
        ? await t.api('POST', url, { quantity_change: 1, reason: 'x' })
        : await t.api('GET', url);
      assertError(res, 400, 'invalid_request_error', 'invalid_string');
      assert.equal(res.body.error.details[0].in, 'path', res.raw);
      assert.equal(res.body.error.param, 'id');
    }
    for (const url of [
      '/v1/customers?search=a%00b',
      '/v1/orders?status_in=pending%00',
      '/v1/inventory_items?sku=%00',
      '/v1/events?type=customer.created%00',
    ]) {
      res = await t.api('GET', url);
      assertError(res, 400, 'invalid_request_error', 'invalid_string');
      assert.equal(res.body.error.details[0].in, 'query', res.raw);
    }
  });

  it('inside a forged cursor is refused as an invalid cursor', async () => {
    const t = await getTestContext();
    const cursor = (value: unknown, id: string) =>
      Buffer.from(JSON.stringify([value, id, '-created_at'])).toString('base64url');
    for (const url of ['/v1/orders', '/v1/customers', '/v1/events']) {
      for (const forged of [cursor('2026-01-01T00:00:00.000Z', 'a\u0000'), cursor('a\u0000', 'x')]) {
        const res = await t.api('GET', `${url}?cursor=${forged}`);
        assertError(res, 400, 'invalid_request_error', 'invalid_cursor');
      }
    }
  });

  it('written as a JSON escape anywhere in a body is refused too, and a plain body still passes', async () => {
    const t = await getTestContext();
    const res = await raw(t, 'POST', '/v1/customers', `{"email":"${newEmail()}","tags":["a","b\\u0000"]}`);
    assertError(res, 400, 'invalid_request_error', 'invalid_string');
    assert.equal(res.body.error.param, 'tags[1]');
    const ok = await raw(
      t,
      'POST',
      '/v1/customers',
      `{"email":"${newEmail()}","notes":"a\\\\u0000 is how JSON writes NUL"}`,
    );
    assert.equal(ok.status, 201, ok.raw);
  });
});

describe('empty *_in filters', () => {
  it("every list's *_in filter refuses an empty list (`x_in=` and `x_in=,`) with 400 naming the parameter", async () => {
    const t = await getTestContext();
    const doc = t.app.swagger() as any;
    const filters: Array<[string, string]> = [];
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const p of ops.get?.parameters ?? [])
        if (p.in === 'query' && p.name.endsWith('_in')) filters.push([path.replace(/\{[^}]+\}/g, 'x_1'), p.name]);
    }
    assert.ok(filters.length >= 25, `expected the 26 *_in filters, found ${filters.length}`);
    for (const [path, name] of filters) {
      for (const value of ['', ',', ' , ']) {
        const res = await t.api('GET', `${path}?${name}=${encodeURIComponent(value)}`);
        assertError(res, 400, 'invalid_request_error', 'validation_error');
        assert.equal(res.body.error.param, name, `${path}?${name}=${value}: ${res.raw}`);
      }
    }
  });

  it('a list with a value still filters', async () => {
    const t = await getTestContext();
    const res = await t.api('GET', '/v1/orders?status_in=pending,,processing');
    assert.equal(res.status, 200, res.raw);
  });
});

describe('integers beyond their column', () => {
  it('promotion usage_limit above int4 is a 400; the largest int4 is accepted', async () => {
    const t = await getTestContext();
    for (const usage_limit of [2147483648, 2 ** 53, 1e20]) {
      const res = await t.api('POST', '/v1/promotions', { code: unique('UL'), type: 'fixed', value: 100, usage_limit });
      assertError(res, 400, 'invalid_request_error', 'validation_error');
      assert.equal(res.body.error.param, 'usage_limit');
    }
    const ok = await t.api('POST', '/v1/promotions', {
      code: unique('UL'),
      type: 'fixed',
      value: 100,
      usage_limit: 2147483647,
    });
    assert.equal(ok.status, 201, ok.raw);
    const patch = await t.api('PATCH', `/v1/promotions/${ok.body.id}`, { usage_limit: 2147483648 });
    assertError(patch, 400, 'invalid_request_error', 'validation_error');
    assert.equal((await t.api('GET', `/v1/promotions/${ok.body.id}`)).body.usage_limit, 2147483647);
  });

  it('huge quantities, prices, costs and filters are 400s, and so is a quantity x price beyond the largest amount', async () => {
    const t = await getTestContext();
    const sku = unique('BIG-');
    const item = await t.api('POST', '/v1/inventory_items', { sku, on_hand: 10 });
    assert.equal(item.status, 201, item.raw);
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/v1/inventory_items', { sku: unique('B-'), on_hand: 2147483648 * 2 ** 20 }, 'on_hand'],
      ['POST', '/v1/inventory_items', { sku: unique('B-'), unit_cost: 2 ** 63 }, 'unit_cost'],
      ['PATCH', `/v1/inventory_items/${item.body.id}`, { reorder_point: 1e30 }, 'reorder_point'],
      [
        'POST',
        `/v1/inventory_items/${item.body.id}/adjust`,
        { quantity_change: -(2 ** 62), reason: 'x' },
        'quantity_change',
      ],
      [
        'POST',
        `/v1/inventory_items/${item.body.id}/reserve`,
        { quantity: 2147483648, reference: { type: 'cart', id: 'c1' } },
        'quantity',
      ],
      [
        'POST',
        '/v1/orders',
        { customer: { email: newEmail() }, line_items: [{ sku, quantity: 2147483648, price: 1 }] },
        'line_items[0].quantity',
      ],
      [
        'POST',
        '/v1/orders',
        { customer: { email: newEmail() }, line_items: [{ sku, quantity: 1, price: 2 ** 63 }] },
        'line_items[0].price',
      ],
      [
        'POST',
        '/v1/orders',
        {
          customer: { email: newEmail() },
          line_items: [{ sku, quantity: 1_000_000, price: 10_000_000_000_000 }],
          allow_backorder: true,
        },
        'line_items',
      ],
      ['POST', '/v1/promotions', { code: unique('P'), type: 'fixed', value: 2 ** 63 }, 'value'],
      ['POST', '/v1/promotions', { code: unique('P'), type: 'fixed', value: 1, min_subtotal: 1e300 }, 'min_subtotal'],
    ];
    for (const [method, url, body, param] of cases) {
      const res = await t.api(method as 'POST', url, body);
      assertError(res, 400, 'invalid_request_error', 'validation_error');
      assert.equal(res.body.error.param, param, `${method} ${url} ${JSON.stringify(body)}: ${res.raw}`);
    }
    for (const query of ['total_gte=99999999999999999999', 'total_lte=-1e30', 'offset=1e30', 'limit=2147483648']) {
      const res = await t.api('GET', `/v1/orders?${query}`);
      assertError(res, 400, 'invalid_request_error', 'validation_error');
    }
    assert.equal((await t.api('GET', `/v1/inventory_items/${item.body.id}`)).body.on_hand, 10);
  });
});

describe('prototype keys in a body', () => {
  it('__proto__ is refused with 400 forbidden_key saying why, not called invalid JSON', async () => {
    const t = await getTestContext();
    for (const text of [
      `{"email":"${newEmail()}","metadata":{"__proto__":"x"}}`,
      `{"email":"${newEmail()}","metadata":{"\\u005f_proto__":{"admin":true}}}`,
      `{"email":"${newEmail()}","metadata":{"constructor":{"prototype":{"a":1}}}}`,
    ]) {
      const res = await raw(t, 'POST', '/v1/customers', text);
      assertError(res, 400, 'invalid_request_error', 'forbidden_key');
      assert.match(res.body.error.message, /is not allowed as a field name/);
      assert.match(res.body.error.param, /^metadata\./);
    }
    const bad = await raw(t, 'POST', '/v1/customers', '{"email":');
    assertError(bad, 400, 'invalid_request_error', 'invalid_json');
    assert.equal(({} as any).x, undefined);
  });
});

describe('Fastify-level refusals', () => {
  it('a URL that does not decode answers 400 invalid_url in the error shape', async () => {
    const t = await getTestContext();
    for (const url of ['/v1/orders/%FF%FE', '/v1/customers/%E0%A4%A']) {
      const res = await bare(t.app, 'GET', url, { authorization: `Bearer ${t.adminKey}` });
      assertError(res, 400, 'invalid_request_error', 'invalid_url');
    }
  });

  it('a path parameter over the length limit answers 414 in the error shape', async () => {
    const t = await getTestContext();
    const res = await bare(t.app, 'GET', `/v1/orders/${'a'.repeat(500)}`, { authorization: `Bearer ${t.adminKey}` });
    assertError(res, 414, 'invalid_request_error', 'path_parameter_too_long');
    const customer = await createCustomer(t);
    assert.equal((await t.api('GET', `/v1/customers/${customer.id}`)).status, 200);
  });
});

// ------------------------------------------------------------------------------- real sockets

async function listening(
  options: Parameters<typeof buildExtraApp>[0],
): Promise<{ app: FastifyInstance; port: number }> {
  const { app } = await buildExtraApp(options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as { port: number }).port };
}

interface SocketOutcome {
  data: string;
  closedAfterMs: number;
}

/** Opens a socket, lets `drive` write to it, and resolves with what came back once it closes (or after `limitMs`). */
function converse(port: number, drive: (socket: Socket) => void, limitMs = 5_000): Promise<SocketOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => socket.destroy(), limitMs);
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => drive(socket));
  });
}

/** An HTTP/1.1 answer read off a socket, as the assertions want it. */
function parseRaw(text: string): ApiResponse {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = rest.join('\r\n\r\n');
  let parsed: any;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = body;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: parsed, raw: body };
}

describe('requests Node refuses, on a real port', () => {
  it('oversized headers (431), bad header characters and a malformed request answer the error shape with a request id', async () => {
    const { port } = await listening({});
    const cases: Array<[string, number, string]> = [
      [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`, 431, 'headers_too_large'],
      ['GET /health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', 400, 'invalid_header'],
      ['GET /health HTTP/1.1\r\nHost: x\r\nX-Ctl: a\u0001b\r\n\r\n', 400, 'invalid_header'],
      ['NOT HTTP AT ALL\r\n\r\n', 400, 'malformed_request'],
    ];
    for (const [request, status, code] of cases) {
      const outcome = await converse(port, (s) => s.write(request, 'latin1'));
      const res = parseRaw(outcome.data);
      assertError(res, status, 'invalid_request_error', code);
      assert.match(res.body.error.request_id, /^req_/);
    }
  });
});

describe('slow clients and the connection cap, on a real port', () => {
  it('a client trickling its body is answered 408 and cut off within the request timeout, with or without a key', async () => {
    const t = await getTestContext();
    const { port } = await listening({ requestTimeoutMs: 400, headersTimeoutMs: 200, keepAliveTimeoutMs: 200 });
    for (const authorization of [`Authorization: Bearer ${t.adminKey}\r\n`, '']) {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await converse(port, (s) => {
        s.write(
          `POST /v1/customers HTTP/1.1\r\nHost: x\r\n${authorization}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
        );
        // One byte every 50 ms: never idle, never done.
        timer = setInterval(() => s.writable && s.write(' '), 50);
      });
      clearInterval(timer);
      assert.ok(outcome.closedAfterMs < 2_000, `closed after ${outcome.closedAfterMs} ms`);
      // Without a key the 401 goes first (before the body); the connection is still cut off.
      const last = outcome.data.slice(outcome.data.lastIndexOf('HTTP/1.1 '));
      assertError(parseRaw(last), 408, 'invalid_request_error', 'request_timeout');
    }
  });

  it('a client trickling its headers is cut off within the headers timeout', async () => {
    const { port } = await listening({ requestTimeoutMs: 1_000, headersTimeoutMs: 200, keepAliveTimeoutMs: 200 });
    let timer: NodeJS.Timeout | undefined;
    const outcome = await converse(port, (s) => {
      s.write('GET /health HTTP/1.1\r\nHost: x\r\n');
      let n = 0;
      timer = setInterval(() => s.writable && s.write(`X-H${n++}: y\r\n`), 40);
    });
    clearInterval(timer);
    assert.ok(outcome.closedAfterMs < 1_500, `closed after ${outcome.closedAfterMs} ms`);
    assertError(parseRaw(outcome.data), 408, 'invalid_request_error', 'request_timeout');
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const { port } = await listening({ keepAliveTimeoutMs: 200 });
    const outcome = await converse(port, (s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.match(outcome.data, /^HTTP\/1\.1 200/);
    assert.ok(outcome.closedAfterMs < 2_000, `closed after ${outcome.closedAfterMs} ms`);
  });

  it('connections beyond the cap are closed at once, and the server serves again once they go', async () => {
    const { app, port } = await listening({ maxConnections: 2 });
    const held: Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      await new Promise((resolve) => s.on('connect', resolve));
      held.push(s);
    }
    while ((await new Promise<number>((resolve) => app.server.getConnections((_e, n) => resolve(n)))) < 2)
      await new Promise((r) => setTimeout(r, 10));
    const refused = await converse(port, (s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'), 2_000);
    assert.equal(refused.data, '', 'a connection beyond the cap gets no answer');
    assert.ok(refused.closedAfterMs < 1_000, `closed after ${refused.closedAfterMs} ms`);
    for (const s of held) s.destroy();
    while ((await new Promise<number>((resolve) => app.server.getConnections((_e, n) => resolve(n)))) > 0)
      await new Promise((r) => setTimeout(r, 10));
    const served = await converse(port, (s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.match(served.data, /^HTTP\/1\.1 200/);
  });
});
