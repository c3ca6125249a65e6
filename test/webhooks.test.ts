/**
 * Webhooks (issue 16): endpoints, signed delivery from the events table by the worker, retries,
 * ordering, manual replays, and the guarantees: a rolled-back event is never sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inTransaction } from '../src/db/transaction.js';
import { recordEvent } from '../src/platform/events.js';
import {
  startWebhookWorker,
  verifySignature,
  type WebhookWorker,
  type WebhookWorkerOptions,
} from '../src/modules/webhooks/index.js';
import { verifySignature as clientVerifySignature } from '../clients/typescript/src/webhooks.js';
import { dialect, getTestContext, unique, type TestContext } from './helpers.js';
import { assertError, authHeader, newEmail, sleep } from './support.js';
import { startRawReceiver, startReceiver, type Receiver } from './webhook-receiver.js';

let t: TestContext;
let worker: WebhookWorker;
const receivers: Receiver[] = [];
const endpoints: string[] = [];

const workerOptions = {
  pollMs: 20,
  timeoutMs: 2_000,
  retryScheduleMs: [50, 100, 200, 400, 800, 1600, 3200],
  jitter: 0,
};

before(async () => {
  t = await getTestContext();
  worker = startWebhookWorker(t.db, workerOptions);
});

after(async () => {
  // Endpoints left behind would receive every later test's events.
  for (const id of endpoints) await t.api('DELETE', `/v1/webhook_endpoints/${id}`);
  await worker.stop();
  for (const r of receivers) await r.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function endpoint(url: string, enabled_events: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const res = await t.api('POST', '/v1/webhook_endpoints', { url, enabled_events, description: 'test' });
  assert.equal(res.status, 201, res.raw);
  endpoints.push(res.body.id);
  return res.body;
}

async function createCustomer(): Promise<string> {
  const res = await t.api('POST', '/v1/customers', { email: newEmail('wh') });
  assert.equal(res.status, 201, res.raw);
  return res.body.id;
}

/** Runs `test` with the worker restarted with these options, then restarts the usual one. */
async function withWorker(options: WebhookWorkerOptions, test: () => Promise<void>): Promise<void> {
  await worker.stop();
  worker = startWebhookWorker(t.db, { ...workerOptions, ...options });
  try {
    await test();
  } finally {
    await worker.stop();
    worker = startWebhookWorker(t.db, workerOptions);
  }
}

const ofObject = (id: string) => (r: { event: any }) => r.event.data?.object?.id === id;

