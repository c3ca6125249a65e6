/**
 * The platform through HTTP: authentication and scopes, API keys, request ids, the error shape,
 * lists, conditional writes, rate limits and the OpenAPI document. Customers serve as the resource.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildExtraApp, dialect, getTestContext, unique } from './helpers.js';
import {
  assertError,
  authHeader,
  bare,
  createCustomer,
  createTagged,
  detailPaths,
  ids,
  newEmail,
  sleep,
} from './support.js';

describe('health', () => {
  it('answers without a key, naming the database', async () => {
    const t = await getTestContext();
    const res = await bare(t.app, 'GET', '/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', database: t.database.dialect });
    assert.match(String(res.headers['x-request-id']), /^req_/);
  });
});

describe('authentication', () => {
  it('refuses a request without an Authorization header with 401', async () => {
    const t = await getTestContext();
    const res = await bare(t.app, 'GET', '/v1/customers');
    assertError(res, 401, 'authentication_error', 'invalid_api_key');
  });

  it('refuses malformed Authorization headers with 401', async () => {
    const t = await getTestContext();
    for (const value of [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer ',
      `Bearer ${t.adminKey} extra`,
      t.adminKey,
      `Bearer${t.adminKey}`,
    ]) {
      const res = await bare(t.app, 'GET', '/v1/customers', { authorization: value });
      assertError(res, 401, 'authentication_error');
    }
  });

  it('refuses an unknown key with 401', async () => {
    const t = await getTestContext();
    const res = await bare(t.app, 'GET', '/v1/customers', authHeader(`sk_${unique()}${unique()}`));
    assertError(res, 401, 'authentication_error', 'invalid_api_key');
  });

  it('accepts the legacy "Token sk_..." form and a lower-case scheme', async () => {
    const t = await getTestContext();
    for (const value of [`Token ${t.adminKey}`, `bearer ${t.adminKey}`, `token ${t.adminKey}`]) {
      const res = await bare(t.app, 'GET', '/v1/customers?limit=1', { authorization: value });
      assert.equal(res.status, 200, `${value.split(' ')[0]}: ${res.raw}`);
      assert.equal(res.body.object, 'list');
    }
  });

  it('refuses a key revoked with POST /v1/api_keys/:id/revoke', async () => {
    const t = await getTestContext();
    const created = await t.api('POST', '/v1/api_keys', { name: 'to revoke', scopes: ['customers:read'] });
    assert.equal(created.status, 201);
    const key = authHeader(created.body.secret);
    assert.equal((await bare(t.app, 'GET', '/v1/customers?limit=1', key)).status, 200);

    const revoked = await t.api('POST', `/v1/api_keys/${created.body.id}/revoke`);
    assert.equal(revoked.status, 200, revoked.raw);
    assert.equal(revoked.body.status, 'revoked');
    assert.ok(revoked.body.revoked_at);
    assert.equal(revoked.body.version, 2);
    assertError(await bare(t.app, 'GET', '/v1/customers?limit=1', key), 401, 'authentication_error', 'invalid_api_key');

    // Revoking again changes nothing: the first revocation time stands.
    const again = await t.api('POST', `/v1/api_keys/${created.body.id}/revoke`);
    assert.equal(again.status, 200);
    assert.equal(again.body.revoked_at, revoked.body.revoked_at);
    assert.equal(again.body.version, 2);
    const row = await t.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.revoked_at, revoked.body.revoked_at);
  });

  it('refuses a key revoked with DELETE /v1/api_keys/:id', async () => {
    const t = await getTestContext();
    const created = await t.api('POST', '/v1/api_keys', { scopes: ['customers:read'] });
    const key = authHeader(created.body.secret);
    assert.equal((await bare(t.app, 'GET', '/v1/customers?limit=1', key)).status, 200);
    const revoked = await t.api('DELETE', `/v1/api_keys/${created.body.id}`);
    assert.equal(revoked.status, 200, revoked.raw);
    assert.equal(revoked.body.status, 'revoked');
    assertError(await bare(t.app, 'GET', '/v1/customers?limit=1', key), 401, 'authentication_error');
    assertError(await t.api('DELETE', `/v1/api_keys/key_${unique()}`), 404, 'not_found');
  });

  it('refuses a key whose expiry has passed (expires_at moved into the past)', async () => {
    const t = await getTestContext();
    const created = await t.api('POST', '/v1/api_keys', {
      scopes: ['customers:read'],
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    assert.equal(created.status, 201, created.raw);
    assert.equal(created.body.status, 'active');
    const key = authHeader(created.body.secret);
    assert.equal((await bare(t.app, 'GET', '/v1/customers?limit=1', key)).status, 200);

    await t.db
      .updateTable('api_keys')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', created.body.id)
      .execute();
    assertError(await bare(t.app, 'GET', '/v1/customers?limit=1', key), 401, 'authentication_error', 'invalid_api_key');
    const shown = await t.api('GET', `/v1/api_keys/${created.body.id}`);
    assert.equal(shown.body.status, 'expired');
  });

  it('refuses a key once its near-future expiry passes in real time', async () => {
    const t = await getTestContext();
    const secret = await t.keyWith(['customers:read'], new Date(Date.now() + 400).toISOString());
    assert.equal((await bare(t.app, 'GET', '/v1/customers?limit=1', authHeader(secret))).status, 200);
    await sleep(450);
    assertError(await bare(t.app, 'GET', '/v1/customers?limit=1', authHeader(secret)), 401, 'authentication_error');
  });
});

describe('scopes', () => {
  it('a read scope can read but not write (403 permission_error, nothing written)', async () => {
    const t = await getTestContext();
    const key = authHeader(await t.keyWith(['customers:read']));
    assert.equal((await t.api('GET', '/v1/customers?limit=1', undefined, key)).status, 200);
    const email = newEmail('ro');
    const res = await t.api('POST', '/v1/customers', { email }, key);
    assertError(res, 403, 'permission_error', 'missing_scope');
    assert.deepEqual(res.body.error.details, { required_scope: 'customers:write' });
    const rows = await t.db.selectFrom('customers').select('id').where('email_normalized', '=', email).execute();
    assert.equal(rows.length, 0);
  });

  it('a scope for another resource gets 403', async () => {
    const t = await getTestContext();
    const key = authHeader(await t.keyWith(['orders:read']));
    assertError(await t.api('GET', '/v1/customers', undefined, key), 403, 'permission_error', 'missing_scope');
    assertError(await t.api('GET', '/v1/events', undefined, key), 403, 'permission_error');
  });

  it('customers:write implies customers:read, and customers:* grants both', async () => {
    const t = await getTestContext();
    for (const scopes of [['customers:write'], ['customers:*']]) {
      const key = authHeader(await t.keyWith(scopes));
      const made = await t.api('POST', '/v1/customers', { email: newEmail('w') }, key);
      assert.equal(made.status, 201, made.raw);
      const got = await t.api('GET', `/v1/customers/${made.body.id}`, undefined, key);
      assert.equal(got.status, 200, `${scopes}: ${got.raw}`);
      assert.equal((await t.api('GET', '/v1/customers?limit=1', undefined, key)).status, 200);
    }
  });

  it('"*" is allowed everywhere, admin routes included', async () => {
    const t = await getTestContext();
    const key = authHeader(await t.keyWith(['*']));
    for (const url of ['/v1/customers', '/v1/events', '/v1/api_keys']) {
      assert.equal((await t.api('GET', url, undefined, key)).status, 200, url);
    }
    assert.equal((await t.api('POST', '/v1/customers', { email: newEmail('star') }, key)).status, 201);
  });

  it('/v1/api_keys needs the admin scope', async () => {
    const t = await getTestContext();
    const writer = authHeader(await t.keyWith(['customers:write', 'events:read']));
    assertError(await t.api('GET', '/v1/api_keys', undefined, writer), 403, 'permission_error', 'missing_scope');
    assertError(await t.api('POST', '/v1/api_keys', { scopes: ['*'] }, writer), 403, 'permission_error');
    const target = await t.api('POST', '/v1/api_keys', { scopes: ['customers:read'] });
    assertError(
      await t.api('POST', `/v1/api_keys/${target.body.id}/revoke`, undefined, writer),
      403,
      'permission_error',
    );
    assertError(await t.api('DELETE', `/v1/api_keys/${target.body.id}`, undefined, writer), 403, 'permission_error');
    assert.equal((await t.api('GET', `/v1/api_keys/${target.body.id}`)).body.status, 'active');

    const admin = authHeader(await t.keyWith(['admin', 'customers:read']));
    assert.equal((await t.api('GET', '/v1/api_keys', undefined, admin)).status, 200);
    const made = await t.api('POST', '/v1/api_keys', { scopes: ['customers:read'] }, admin);
    assert.equal(made.status, 201, made.raw);
  });
});

describe('API keys', () => {
  it('shows the secret once at creation and stores only its hash', async () => {
    const t = await getTestContext();
    const name = unique('key-');
    const created = await t.api('POST', '/v1/api_keys', {
      name,
      scopes: ['customers:read', 'customers:read', 'events:read'],
    });
    assert.equal(created.status, 201, created.raw);
    const { secret, id } = created.body;
    assert.match(secret, /^sk_[A-Za-z0-9_-]{20,}$/);
    assert.match(id, /^key_/);
    assert.equal(created.body.object, 'api_key');
    assert.equal(created.body.name, name);
    assert.equal(created.body.key_prefix, secret.slice(0, 7));
    assert.deepEqual(created.body.scopes, ['customers:read', 'events:read']);
    assert.equal('key_hash' in created.body, false);

    const row = await t.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const hash = createHash('sha256').update(secret).digest('hex');
    assert.equal(row.key_hash, hash);
    assert.ok(!Object.values(row).includes(secret), 'the secret itself must not be stored');

    const one = await t.api('GET', `/v1/api_keys/${id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.secret, undefined);
    assert.equal(one.body.key_hash, undefined);

    // Page through every key: none shows a secret or a hash.
    let cursor: string | null = null;
    let seen = false;
    do {
      const page: any = await t.api('GET', `/v1/api_keys?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.raw);
      assert.ok(!page.raw.includes(secret) && !page.raw.includes(hash), 'a list must never show secrets or hashes');
      for (const k of page.body.data) {
        assert.equal('secret' in k, false);
        assert.equal('key_hash' in k, false);
        if (k.id === id) seen = true;
      }
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.ok(seen, 'the new key is listed');
  });

  it('an Idempotency-Key does not store or replay the secret', async () => {
    const t = await getTestContext();
    const idem = unique('idem-key-');
    const first = await t.api('POST', '/v1/api_keys', { scopes: ['customers:read'] }, { 'Idempotency-Key': idem });
    const second = await t.api('POST', '/v1/api_keys', { scopes: ['customers:read'] }, { 'Idempotency-Key': idem });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.headers['idempotent-replayed'], undefined);
    assert.notEqual(second.body.secret, first.body.secret, 'the secret is shown once only');
    const stored = await t.db.selectFrom('idempotency_keys').selectAll().where('idempotency_key', '=', idem).execute();
    assert.equal(stored.length, 0, 'no stored answer may hold a secret');
  });

  it('records when a key was last used', async () => {
    const t = await getTestContext();
    const created = await t.api('POST', '/v1/api_keys', { scopes: ['customers:read'] });
    assert.equal(created.body.last_used_at, null);
    const before = Date.now();
    assert.equal(
      (await t.api('GET', '/v1/customers?limit=1', undefined, { authorization: `Bearer ${created.body.secret}` }))
        .status,
      200,
    );
    const after = await t.api('GET', `/v1/api_keys/${created.body.id}`);
    assert.ok(after.body.last_used_at && Date.parse(after.body.last_used_at) >= before - 1000, after.raw);
    assert.equal(after.body.version, created.body.version, 'using a key is not a change of the key');
  });

  it('validates scopes and expiry at creation', async () => {
    const t = await getTestContext();
    let res = await t.api('POST', '/v1/api_keys', { scopes: ['customers:delete'] });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(res), ['scopes']);
    res = await t.api('POST', '/v1/api_keys', { scopes: [] });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    res = await t.api('POST', '/v1/api_keys', {
      scopes: ['*'],
      expires_at: new Date(Date.now() - 60_000).toISOString(),
    });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(res), ['expires_at']);
  });
});

describe('request ids', () => {
  it('every response has an X-Request-Id, a new one per request', async () => {
    const t = await getTestContext();
    const a = await t.api('GET', '/v1/customers?limit=1');
    const b = await t.api('GET', '/v1/customers?limit=1');
    const c = await bare(t.app, 'GET', '/v1/customers');
    const d = await t.api('GET', '/v1/nothing-here');
    for (const r of [a, b, c, d]) assert.match(String(r.headers['x-request-id']), /^req_[0-9a-z]{26}$/);
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
  });

  it("echoes the caller's X-Request-Id, in the header and in error bodies", async () => {
    const t = await getTestContext();
    const given = unique('trace-');
    const ok = await t.api('GET', '/v1/customers?limit=1', undefined, { 'X-Request-Id': given });
    assert.equal(ok.headers['x-request-id'], given);

    const notFound = await t.api('GET', `/v1/customers/cus_${unique()}`, undefined, { 'X-Request-Id': given });
    assertError(notFound, 404, 'not_found');
    assert.equal(notFound.body.error.request_id, given);

    const unauth = await bare(t.app, 'GET', '/v1/customers', { 'x-request-id': given });
    assertError(unauth, 401, 'authentication_error');
    assert.equal(unauth.body.error.request_id, given);
  });

  it('replaces an X-Request-Id that is not a sane token', async () => {
    const t = await getTestContext();
    for (const bad of ['has spaces in it', 'x'.repeat(200), '<script>']) {
      const res = await t.api('GET', '/v1/customers?limit=1', undefined, { 'X-Request-Id': bad });
      assert.match(String(res.headers['x-request-id']), /^req_/);
    }
  });
});

describe('error shape', () => {
  it('400 validation_error lists every bad field with its path', async () => {
    const t = await getTestContext();
    const res = await t.api('POST', '/v1/customers', {
      email: 'not-an-email',
      phone: '415-555-0123',
      status: 'sleeping',
      addresses: [
        { line1: '1 Main St', country: 'US' },
        { line1: '2 Side St', city: 'Austin', country: 'USA' },
      ],
      metadata: { ok: 'yes', bad: { nested: true } },
      unexpected: 1,
    });
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    const paths = detailPaths(res);
    for (const p of [
      'email',
      'phone',
      'status',
      'addresses[0].city',
      'addresses[1].country',
      'metadata.bad',
      'unexpected',
    ]) {
      assert.ok(paths.includes(p), `details should name ${p}: ${paths.join(', ')}`);
    }
    assert.ok(!paths.includes('addresses[0].line1'), 'a valid field is not reported');
    for (const d of res.body.error.details) {
      assert.equal(d.in, 'body');
      assert.equal(typeof d.message, 'string');
    }
    assert.equal(res.body.error.param, paths[0]);
    assert.equal(res.body.error.details.find((d: any) => d.path === 'unexpected').code, 'unknown_parameter');
  });

  it('404 for an unknown record and for an unknown route', async () => {
    const t = await getTestContext();
    const missing = await t.api('GET', `/v1/customers/cus_${unique()}`);
    assertError(missing, 404, 'not_found', 'not_found');
    assert.equal(missing.body.error.param, 'id');
    const route = await t.api('GET', '/v1/no_such_resource');
    assertError(route, 404, 'not_found', 'route_not_found');
    assert.match(route.body.error.message, /GET \/v1\/no_such_resource/);
    assertError(await t.api('PATCH', '/v1/customers'), 404, 'not_found', 'route_not_found');
  });

  it('400 invalid_json for a body that is not JSON, 415 for another media type', async () => {
    const t = await getTestContext();
    const bad = await t.api('POST', '/v1/customers', '{"email": "a@b.co",', { 'content-type': 'application/json' });
    assertError(bad, 400, 'invalid_request_error', 'invalid_json');
    const form = await t.api('POST', '/v1/customers', 'email=a%40b.co', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assertError(form, 415, 'invalid_request_error', 'unsupported_media_type');
    // Plain text is parsed as a string, which the body schema then refuses as a whole.
    const text = await t.api('POST', '/v1/customers', 'email=a@b.co', { 'content-type': 'text/plain' });
    assertError(text, 400, 'invalid_request_error', 'validation_error');
    assert.equal(text.body.error.param, undefined, 'a whole-body error names no empty param');
    assert.deepEqual(detailPaths(text), ['']);
  });

  it('409 conflict names its code', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t);
    const res = await t.api('POST', '/v1/customers', { email: c.email.toUpperCase() });
    assertError(res, 409, 'conflict', 'already_exists');
    assert.equal(res.body.error.param, 'email');
  });

  it('413 for a body over the limit, nothing written', async () => {
    const t = await getTestContext();
    const small = await buildExtraApp({ bodyLimitBytes: 256 });
    const email = newEmail('big');
    const res = await small.api('POST', '/v1/customers', { email, notes: 'x'.repeat(1000) });
    assertError(res, 413, 'invalid_request_error', 'payload_too_large');
    const rows = await t.db.selectFrom('customers').select('id').where('email_normalized', '=', email).execute();
    assert.equal(rows.length, 0);
    // Under the limit the same app works.
    assert.equal((await small.api('POST', '/v1/customers', { email })).status, 201);
  });

  it('500 api_error without a stack trace when the database holds a corrupt record', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t);
    await t.db.updateTable('customers').set({ metadata: '{not json' }).where('id', '=', c.id).execute();
    try {
      const res = await t.api('GET', `/v1/customers/${c.id}`);
      assertError(res, 500, 'api_error', 'api_error');
      assert.doesNotMatch(res.raw, /JSON|SyntaxError|position/i, 'the internal error message is not shown');
    } finally {
      await t.db.updateTable('customers').set({ metadata: '{}' }).where('id', '=', c.id).execute();
    }
  });
});

describe('lists', () => {
  it('answers the envelope; limit defaults to 20, allows 100, refuses 0 and 101', async () => {
    const t = await getTestContext();
    const tag = unique('list-');
    await createTagged(t, tag, 22);
    const page = await t.api('GET', `/v1/customers?tag=${tag}`);
    assert.equal(page.status, 200);
    assert.deepEqual(Object.keys(page.body).sort(), ['data', 'has_more', 'next_cursor', 'object', 'total_count']);
    assert.equal(page.body.object, 'list');
    assert.equal(page.body.data.length, 20);
    assert.equal(page.body.has_more, true);
    assert.equal(page.body.total_count, 22);
    assert.equal(typeof page.body.next_cursor, 'string');
    assert.ok(page.body.data.every((c: any) => c.object === 'customer'));

    const all = await t.api('GET', `/v1/customers?tag=${tag}&limit=100`);
    assert.equal(all.body.data.length, 22);
    assert.equal(all.body.has_more, false);
    assert.equal(all.body.next_cursor, null);

    for (const limit of ['101', '0', '-1', 'ten', '2.5']) {
      const res = await t.api('GET', `/v1/customers?limit=${limit}`);
      assertError(res, 400, 'invalid_request_error', 'validation_error');
      assert.deepEqual(detailPaths(res), ['limit']);
      assert.equal(res.body.error.details[0].in, 'query');
    }
  });

  it('pages by offset', async () => {
    const t = await getTestContext();
    const tag = unique('offset-');
    const made = await createTagged(t, tag, 7);
    const newestFirst = ids(made).reverse();
    const p1 = await t.api('GET', `/v1/customers?tag=${tag}&limit=3`);
    const p2 = await t.api('GET', `/v1/customers?tag=${tag}&limit=3&offset=3`);
    const p3 = await t.api('GET', `/v1/customers?tag=${tag}&limit=3&offset=6`);
    const p4 = await t.api('GET', `/v1/customers?tag=${tag}&limit=3&offset=9`);
    assert.deepEqual(ids(p1.body.data), newestFirst.slice(0, 3));
    assert.deepEqual(ids(p2.body.data), newestFirst.slice(3, 6));
    assert.deepEqual(ids(p3.body.data), newestFirst.slice(6));
    assert.deepEqual(
      [p1, p2, p3, p4].map((p) => p.body.has_more),
      [true, true, false, false],
    );
    assert.deepEqual(p4.body.data, []);
    assert.ok([p1, p2, p3, p4].every((p) => p.body.total_count === 7));
    assertError(
      await t.api('GET', `/v1/customers?tag=${tag}&offset=-1`),
      400,
      'invalid_request_error',
      'validation_error',
    );
  });

  it('pages by cursor over several pages, visiting every record once, in both directions', async () => {
    const t = await getTestContext();
    const tag = unique('cursor-');
    const made = ids(await createTagged(t, tag, 11));
    for (const [sort, expected] of [
      ['-created_at', [...made].reverse()],
      ['created_at', made],
    ] as const) {
      const visited: string[] = [];
      const pages: any[] = [];
      let cursor: string | null = null;
      do {
        const res: any = await t.api(
          'GET',
          `/v1/customers?tag=${tag}&limit=4&sort=${sort}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        assert.equal(res.status, 200, res.raw);
        pages.push(res.body);
        visited.push(...ids(res.body.data));
        cursor = res.body.next_cursor;
      } while (cursor);
      assert.deepEqual(visited, expected, `${sort}: every record exactly once, in order`);
      assert.deepEqual(
        pages.map((p) => p.data.length),
        [4, 4, 3],
      );
      assert.deepEqual(
        pages.map((p) => p.has_more),
        [true, true, false],
      );
      assert.deepEqual(
        pages.map((p) => p.next_cursor === null),
        [false, false, true],
      );
      assert.ok(
        pages.every((p) => p.total_count === 11),
        'total_count is the same on every page',
      );
    }
  });

  it('a record created mid-walk does not disturb a descending cursor walk', async () => {
    const t = await getTestContext();
    const tag = unique('walk-');
    const made = ids(await createTagged(t, tag, 5));
    const first = await t.api('GET', `/v1/customers?tag=${tag}&limit=2`);
    const late = await createCustomer(t, { tags: [tag] });
    const visited = ids(first.body.data);
    let cursor: string | null = first.body.next_cursor;
    while (cursor) {
      const res: any = await t.api('GET', `/v1/customers?tag=${tag}&limit=2&cursor=${cursor}`);
      visited.push(...ids(res.body.data));
      cursor = res.body.next_cursor;
    }
    assert.deepEqual(visited, [...made].reverse());
    assert.ok(!visited.includes(late.id));
  });

  it('sorts by another field (lifetime_value, email) both ways, with cursor paging', async () => {
    const t = await getTestContext();
    const tag = unique('sort-');
    const made = await createTagged(t, tag, 6, (i) => ({ email: `${tag}-${'fbdaec'[i]}@example.com` }));
    const values = [500, 100, 300, 600, 200, 400];
    for (const [i, c] of made.entries()) {
      await t.db.updateTable('customers').set({ lifetime_value: values[i] }).where('id', '=', c.id).execute();
    }
    const byValue = [...made.keys()].sort((a, b) => values[a] - values[b]).map((i) => made[i].id);

    const walk = async (sort: string): Promise<string[]> => {
      const out: string[] = [];
      let cursor: string | null = null;
      do {
        const res: any = await t.api(
          'GET',
          `/v1/customers?tag=${tag}&limit=4&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        assert.equal(res.status, 200, res.raw);
        out.push(...ids(res.body.data));
        cursor = res.body.next_cursor;
      } while (cursor);
      return out;
    };
    assert.deepEqual(await walk('lifetime_value'), byValue);
    assert.deepEqual(await walk('-lifetime_value'), [...byValue].reverse());
    const one = await t.api('GET', `/v1/customers?tag=${tag}&sort=-lifetime_value&limit=1`);
    assert.equal(one.body.data[0].lifetime_value, 600);

    const byEmail = [...made].sort((a, b) => (a.email < b.email ? -1 : 1)).map((c) => c.id);
    assert.deepEqual(await walk('email'), byEmail);
    assert.deepEqual(await walk('-email'), [...byEmail].reverse());

    const bad = await t.api('GET', `/v1/customers?sort=first_name`);
    assertError(bad, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(bad), ['sort']);
  });

  it('refuses offset with cursor, a garbage or forged cursor, and a cursor from another sort', async () => {
    const t = await getTestContext();
    const tag = unique('badcur-');
    await createTagged(t, tag, 3);
    const page = await t.api('GET', `/v1/customers?tag=${tag}&limit=1`);
    const cursor = page.body.next_cursor;
    assert.equal(typeof cursor, 'string');
    assert.equal((await t.api('GET', `/v1/customers?tag=${tag}&limit=1&cursor=${cursor}`)).status, 200);

    const both = await t.api('GET', `/v1/customers?tag=${tag}&limit=1&cursor=${cursor}&offset=1`);
    assertError(both, 400, 'invalid_request_error');
    assert.equal(both.body.error.param, 'cursor');
    const zero = await t.api('GET', `/v1/customers?tag=${tag}&limit=1&cursor=${cursor}&offset=0`);
    assertError(zero, 400, 'invalid_request_error');

    const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      'garbage',
      '%%%',
      forged({ a: 1 }),
      forged([{}, 'cus_x', '-created_at']),
      forged([true, 'cus_x', '-created_at']),
      forged([['x'], 'cus_x', '-created_at']),
      forged(['2020-01-01T00:00:00.000Z', 7, '-created_at']),
    ]) {
      const res = await t.api('GET', `/v1/customers?tag=${tag}&cursor=${encodeURIComponent(bad)}`);
      assertError(res, 400, 'invalid_request_error', 'invalid_cursor');
      assert.equal(res.body.error.param, 'cursor');
    }
    // A cursor naming the right sort but holding a value of the wrong type for its column: never a
    // 500. PostgreSQL refuses to compare text with a bigint (400); SQLite compares them (an answer).
    const wrongType = await t.api(
      'GET',
      `/v1/customers?tag=${tag}&sort=lifetime_value&cursor=${forged(['abc', 'cus_x', 'lifetime_value'])}`,
    );
    if (dialect === 'postgres') assertError(wrongType, 400, 'invalid_request_error', 'invalid_cursor');
    else assert.equal(wrongType.status, 200, wrongType.raw);
    // A cursor made for -created_at means nothing under another sort.
    const other = await t.api('GET', `/v1/customers?tag=${tag}&limit=1&sort=lifetime_value&cursor=${cursor}`);
    assertError(other, 400, 'invalid_request_error', 'invalid_cursor');
  });

  it('refuses an unknown filter, naming it', async () => {
    const t = await getTestContext();
    const res = await t.api('GET', '/v1/customers?colour=blue&limit=5');
    assertError(res, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(res.body.error.details, [
      { path: 'colour', code: 'unknown_parameter', message: 'Unknown filter or parameter "colour"', in: 'query' },
    ]);
    assert.match(res.body.error.message, /colour/);
    const events = await t.api('GET', '/v1/events?customer_id=cus_x');
    assertError(events, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(events), ['customer_id']);
  });

  it('filters by status and status_in', async () => {
    const t = await getTestContext();
    const tag = unique('status-');
    const statuses = ['active', 'inactive', 'suspended', 'inactive', 'active'] as const;
    const made = await createTagged(t, tag, 5, (i) => ({ status: statuses[i] }));
    const pick = (...wanted: string[]) =>
      made
        .filter((_, i) => wanted.includes(statuses[i]))
        .map((c) => c.id)
        .reverse();

    const inactive = await t.api('GET', `/v1/customers?tag=${tag}&status=inactive`);
    assert.deepEqual(ids(inactive.body.data), pick('inactive'));
    const many = await t.api('GET', `/v1/customers?tag=${tag}&status_in=inactive,suspended`);
    assert.deepEqual(ids(many.body.data), pick('inactive', 'suspended'));
    assert.equal(many.body.total_count, 3);
    const spaced = await t.api('GET', `/v1/customers?tag=${tag}&status_in=${encodeURIComponent('active , suspended')}`);
    assert.deepEqual(ids(spaced.body.data), pick('active', 'suspended'));
    assertError(await t.api('GET', `/v1/customers?status=sleeping`), 400, 'invalid_request_error', 'validation_error');
    const badList = await t.api('GET', `/v1/customers?status_in=active,sleeping`);
    assertError(badList, 400, 'invalid_request_error', 'validation_error');
    assert.equal(badList.body.error.param, 'status_in');
  });

  it('filters by created_after (inclusive) and created_before (exclusive)', async () => {
    const t = await getTestContext();
    const tag = unique('range-');
    const made = await createTagged(t, tag, 3);
    const dates = ['2001-01-01T00:00:00.000Z', '2001-02-01T00:00:00.000Z', '2001-03-01T00:00:00.000Z'];
    for (const [i, c] of made.entries()) {
      await t.db.updateTable('customers').set({ created_at: dates[i] }).where('id', '=', c.id).execute();
    }
    const q = async (params: string) =>
      ids((await t.api('GET', `/v1/customers?tag=${tag}&sort=created_at&${params}`)).body.data);
    assert.deepEqual(await q('created_after=2001-01-15&created_before=2001-03-01T00:00:00Z'), [made[1].id]);
    assert.deepEqual(await q('created_after=2001-02-01T00:00:00.000Z'), [made[1].id, made[2].id]);
    assert.deepEqual(await q('created_before=2001-02-01T00:00:00.000Z'), [made[0].id]);
    assert.deepEqual(await q('created_after=2001-03-02'), []);
    const bad = await t.api('GET', `/v1/customers?created_after=yesterday`);
    assertError(bad, 400, 'invalid_request_error', 'validation_error');
    assert.deepEqual(detailPaths(bad), ['created_after']);
  });
});

describe('writes', () => {
  it('PATCH, PUT and POST on /v1/customers/:id all update', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t, { first_name: 'Ann' });
    assert.equal(c.version, 1);
    const names = { PATCH: 'Bea', PUT: 'Cat', POST: 'Dee' } as const;
    let version = 1;
    for (const [method, name] of Object.entries(names) as Array<['PATCH' | 'PUT' | 'POST', string]>) {
      const res = await t.api(method, `/v1/customers/${c.id}`, { first_name: name });
      assert.equal(res.status, 200, `${method}: ${res.raw}`);
      assert.equal(res.body.first_name, name);
      assert.equal(res.body.version, ++version);
      assert.ok(res.body.updated_at >= c.updated_at);
    }
    const row = await t.db.selectFrom('customers').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    assert.equal(row.first_name, 'Dee');
    assert.equal(row.version, 4);
  });

  it('If-Match with the current version succeeds and bumps the version; a stale one is a 412 that changes nothing', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t, { first_name: 'Ann' });
    const ok = await t.api('PATCH', `/v1/customers/${c.id}`, { first_name: 'Bea' }, { 'If-Match': '1' });
    assert.equal(ok.status, 200, ok.raw);
    assert.equal(ok.body.version, 2);
    const quoted = await t.api('PATCH', `/v1/customers/${c.id}`, { first_name: 'Cat' }, { 'If-Match': '"2"' });
    assert.equal(quoted.status, 200, quoted.raw);
    assert.equal(quoted.body.version, 3);

    const stale = await t.api('PATCH', `/v1/customers/${c.id}`, { first_name: 'Zed' }, { 'If-Match': '2' });
    assertError(stale, 412, 'precondition_failed', 'precondition_failed');
    assert.deepEqual(stale.body.error.details, { current_version: 3 });
    const row = await t.db.selectFrom('customers').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    assert.equal(row.first_name, 'Cat');
    assert.equal(row.version, 3);
    const events = await t.db
      .selectFrom('events')
      .select('id')
      .where('request_id', '=', String(stale.headers['x-request-id']))
      .execute();
    assert.equal(events.length, 0);

    const staleDelete = await t.api('DELETE', `/v1/customers/${c.id}`, undefined, { 'If-Match': '1' });
    assertError(staleDelete, 412, 'precondition_failed');
    assert.ok(await t.db.selectFrom('customers').select('id').where('id', '=', c.id).executeTakeFirst());

    const garbage = await t.api('PATCH', `/v1/customers/${c.id}`, { first_name: 'Zed' }, { 'If-Match': 'abc' });
    assertError(garbage, 400, 'invalid_request_error', 'validation_error');
    assert.equal(garbage.body.error.param, 'If-Match');

    const okDelete = await t.api('DELETE', `/v1/customers/${c.id}`, undefined, { 'If-Match': '3' });
    assert.equal(okDelete.status, 200, okDelete.raw);
  });

  it('DELETE answers {id, object, deleted: true}', async () => {
    const t = await getTestContext();
    const c = await createCustomer(t);
    const res = await t.api('DELETE', `/v1/customers/${c.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { id: c.id, object: 'customer', deleted: true });
    assertError(await t.api('GET', `/v1/customers/${c.id}`), 404, 'not_found');
    assertError(await t.api('DELETE', `/v1/customers/${c.id}`), 404, 'not_found');
  });
});

describe('rate limits', () => {
  it('announces the limit and refuses the request past it with 429 and Retry-After', async () => {
    const t = await getTestContext();
    const limited = await buildExtraApp({ rateLimitPerMinute: 3 });
    const key = authHeader(await t.keyWith(['customers:read']));
    // The window is a fixed minute: if it rolls over mid-test, run the four requests again.
    for (let attempt = 0; ; attempt++) {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await limited.api('GET', '/v1/customers?limit=1', undefined, key));
      const resets = new Set(answers.map((a) => a.headers['x-ratelimit-reset']));
      if (resets.size > 1 && attempt < 2) continue;
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 200, 429],
      );
      assert.deepEqual(
        answers.map((a) => a.headers['x-ratelimit-limit']),
        ['3', '3', '3', '3'],
      );
      assert.deepEqual(
        answers.map((a) => a.headers['x-ratelimit-remaining']),
        ['2', '1', '0', '0'],
      );
      const reset = Number(answers[0].headers['x-ratelimit-reset']);
      const now = Date.now() / 1000;
      assert.ok(reset > now && reset <= now + 61, `X-RateLimit-Reset is a unix time within the minute: ${reset}`);
      const refused = answers[3];
      assertError(refused, 429, 'rate_limited', 'rate_limited');
      const retryAfter = Number(refused.headers['retry-after']);
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
        `Retry-After: ${refused.headers['retry-after']}`,
      );
      assert.equal(
        answers.slice(0, 3).some((a) => a.headers['retry-after'] !== undefined),
        false,
      );
      break;
    }
    // The limit is per API key: another key still gets through, and the shared app is unaffected.
    const other = authHeader(await t.keyWith(['customers:read']));
    assert.equal((await limited.api('GET', '/v1/customers?limit=1', undefined, other)).status, 200);
    assert.equal((await t.api('GET', '/v1/customers?limit=1', undefined, key)).status, 200);
  });
});

/** "METHOD /path/{param}" for every route the app registered, from Fastify's own route tree. */
function registeredRoutes(tree: string): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (method !== 'HEAD') out.add(`${method} ${path}`);
    }
  }
  return out;
}