describe('webhook endpoints', () => {
  it('creates with a whsec_ secret shown once, lists, updates, rotates and deletes; refuses non-http URLs', async () => {
    const created = await t.api('POST', '/v1/webhook_endpoints', {
      url: 'https://example.com/hooks',
      enabled_events: ['order.*', 'customer.created'],
      description: 'ERP',
    });
    assert.equal(created.status, 201, created.raw);
    assert.match(created.body.secret, /^whsec_/);
    assert.equal(created.body.status, 'enabled');
    const id = created.body.id;
    assert.match(id, /^we_/);

    const got = await t.api('GET', `/v1/webhook_endpoints/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.secret, undefined, 'the secret is shown only at creation');
    const list = await t.api('GET', '/v1/webhook_endpoints?status=enabled&limit=100');
    assert.ok(list.body.data.some((e: any) => e.id === id));
    assert.ok(list.body.data.every((e: any) => e.secret === undefined));

    const patched = await t.api(
      'PATCH',
      `/v1/webhook_endpoints/${id}`,
      { status: 'disabled', enabled_events: ['*'] },
      {
        'if-match': '1',
      },
    );
    assert.equal(patched.status, 200, patched.raw);
    assert.equal(patched.body.status, 'disabled');
    assert.equal(patched.body.version, 2);
    assertError(
      await t.api('PATCH', `/v1/webhook_endpoints/${id}`, { description: 'x' }, { 'if-match': '1' }),
      412,
      'precondition_failed',
    );

    const rotated = await t.api('POST', `/v1/webhook_endpoints/${id}/rotate_secret`);
    assert.equal(rotated.status, 200);
    assert.match(rotated.body.secret, /^whsec_/);
    assert.notEqual(rotated.body.secret, created.body.secret);
    assert.ok(rotated.body.previous_secret_expires_at > new Date(Date.now() + 23 * 3600_000).toISOString());

    for (const url of ['ftp://example.com/x', 'javascript:alert(1)', 'not a url', 'file:///etc/passwd']) {
      assertError(
        await t.api('POST', '/v1/webhook_endpoints', { url, enabled_events: ['*'] }),
        400,
        'invalid_request_error',
      );
    }
    assertError(
      await t.api('POST', '/v1/webhook_endpoints', { url: 'http://example.com', enabled_events: ['order'] }),
      400,
      'invalid_request_error',
    );
    assertError(
      await t.api('POST', '/v1/webhook_endpoints', { url: 'http://example.com', enabled_events: [] }),
      400,
      'invalid_request_error',
    );

    const events = await t.api('GET', `/v1/events?object_id=${id}`);
    assert.deepEqual(
      events.body.data.map((e: any) => e.type),
      ['webhook_endpoint.secret_rotated', 'webhook_endpoint.updated', 'webhook_endpoint.created'],
    );
    assert.ok(!events.raw.includes('whsec_'), 'events never carry the secret');

    const deleted = await t.api('DELETE', `/v1/webhook_endpoints/${id}`);
    assert.deepEqual(deleted.body, { id, object: 'webhook_endpoint', deleted: true });
    assertError(await t.api('GET', `/v1/webhook_endpoints/${id}`), 404, 'not_found');
  });

  it('needs admin or webhooks scopes', async () => {
    const orders = await t.keyWith(['orders:*', 'events:read']);
    assertError(await t.api('GET', '/v1/webhook_endpoints', undefined, authHeader(orders)), 403, 'permission_error');
    assertError(
      await t.api('POST', '/v1/webhook_endpoints', { url: 'http://x.test', enabled_events: ['*'] }, authHeader(orders)),
      403,
      'permission_error',
    );
    assertError(await t.api('GET', '/v1/webhook_deliveries', undefined, authHeader(orders)), 403, 'permission_error');
    const webhooks = await t.keyWith(['webhooks:*']);
    const made = await t.api(
      'POST',
      '/v1/webhook_endpoints',
      { url: 'http://x.test', enabled_events: ['*'], status: 'disabled' },
      authHeader(webhooks),
    );
    assert.equal(made.status, 201, made.raw);
    endpoints.push(made.body.id);
    const admin = await t.keyWith(['admin']);
    assert.equal(
      (await t.api('GET', `/v1/webhook_endpoints/${made.body.id}`, undefined, authHeader(admin))).status,
      200,
    );
    assert.equal((await t.api('GET', '/v1/webhook_deliveries', undefined, authHeader(admin))).status, 200);
    const reader = await t.keyWith(['webhooks:read']);
    assertError(
      await t.api('POST', `/v1/webhook_endpoints/${made.body.id}/rotate_secret`, undefined, authHeader(reader)),
      403,
      'permission_error',
    );
  });
});

describe('webhook delivery', () => {
  it('signs each request: verifySignature accepts it and refuses it with one byte changed, an old timestamp or another secret', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['customer.created']);
    const customerId = await createCustomer();
    await r.waitFor((rs) => rs.some(ofObject(customerId)));
    const got = r.received.find(ofObject(customerId))!;
    assert.equal(got.event.type, 'customer.created');
    assert.match(got.event.id, /^evt_/);
    assert.match(got.signature, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.match(got.webhookId, /^whd_/);
    assert.deepEqual(got.event, (await t.api('GET', `/v1/events/${got.event.id}`)).body, 'the body is the event');
    for (const verify of [verifySignature, clientVerifySignature]) {
      assert.equal(verify(got.body, got.signature, ep.secret, 300), true);
      assert.equal(verify(Buffer.from(got.body), got.signature, ep.secret, 300), true);
      for (const i of [0, Math.floor(got.body.length / 2), got.body.length - 1]) {
        const changed = got.body.slice(0, i) + String.fromCharCode(got.body.charCodeAt(i) ^ 1) + got.body.slice(i + 1);
        assert.equal(verify(changed, got.signature, ep.secret, 300), false, `byte ${i} changed`);
      }
      assert.equal(verify(got.body, got.signature, `${ep.secret}x`, 300), false);
      assert.equal(
        verify(got.body, got.signature, ep.secret, 300, Math.floor(Date.now() / 1000) + 3600),
        false,
        'too old',
      );
      assert.equal(verify(got.body, 'garbage', ep.secret, 300), false);
    }

    // After a rotation both secrets sign, for 24 hours.
    const rotated = await t.api('POST', `/v1/webhook_endpoints/${ep.id}/rotate_secret`);
    const second = await createCustomer();
    await r.waitFor((rs) => rs.some(ofObject(second)));
    const after = r.received.find(ofObject(second))!;
    assert.match(after.signature, /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    assert.equal(verifySignature(after.body, after.signature, rotated.body.secret, 300), true);
    assert.equal(verifySignature(after.body, after.signature, ep.secret, 300), true);
  });

  it('500, 500, 500 then 200: four attempts with one Webhook-Id, one success, each attempt logged', async () => {
    const r = await receiver();
    let calls = 0;
    r.respond = () => (++calls <= 3 ? 500 : 200);
    const ep = await endpoint(r.url, ['customer.created']);
    const customerId = await createCustomer();
    await r.waitFor((rs) => rs.filter(ofObject(customerId)).length >= 4, 10_000, 'four attempts');
    await sleep(200);
    const got = r.received.filter(ofObject(customerId));
    assert.equal(got.length, 4, 'no fifth attempt after the success');
    assert.equal(new Set(got.map((g) => g.webhookId)).size, 1, 'Webhook-Id is stable across retries');
    const list = await t.api('GET', `/v1/webhook_deliveries?endpoint_id=${ep.id}`);
    assert.equal(list.status, 200, list.raw);
    assert.equal(list.body.data.length, 1);
    const d = list.body.data[0];
    assert.equal(d.id, got[0].webhookId);
    assert.equal(d.status, 'succeeded');
    assert.equal(d.attempt_count, 4);
    assert.deepEqual(
      d.attempts.map((a: any) => a.status_code),
      [500, 500, 500, 200],
    );
    assert.equal(d.attempts[0].response_excerpt, 'status 500');
    assert.ok(d.attempts[0].next_retry_at, 'a failed attempt names its next retry');
    assert.equal(d.attempts[3].next_retry_at, null);
    assert.ok(d.attempts.every((a: any) => Number.isInteger(a.duration_ms)));
    const byEvent = await t.api('GET', `/v1/webhook_deliveries?event_id=${d.event_id}&status=succeeded`);
    assert.ok(byEvent.body.data.some((x: any) => x.id === d.id));
    assert.ok(byEvent.body.data.every((x: any) => x.event_id === d.event_id && x.status === 'succeeded'));
    const endpointAfter = await t.api('GET', `/v1/webhook_endpoints/${ep.id}`);
    assert.equal(endpointAfter.body.failing_since, null, 'a success ends the failure run');
  });

  it('a 4xx other than 408/429 fails at once; a manual retry makes a second attempt with the same Webhook-Id', async () => {
    const r = await receiver();
    r.respond = () => 410;
    const ep = await endpoint(r.url, ['customer.created']);
    const customerId = await createCustomer();
    await r.waitFor((rs) => rs.some(ofObject(customerId)));
    await sleep(200);
    let list = await t.api('GET', `/v1/webhook_deliveries?endpoint_id=${ep.id}`);
    const d = list.body.data[0];
    assert.equal(d.status, 'failed');
    assert.equal(d.attempt_count, 1);
    assert.equal(d.next_retry_at, null);
    assert.equal(r.received.length, 1);

    r.respond = () => 204;
    const retried = await t.api('POST', `/v1/webhook_deliveries/${d.id}/retry`);
    assert.equal(retried.status, 200, retried.raw);
    assert.equal(retried.body.status, 'pending');
    await r.waitFor((rs) => rs.length === 2);
    assert.equal(r.received[1].webhookId, d.id);
    await sleep(100);
    const after = await t.api('GET', `/v1/webhook_deliveries/${d.id}`);
    assert.equal(after.body.status, 'succeeded');
    assert.deepEqual(
      after.body.attempts.map((a: any) => a.status_code),
      [410, 204],
    );
    assertError(await t.api('POST', '/v1/webhook_deliveries/whd_missing/retry'), 404, 'not_found');

    // Resend: a new delivery (new Webhook-Id) of the same event.
    const resent = await t.api('POST', `/v1/events/${d.event_id}/resend`, { endpoint_id: ep.id });
    assert.equal(resent.status, 200, resent.raw);
    assert.equal(resent.body.data.length, 1);
    await r.waitFor((rs) => rs.length === 3);
    assert.equal(r.received[2].event.id, d.event_id);
    assert.equal(r.received[2].webhookId, resent.body.data[0].id);
    assert.notEqual(r.received[2].webhookId, d.id);
    assertError(await t.api('POST', '/v1/events/evt_missing/resend'), 404, 'not_found');
  });

  it('a receiver slower than the timeout: the attempt is logged as timed out and retried', async () => {
    const r = await receiver();
    // The worker here gives a receiver 2 s; the first answer would come after 3 s.
    r.delayMs = () => (r.received.length === 1 ? 3_000 : 0);
    const ep = await endpoint(r.url, ['customer.created']);
    const customerId = await createCustomer();
    await r.waitFor((rs) => rs.filter(ofObject(customerId)).length === 2, 10_000, 'the retry after the timeout');
    assert.equal(r.received[0].webhookId, r.received[1].webhookId);
    await sleep(100);
    const list = await t.api('GET', `/v1/webhook_deliveries?endpoint_id=${ep.id}`);
    const d = list.body.data[0];
    assert.equal(d.status, 'succeeded');
    assert.equal(d.attempts.length, 2);
    assert.equal(d.attempts[0].status_code, null);
    assert.equal(d.attempts[0].error, 'timed out after 2000 ms');
    assert.ok(
      d.attempts[0].duration_ms >= 2_000 && d.attempts[0].duration_ms < 3_000,
      String(d.attempts[0].duration_ms),
    );
    assert.equal(d.attempts[1].status_code, 200);
  });

  it('a worker stopped mid-send records no attempt and releases the claim; the next worker sends it', async () => {
    const r = await receiver();
    r.delayMs = () => (r.received.length === 1 ? 1_500 : 0);
    const ep = await endpoint(r.url, ['customer.created']);
    const customerId = await createCustomer();
    await r.waitFor((rs) => rs.some(ofObject(customerId)), 5_000, 'the first request');
    // The sender thread is waiting for the answer: stop cuts that short.
    await worker.stop();
    const [cut] = (await t.api('GET', `/v1/webhook_deliveries?endpoint_id=${ep.id}`)).body.data;
    assert.equal(cut.status, 'pending');
    assert.deepEqual(cut.attempts, [], 'a send cut short is not an attempt');
    const claim = await t.db
      .selectFrom('webhook_deliveries')
      .select(['claim_token', 'claimed_until'])
      .where('id', '=', cut.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(claim, { claim_token: null, claimed_until: null }, 'the claim is released, not left to expire');

    worker = startWebhookWorker(t.db, workerOptions);
    await r.waitFor((rs) => rs.filter(ofObject(customerId)).length === 2, 5_000, 'the send after the restart');
    assert.equal(r.received[1].webhookId, r.received[0].webhookId);
    let sent = cut;
    for (let i = 0; i < 50 && sent.status !== 'succeeded'; i++, await sleep(20))
      sent = (await t.api('GET', `/v1/webhook_deliveries/${cut.id}`)).body;
    assert.equal(sent.status, 'succeeded');
    assert.equal(sent.attempts.length, 1);
  });

  it('reads answers as real servers frame them: interim 100, chunked, close-delimited, split byte by byte; refuses garbage', async () => {
    const answers: Array<{ pieces: string[]; close?: boolean }> = [
      // 100 Continue, then a chunked 201, one byte per write.
      {
        pieces:
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n'.match(
            /[\s\S]{1,5}/g,
          )!,
      },
      // No length: the body runs until the connection closes.
      { pieces: ['HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\n\r\nqueued ', 'for later'], close: true },
      // 2 KB of UTF-8 with a length: 1 KB is kept; a 503 is retried.
      {
        pieces: [
          `HTTP/1.1 503 Busy\r\nContent-Length: 2048\r\n\r\n${Buffer.from('é'.repeat(1024)).toString('latin1')}`,
        ],
      },
      { pieces: ['nonsense\r\n\r\n'] },
      { pieces: ['HTTP/1.1 204 No Content\r\n\r\n'] },
    ];
    const raw = await startRawReceiver(
      (_, i) => answers[i] ?? { pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'] },
    );
    try {
      const ep = await endpoint(raw.url.replace('http://', 'http://ops:p%40ss@'), ['customer.created']);
      for (let i = 0; i < 3; i++) await createCustomer();
      const deliveries = async () =>
        (await t.api('GET', `/v1/webhook_deliveries?endpoint_id=${ep.id}&limit=10`)).body.data as any[];
      const deadline = Date.now() + 10_000;
      while ((await deliveries()).filter((d) => d.status === 'succeeded').length < 3 && Date.now() < deadline)
        await sleep(50);
      const done = await deliveries();
      assert.deepEqual(
        done.map((d) => d.status),
        ['succeeded', 'succeeded', 'succeeded'],
        JSON.stringify(done),
      );
      // The three are sent side by side: which got which answer depends on arrival order.
      const all = done.flatMap((d) => d.attempts).sort((x, y) => x.attempted_at.localeCompare(y.attempted_at));
      assert.deepEqual(
        all
          .slice(0, 5)
          .map((x) => x.status_code ?? 0)
          .sort(),
        [0, 201, 202, 204, 503],
        JSON.stringify(all),
      );
      const of = (code: number | null) => all.find((x) => x.status_code === code);
      assert.equal(of(201).response_excerpt, 'hello world');
      assert.equal(of(202).response_excerpt, 'queued for later');
      assert.equal(of(204).response_excerpt, '');
      assert.equal(Buffer.byteLength(of(503).response_excerpt), 1024, 'the first 1 KB of the body');
      assert.match(of(null).error, /not an HTTP\/1\.x response/);
      assert.ok(raw.requests.every((r) => r.head.startsWith('POST /hooks HTTP/1.1\r\n')));
      const auth = /authorization: basic (\S+)/i.exec(raw.requests[0].head)?.[1];
      assert.equal(
        Buffer.from(auth ?? '', 'base64').toString(),
        'ops:p@ss',
        'credentials in the URL are sent as Basic auth',
      );
      assert.match(raw.requests[0].head, /\r\nwebhook-id: whd_/i);
      assert.match(raw.requests[0].head, /\r\nstateset-signature: t=\d+,v1=[0-9a-f]{64}/i);
    } finally {
      await raw.close();
    }
  });

  it('keeps connections alive: deliveries one after another share one; a server that closes gets a new one', async () => {
    const raw = await startRawReceiver((_, i) => ({
      pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n' + (i === 2 ? 'Connection: close\r\n' : '') + '\r\nok'],
    }));
    try {
      await endpoint(raw.url, ['customer.*']);
      const customerId = await createCustomer();
      for (const name of ['A', 'B', 'C', 'D'])
        assert.equal((await t.api('PATCH', `/v1/customers/${customerId}`, { first_name: name })).status, 200);
      const deadline = Date.now() + 10_000;
      while (raw.requests.length < 5 && Date.now() < deadline) await sleep(20);
      assert.equal(raw.requests.length, 5);
      // The events of one customer go one after another; the third answer closed its connection.
      assert.deepEqual(
        raw.requests.map((r) => r.connection),
        [0, 0, 0, 1, 1],
      );
    } finally {
      await raw.close();
    }
  });

  it('refused connections are retried; the events of one resource arrive in order; the backlog arrives after the receiver is back', async () => {
    const r = await receiver();
    const port = new URL(r.url).port;
    await r.close();
    receivers.splice(receivers.indexOf(r), 1);
    const ep = await endpoint(r.url, ['customer.*']);
    const customerId = await createCustomer();
    for (const name of ['A', 'B', 'C'])
      assert.equal((await t.api('PATCH', `/v1/customers/${customerId}`, { first_name: name })).status, 200);
    await sleep(300); // several refused attempts of the first event
    const pending = await t.api('GET', `/v1/webhook_deliveries?endpoint_id=${ep.id}&status=pending`);
    assert.ok(pending.body.data.length >= 1);
    const first = pending.body.data.find((d: any) => d.event_type === 'customer.created');
    assert.ok(first.attempt_count >= 1 && first.attempts[0].status_code === null && first.attempts[0].error);
    const failing = await t.api('GET', `/v1/webhook_endpoints/${ep.id}`);
    assert.ok(failing.body.failing_since, 'the endpoint is failing');
    assert.ok(
      pending.body.data
        .filter((d: any) => d.event_type === 'customer.updated')
        .every((d: any) => d.attempt_count === 0),
      'later events of the customer wait for the first',
    );
    // ... until its retry, not due before it (so claims do not go over them every round of an outage).
    const heldUntil = first.next_retry_at;
    for (const d of pending.body.data.filter((x: any) => x.event_type === 'customer.updated'))
      assert.ok(d.next_retry_at >= heldUntil, `${d.next_retry_at} waits for ${heldUntil}`);

    const back = await startReceiver(Number(port));
    receivers.push(back);
    await back.waitFor((rs) => rs.filter(ofObject(customerId)).length >= 4, 10_000, 'the backlog');
    assert.deepEqual(
      back.received.filter(ofObject(customerId)).map((x) => `${x.event.type}:${x.event.data.object.first_name ?? ''}`),
      ['customer.created:', 'customer.updated:A', 'customer.updated:B', 'customer.updated:C'],
    );
  });

  it('a delivery retried by hand after failures lets the later events of its resource go at once', async () => {
    const r = await receiver();
    r.respond = () => 503;
    const ep = await endpoint(r.url, ['customer.*']);
    const customerId = await createCustomer();
    assert.equal((await t.api('PATCH', `/v1/customers/${customerId}`, { first_name: 'A' })).status, 200);
    await r.waitFor((rs) => rs.filter(ofObject(customerId)).length >= 2, 5_000, 'failed attempts');
    // Hours of failures, without waiting them: the first event's retry and the hold on the next
    // are an hour away, as after the 4th attempt.
    await t.api('PATCH', `/v1/webhook_endpoints/${ep.id}`, { status: 'disabled' });
    await sleep(100);
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    await t.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: inAnHour })
      .where('endpoint_id', '=', ep.id)
      .where('status', '=', 'pending')
      .execute();
    const list = await t.api('GET', `/v1/webhook_deliveries?endpoint_id=${ep.id}`);
    const first = list.body.data.find((d: any) => d.event_type === 'customer.created');
    const second = list.body.data.find((d: any) => d.event_type === 'customer.updated');
    assert.equal(second.attempt_count, 0, 'the update waits behind the failing creation');

    r.respond = () => 200;
    await t.api('PATCH', `/v1/webhook_endpoints/${ep.id}`, { status: 'enabled' });
    assert.equal((await t.api('POST', `/v1/webhook_deliveries/${first.id}/retry`)).status, 200);
    await r.waitFor(
      (rs) => rs.some((x) => x.webhookId === second.id),
      3_000,
      'the update, right after the creation went through',
    );
    const okIds = r.received.filter((x) => ofObject(customerId)(x)).map((x) => x.webhookId);
    assert.deepEqual(okIds.slice(-2), [first.id, second.id], 'in order');
  });

  it('an endpoint failing for 3 days is disabled, with an event', async () => {
    const r = await receiver();
    r.respond = () => 503;
    const ep = await endpoint(r.url, ['customer.created']);
    await createCustomer();
    await r.waitFor((rs) => rs.length >= 1);
    await sleep(100);
    // Three days of failures, without waiting them.
    const longAgo = new Date(Date.now() - 3 * 24 * 3600_000 - 60_000).toISOString();
    await t.db.updateTable('webhook_endpoints').set({ failing_since: longAgo }).where('id', '=', ep.id).execute();
    await createCustomer();
    for (let i = 0; i < 200; i++) {
      if ((await t.api('GET', `/v1/webhook_endpoints/${ep.id}`)).body.status === 'disabled') break;
      await sleep(20);
    }
    const disabled = await t.api('GET', `/v1/webhook_endpoints/${ep.id}`);
    assert.equal(disabled.body.status, 'disabled');
    assert.match(disabled.body.disabled_reason, /failed since/);
    const events = await t.api('GET', `/v1/events?object_id=${ep.id}&type=webhook_endpoint.disabled`);
    assert.equal(events.body.data.length, 1);
    const count = r.received.length;
    await createCustomer();
    await sleep(200);
    assert.equal(r.received.length, count, 'a disabled endpoint receives nothing');
    const enabled = await t.api('PATCH', `/v1/webhook_endpoints/${ep.id}`, { status: 'enabled' });
    assert.equal(enabled.body.failing_since, null);
    assert.equal(enabled.body.disabled_reason, null);
    await t.api('PATCH', `/v1/webhook_endpoints/${ep.id}`, { status: 'disabled' });
  });

  it('an event whose transaction rolled back is never sent; events committed after it are', async () => {
    const r = await receiver();
    await endpoint(r.url, ['*']);
    const marker = unique('rolledback');
    await assert.rejects(
      inTransaction(t.db, async (trx) => {
        await recordEvent(trx, { requestId: marker }, 'customer.created', { id: `cus_${marker}`, object: 'customer' });
        throw new Error('the command failed');
      }),
      /the command failed/,
    );
    if (dialect === 'postgres') {
      // A transaction still open holds back delivery of everything committed after it began.
      let release!: () => void;
      let recorded!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const inserted = new Promise<void>((resolve) => (recorded = resolve));
      const open = inTransaction(t.db, async (trx) => {
        await recordEvent(trx, { requestId: marker }, 'customer.created', {
          id: `cus_${marker}_2`,
          object: 'customer',
        });
        recorded();
        await held;
        throw new Error('rolled back later');
      });
      // The open transaction has its id before the next one starts (on a busy machine it may not
      // have run yet), and it ends even if the check fails: one left open stalls every database's
      // webhook delivery on this PostgreSQL server.
      await inserted;
      let during: string;
      try {
        during = await createCustomer();
        await sleep(300);
        assert.ok(!r.received.some(ofObject(during)), 'not sent while an older transaction may still commit');
      } finally {
        release();
      }
      await assert.rejects(open, /rolled back later/);
      await r.waitFor((rs) => rs.some(ofObject(during)));
    }
    const afterwards = await createCustomer();
    await r.waitFor((rs) => rs.some(ofObject(afterwards)));
    await sleep(100);
    assert.ok(!r.received.some((x) => x.event.request_id === marker), 'no rolled-back event was sent');
    const rows = await t.db
      .selectFrom('webhook_deliveries')
      .select('event_id')
      .where('event_id', 'like', 'evt_%')
      .execute();
    const stored = await t.db.selectFrom('events').select('id').where('request_id', '=', marker).execute();
    assert.equal(stored.length, 0);
    assert.ok(rows.length > 0);
  });

  it('an endpoint that answers slowly holds up only its own deliveries', async () => {
    const slow = await receiver();
    slow.delayMs = () => 1_500;
    const fast = await receiver();
    await endpoint(slow.url, ['customer.created']);
    await endpoint(fast.url, ['customer.created']);
    const first = await createCustomer();
    await slow.waitFor((rs) => rs.some(ofObject(first)), 5_000, "the slow endpoint's request");
    const next = await createCustomer();
    await fast.waitFor((rs) => rs.some(ofObject(next)), 5_000, 'the next event at the other endpoint');
    const answeredAt = slow.received.find(ofObject(first))!.receivedAt + 1_500;
    const nextAt = fast.received.find(ofObject(next))!.receivedAt;
    assert.ok(
      nextAt < answeredAt,
      `the next event reached the other endpoint at ${nextAt}, before the slow answer at ${answeredAt}`,
    );
    slow.delayMs = () => 0;
  });

  it('receivers that hang take no slot from an endpoint with nothing in flight', async () => {
    const hanging = [await receiver(), await receiver()];
    try {
      // Two slots in all, one per endpoint: the two hanging receivers take both.
      await withWorker({ concurrency: 2, perEndpoint: 1 }, async () => {
        for (const r of hanging) {
          r.delayMs = () => 1_500;
          await endpoint(r.url, ['customer.created']);
        }
        const other = await receiver();
        await endpoint(other.url, ['customer.updated']);
        const id = await createCustomer();
        for (const r of hanging) await r.waitFor((rs) => rs.some(ofObject(id)), 5_000, 'a hanging receiver');
        const updated = await t.api('PATCH', `/v1/customers/${id}`, { first_name: 'Ada' });
        assert.equal(updated.status, 200, updated.raw);
        await other.waitFor((rs) => rs.some(ofObject(id)), 5_000, 'the update at the other endpoint');
        const answeredAt = Math.min(...hanging.map((r) => r.received.find(ofObject(id))!.receivedAt)) + 1_500;
        const arrivedAt = other.received.find(ofObject(id))!.receivedAt;
        assert.ok(
          arrivedAt < answeredAt,
          `the update arrived at ${arrivedAt}, before the first hanging answer at ${answeredAt}`,
        );
      });
    } finally {
      for (const r of hanging) r.delayMs = () => 0;
    }
  });

  it('more waiting than an endpoint takes at once goes back and comes again: each event once, one attempt each', async () => {
    // One group at a time, each answered in 100 ms; a group not started within the 300 ms timeout
    // goes back unclaimed, to be claimed again.
    await withWorker({ timeoutMs: 300, perEndpoint: 1 }, async () => {
      const r = await receiver();
      r.delayMs = () => 100;
      const ep = await endpoint(r.url, ['customer.created']);
      const ids = await Promise.all(Array.from({ length: 10 }, () => createCustomer()));
      await r.waitFor((rs) => ids.every((id) => rs.some(ofObject(id))), 15_000, 'all 10 customers');
      let deliveries: any[] = [];
      for (let i = 0; i < 50; i++, await sleep(20)) {
        deliveries = (await t.api('GET', `/v1/webhook_deliveries?endpoint_id=${ep.id}`)).body.data;
        if (deliveries.every((d) => d.status === 'succeeded')) break;
      }
      assert.equal(deliveries.length, 10);
      assert.deepEqual(
        deliveries.map((d) => `${d.status}:${d.attempts.length}`),
        Array(10).fill('succeeded:1'),
      );
      const mine = r.received.filter((x) => ids.includes(x.event.data.object.id));
      assert.equal(mine.length, 10);
      assert.equal(new Set(mine.map((x) => x.webhookId)).size, 10);
    });
  });

  it('many orders at once: every event delivered exactly once (one process)', async () => {
    const r = await receiver();
    await endpoint(r.url, ['customer.*']);
    const ids = await Promise.all(Array.from({ length: 30 }, () => createCustomer()));
    await r.waitFor((rs) => ids.every((id) => rs.some(ofObject(id))), 15_000, 'all 30 customers');
    await sleep(200);
    const mine = r.received.filter((x) => ids.includes(x.event.data.object.id));
    assert.equal(mine.length, 30);
    assert.equal(new Set(mine.map((x) => x.webhookId)).size, 30);
  });
});