describe('OpenAPI document and docs', () => {
  it('is a valid OpenAPI 3.1 document covering every /v1 route, each with error responses', async () => {
    const t = await getTestContext();
    const res = await bare(t.app, 'GET', '/openapi.json');
    assert.equal(res.status, 200);
    const doc = res.body;
    assert.match(doc.openapi, /^3\.1\.\d+$/);

    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.equal(result.valid, true, `OpenAPI validation errors: ${JSON.stringify(result.errors)?.slice(0, 2000)}`);

    const routes = [...registeredRoutes(t.app.printRoutes({ commonPrefix: false }))].filter((r) =>
      r.split(' ')[1].startsWith('/v1/'),
    );
    // The parser must see at least the foundation's routes, or this test would prove nothing.
    for (const known of [
      'GET /v1/customers',
      'POST /v1/customers',
      'GET /v1/customers/{id}',
      'PATCH /v1/customers/{id}',
      'PUT /v1/customers/{id}',
      'POST /v1/customers/{id}',
      'DELETE /v1/customers/{id}',
      'GET /v1/customers/{id}/events',
      'GET /v1/events',
      'GET /v1/events/{id}',
      'GET /v1/api_keys',
      'POST /v1/api_keys',
      'GET /v1/api_keys/{id}',
      'DELETE /v1/api_keys/{id}',
      'POST /v1/api_keys/{id}/revoke',
    ]) {
      assert.ok(routes.includes(known), `route tree parse should find ${known}`);
    }
    const documented = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'])
        if (item[method]) documented.add(`${method.toUpperCase()} ${path}`);
    }
    for (const route of routes)
      assert.ok(documented.has(route), `${route} is registered but not in the OpenAPI document`);
    for (const op of documented) {
      if (op.split(' ')[1].startsWith('/v1/')) assert.ok(routes.includes(op), `${op} is documented but not registered`);
    }

    assert.ok(doc.components.schemas.Error, 'the Error schema is a component');
    assert.deepEqual(doc.components.schemas.Error.required, ['error']);
    const isError = (response: any) => {
      const schema = response?.content?.['application/json']?.schema;
      return schema?.$ref === '#/components/schemas/Error' || Boolean(schema?.properties?.error);
    };
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries<any>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const where = `${method.toUpperCase()} ${path}`;
        const fourXX = Object.keys(op.responses).filter((s) => /^4\d\d$/.test(s));
        assert.ok(fourXX.length > 0, `${where} documents no 4xx response`);
        for (const s of fourXX) assert.ok(isError(op.responses[s]), `${where} ${s} is not the Error schema`);
        for (const s of ['400', '401', '403']) assert.ok(op.responses[s], `${where} lacks ${s}`);
        assert.ok(
          Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)),
          `${where} documents no success`,
        );
        assert.notDeepEqual(op.security, [], `${where} must not be marked as needing no key`);
      }
    }
    // Spot checks that the document is generated from the same schemas that validate.
    assert.ok(doc.paths['/v1/customers/{id}'].get.responses['404']);
    assert.ok(doc.paths['/v1/customers/{id}'].patch.responses['412']);
    const params = doc.paths['/v1/customers'].get.parameters.map((p: any) => p.name);
    for (const p of [
      'limit',
      'offset',
      'cursor',
      'sort',
      'email',
      'status',
      'status_in',
      'tag',
      'search',
      'created_after',
      'created_before',
    ]) {
      assert.ok(params.includes(p), `GET /v1/customers documents ${p}`);
    }
    assert.deepEqual(doc.paths['/health'].get.security, []);
  });

  it('/docs renders HTML', async () => {
    const t = await getTestContext();
    let res = await bare(t.app, 'GET', '/docs');
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 3; hops++) {
      const location = String(res.headers.location);
      res = await bare(t.app, 'GET', location.startsWith('/') ? location : `/docs/${location}`);
    }
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.raw, /<html/i);
  });
});
