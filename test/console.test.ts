/**
 * The admin console (#18): how the server serves it, the API it relies on (GET /v1/api_keys/me,
 * x-required-scope), and the console itself in a real browser (playwright-core driving the system
 * chromium): sign in, create an order, hold, release, pay and ship one line, see the ledger movement,
 * a refused action and a read-only key. Screenshots of each main screen at 1280x800 and 768x1024
 * go to artifacts/console/; the home page and a 10,000-order list are timed (printed, not asserted).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { consoleDistDirectory, registerConsole } from '../src/console-assets.js';
import { newId } from '../src/db/ids.js';
import { buildExtraApp, getTestContext, unique, type TestContext } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'artifacts', 'console');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'tablet', width: 768, height: 1024 },
] as const;
const SEEDED_ORDERS = 10_000;

/** console/dist as `npm install` leaves it; built here when a checkout has not built it yet. */
function ensureConsoleBuilt(): string {
  const dist = consoleDistDirectory();
  if (!existsSync(path.join(dist, 'index.html')))
    execFileSync('npm', ['run', 'build:console'], { cwd: ROOT, stdio: 'ignore' });
  return dist;
}

let t: TestContext;
before(async () => {
  t = await getTestContext();
  ensureConsoleBuilt();
});

describe('console: served at /console', () => {
  it('/ redirects to /console, which answers the page with a strict content security policy', async () => {
    const root = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, '/console');
    const page = await t.app.inject({ method: 'GET', url: '/console' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<div id="root"><\/div>/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    // No CDN: every script and stylesheet the page loads comes from /console/assets.
    for (const [, src] of page.body.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g))
      assert.match(src, /^\/console\/assets\//);
  });

  it('serves the built files with their content types and answers index.html for console routes', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/console' });
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)![1];
    const js = await t.app.inject({ method: 'GET', url: script });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(String(js.headers['cache-control']), /immutable/);
    const route = await t.app.inject({ method: 'GET', url: '/console/orders/ord_123?status=on_hold' });
    assert.equal(route.statusCode, 200);
    assert.equal(route.body, page.body);
    assert.equal((await t.app.inject({ method: 'GET', url: '/console/assets/missing.js' })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: '/console/..%2f..%2fpackage.json' })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: '/console/../package.json' })).statusCode, 404);
  });

  it('without a build, /console says how to build it (never a 5xx)', async () => {
    const app = Fastify();
    await registerConsole(app, path.join(tmpdir(), `opsline-no-console-${unique()}`));
    for (const url of ['/console', '/console/orders']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404);
      assert.match(res.body, /npm run build:console/);
    }
    await app.close();
  });

  it('the bundle stays under 300 KB gzipped', () => {
    const assets = path.join(ensureConsoleBuilt(), 'assets');
    const bytes = readdirSync(assets).reduce((sum, f) => sum + gzipSync(readFileSync(path.join(assets, f))).length, 0);
    console.log(`console bundle: ${(bytes / 1024).toFixed(1)} KB gzipped`);
    assert.ok(bytes < 300 * 1024, `${bytes} bytes gzipped`);
  });
});

describe('console: what it asks of the API', () => {
  it('GET /v1/api_keys/me answers the calling key (any active key, no admin scope), never its secret', async () => {
    const secret = await t.keyWith(['orders:read']);
    const me = await t.api('GET', '/v1/api_keys/me', undefined, { authorization: `Bearer ${secret}` });
    assert.equal(me.status, 200, me.raw);
    assert.deepEqual(me.body.scopes, ['orders:read']);
    assert.equal(me.body.object, 'api_key');
    assert.ok(secret.startsWith(me.body.key_prefix), 'the prefix is the start of the secret');
    assert.ok(!me.raw.includes(secret) && me.body.secret === undefined);
    const admin = await t.api('GET', '/v1/api_keys/me');
    assert.ok(admin.body.scopes.includes('*') || admin.body.scopes.includes('admin'));
    assert.notEqual(admin.body.id, me.body.id);
    assert.equal((await t.api('GET', '/v1/api_keys/me', undefined, { authorization: '' })).status, 401);
    const wrong = await t.api('GET', '/v1/api_keys/me', undefined, { authorization: 'Bearer sk_nope' });
    assert.equal(wrong.status, 401);
    // A key without admin still cannot read other keys.
    const other = await t.api('GET', `/v1/api_keys/${admin.body.id}`, undefined, { authorization: `Bearer ${secret}` });
    assert.equal(other.status, 403);
  });

  it('every operation that needs a scope names it in the OpenAPI document (x-required-scope)', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(doc.paths['/v1/orders/{id}/hold'].post['x-required-scope'], 'orders:write');
    assert.equal(doc.paths['/v1/orders'].get['x-required-scope'], 'orders:read');
    assert.equal(doc.paths['/v1/api_keys'].get['x-required-scope'], 'admin');
    assert.equal(doc.paths['/v1/api_keys/me'].get['x-required-scope'], undefined);
    assert.equal(doc.paths['/health'].get['x-required-scope'], undefined);
    const missing = Object.entries<any>(doc.paths)
      .filter(([p]) => p.startsWith('/v1/') && p !== '/v1/api_keys/me')
      .flatMap(([p, ops]) => Object.entries<any>(ops).map(([m, op]) => [`${m} ${p}`, op['x-required-scope']]))
      .filter(([, scope]) => !scope);
    assert.deepEqual(missing, []);
  });
});

/** 10,000 orders in bulk: copies of one real order's row and document, with new ids and numbers. */
async function seedOrders(tag: string, count: number): Promise<void> {
  const item = await t.api('POST', '/v1/inventory_items', { sku: `SEED-${tag}`, on_hand: 1 });
  assert.equal(item.status, 201, item.raw);
  const template = await t.api('POST', '/v1/orders', {
    customer: { email: `${tag}@example.com` },
    line_items: [{ sku: `SEED-${tag}`, quantity: 1, price: 1999 }],
    allow_backorder: true,
    tags: [tag],
  });
  assert.equal(template.status, 201, template.raw);
  const row = await t.db.selectFrom('orders').selectAll().where('id', '=', template.body.id).executeTakeFirstOrThrow();
  const document = row.document ?? JSON.stringify(template.body);
  for (let start = 0; start < count - 1; start += 250) {
    const rows = [];
    for (let i = start; i < Math.min(start + 250, count - 1); i++) {
      const id = newId('ord');
      const orderNumber = `${tag.toUpperCase()}-${String(i).padStart(5, '0')}`;
      const createdAt = new Date(Date.parse(row.created_at) - (i + 1) * 1000).toISOString();
      rows.push({
        ...row,
        id,
        order_number: orderNumber,
        created_at: createdAt,
        updated_at: createdAt,
        search_text: `${row.search_text} ${orderNumber.toLowerCase()}`,
        document: document
          .replaceAll(template.body.id, id)
          .replaceAll(template.body.order_number, orderNumber)
          .replaceAll(row.created_at, createdAt),
      });
    }
    await t.db.insertInto('orders').values(rows).execute();
  }
}

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true')
  throw new Error(`${CHROMIUM} is missing: CI must run the console's browser tests (apt-get install -y chromium).`);
if (!haveChromium)
  console.log(`console browser tests skipped: ${CHROMIUM} is not installed (apt-get install -y chromium).`);

describe('console: in a browser', { skip: haveChromium ? false : `${CHROMIUM} is not installed` }, () => {
  let browser: Browser;
  let page: Page;
  let base: string;
  const tag = unique('c');
  const sku = { mug: `MUG-${tag}`.toUpperCase(), tee: `TEE-${tag}`.toUpperCase(), low: `LOW-${tag}`.toUpperCase() };
  const items: Record<string, string> = {};
  let orderId = '';

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { app } = await buildExtraApp({});
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    for (const [name, s, onHand, reorderPoint] of [
      ['mug', sku.mug, 40, 5],
      ['tee', sku.tee, 12, 2],
      ['low', sku.low, 3, 10],
    ] as const) {
      const res = await t.api('POST', '/v1/inventory_items', {
        sku: s,
        on_hand: onHand,
        reorder_point: reorderPoint,
        description: `${name} for the console test`,
      });
      assert.equal(res.status, 201, res.raw);
      items[name] = res.body.id;
    }
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
  });

  async function shot(name: string): Promise<void> {
    const size = page.viewportSize()!;
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${size.width}x${size.height}.png`), fullPage: false });
  }

  async function signIn(secret: string): Promise<void> {
    await page.goto(`${base}/console`);
    await page.fill('input[name=api_key]', secret);
    await page.click('button[type=submit]');
    await page.waitForSelector('text=What needs attention');
  }

  async function act(action: string): Promise<void> {
    await page.click(`[data-testid=actions] button:text-is("${action}")`);
    await page.waitForSelector('[role=dialog]');
  }

  it('signs in with a pasted key, keeps it in sessionStorage only, and times the home page', async () => {
    await page.goto(`${base}/console`);
    await shot('signin');
    await page.fill('input[name=api_key]', 'sk_not_a_key');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=That key is not valid');
    await signIn(t.adminKey);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.ok(!page.url().includes(t.adminKey));
    const started = Date.now();
    await page.goto(`${base}/console`);
    await page.waitForFunction(() => {
      const counts = [...document.querySelectorAll('.attention-count')];
      return counts.length > 0 && counts.every((c) => c.textContent !== '…');
    });
    console.log(`console: home page rendered with every count in ${Date.now() - started} ms`);
    const low = await page.textContent('[data-testid="count-Low stock items"]');
    assert.ok(Number(low) >= 1, `low stock count ${low}`);
  });

  it('creates an order through the UI, holds it, refuses to ship it while held, releases, pays and ships one line', async () => {
    await page.goto(`${base}/console/orders`);
    await page.click('button:text-is("New order")');
    await page.waitForSelector('[role=dialog]');
    await page.fill('[name="line_items.0.sku"]', sku.mug);
    await page.fill('[name="line_items.0.quantity"]', '3');
    await page.fill('[name="line_items.0.price"]', '1250');
    await page.click('button:has-text("Add line item")');
    await page.fill('[name="line_items.1.sku"]', sku.tee);
    await page.fill('[name="line_items.1.quantity"]', '1');
    await page.fill('[name="line_items.1.price"]', '2400');
    await page.fill('[name="customer.email"]', `${tag}@example.com`);
    await shot('order-create');
    await page.click('[role=dialog] button[type=submit]');
    await page.waitForURL(/\/console\/orders\/ord_/);
    orderId = decodeURIComponent(page.url().split('/').pop()!);
    const created = await t.api('GET', `/v1/orders/${orderId}`);
    assert.equal(created.status, 200);
    assert.deepEqual(
      created.body.line_items.map((l: any) => [l.sku, l.quantity, l.price]),
      [
        [sku.mug, 3, 1250],
        [sku.tee, 1, 2400],
      ],
    );
    await page.waitForSelector(`[data-testid=record-title]:text-is("${created.body.order_number}")`);

    await act('Hold');
    await page.fill('[role=dialog] [name=reason]', 'Address needs confirming');
    await page.click('[role=dialog] button[type=submit]');
    await page.waitForSelector('text=Hold: done.');
    assert.equal((await t.api('GET', `/v1/orders/${orderId}`)).body.status, 'on_hold');
    await page.waitForSelector('.page-head .badge:text-is("On hold")');
    await page.waitForSelector('[data-testid=timeline] >> text=order.held');

    // Shipping a held order is refused: the console shows the API's own message.
    await act('Ship');
    await page.click('[role=dialog] button[type=submit]');
    const banner = await page.waitForSelector('[role=dialog] .error-banner');
    const refusal = await t.api('POST', `/v1/orders/${orderId}/ship`, {});
    assert.ok(refusal.status >= 400 && refusal.status < 500);
    assert.match(
      String(await banner.textContent()),
      new RegExp(refusal.body.error.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    );
    await shot('order-refused');
    await page.click('[role=dialog] button:text-is("Cancel")');

    await act('Release');
    await page.click('[role=dialog] button[type=submit]');
    await page.waitForSelector('text=Release: done.');
    await act('Pay');
    await page.click('[role=dialog] button[type=submit]');
    await page.waitForSelector('text=Pay: done.');
    assert.equal((await t.api('GET', `/v1/orders/${orderId}`)).body.status, 'processing');

    await act('Ship');
    await page.fill(`[aria-label="line_items quantity for ${sku.mug}"]`, '1');
    await page.fill('[role=dialog] [name=carrier]', 'UPS');
    await shot('order-ship');
    await page.click('[role=dialog] button[type=submit]');
    await page.waitForSelector('text=Ship: done.');
    const shipped = (await t.api('GET', `/v1/orders/${orderId}`)).body;
    assert.equal(shipped.status, 'partially_shipped');
    assert.deepEqual(
      shipped.line_items.map((l: any) => [l.sku, l.quantity_shipped]),
      [
        [sku.mug, 1],
        [sku.tee, 0],
      ],
    );
    await page.waitForSelector('[data-testid=shipments] >> text=UPS');
    await page.waitForSelector('[data-testid=order-totals]');
    await shot('order');
  });

  it('shows the ledger movement of the shipped line on the inventory item page, and low stock in the list', async () => {
    await page.goto(`${base}/console/inventory_items/${items.mug}`);
    const movements = await page.waitForSelector('[data-testid=sub-Movements] >> text=shipment');
    assert.ok(movements);
    const ledger = (await t.api('GET', `/v1/inventory_items/${items.mug}/movements`)).body.data;
    assert.ok(
      ledger.some((m: any) => m.reason === 'shipment' && m.quantity === -1),
      JSON.stringify(ledger),
    );
    await page.waitForSelector('[data-testid=sub-Reservations]');
    await shot('inventory-item');
    await page.goto(`${base}/console/inventory_items?search=${encodeURIComponent(tag)}`);
    await page.waitForSelector(`tr.stock-low >> text=${sku.low}`);
    assert.equal(await page.locator(`tr.stock-low >> text=${sku.mug}`).count(), 0);
    await shot('inventory');
    await page.goto(`${base}/console/inventory_items/${items.low}`);
    await page.waitForSelector('text=Low stock:');
  });

  it('finds an order by number with search and filters by status from the home page link', async () => {
    const order = (await t.api('GET', `/v1/orders/${orderId}`)).body;
    await page.goto(`${base}/console/orders`);
    await page.fill('input[name=search]', order.order_number);
    await page.press('input[name=search]', 'Enter');
    await page.waitForSelector(`[data-testid=list-table] >> text=${order.order_number}`);
    assert.equal(await page.locator('[data-testid=list-table] tbody tr').count(), 1);
    await page.goto(`${base}/console`);
    await page.click('a:has-text("Orders to ship")');
    await page.waitForURL(/status_in=processing%2Cpartially_shipped|status_in=processing,partially_shipped/);
    await page.waitForSelector('[data-testid=list-table] tbody tr');
    assert.equal(await page.inputValue('select[name=status]'), '');
  });

  it('renders an order list of 10,000 orders and pages through it with the cursor', async () => {
    const seedTag = unique('bulk');
    const seeding = Date.now();
    await seedOrders(seedTag, SEEDED_ORDERS);
    const seeded = Date.now() - seeding;
    const started = Date.now();
    await page.goto(`${base}/console/orders?tag=${seedTag}`);
    await page.waitForSelector('[data-testid=total-count]:text-is("10,000")');
    await page.waitForSelector('[data-testid=list-table] tbody tr >> nth=49');
    console.log(
      `console: order list of ${SEEDED_ORDERS} orders rendered in ${Date.now() - started} ms (seeded in ${seeded} ms)`,
    );
    const unfiltered = Date.now();
    await page.goto(`${base}/console/orders`);
    await page.waitForSelector('[data-testid=list-table] tbody tr >> nth=49');
    console.log(
      `console: unfiltered order list (${await page.textContent('[data-testid=total-count]')} orders) rendered in ${Date.now() - unfiltered} ms`,
    );
    const first = await page.textContent('[data-testid=list-table] tbody tr >> nth=0');
    await page.click('button:has-text("Next")');
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid=list-table] tbody tr')?.textContent !== before,
      first,
    );
    await page.click('button:has-text("Previous")');
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid=list-table] tbody tr')?.textContent === before,
      first,
    );
  });

  it('takes screenshots of every main screen at 1280x800 and 768x1024', async () => {
    const screens: [string, string][] = [
      ['home', '/console'],
      ['orders', '/console/orders'],
      ['order', `/console/orders/${orderId}`],
      ['inventory', `/console/inventory_items?search=${encodeURIComponent(tag)}`],
      ['inventory-item', `/console/inventory_items/${items.mug}`],
      ['returns', '/console/returns'],
      ['customers', '/console/customers'],
    ];
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      for (const [name, url] of screens) {
        await page.goto(`${base}${url}`);
        await page.waitForSelector('.page-head h1');
        await page.waitForLoadState('networkidle');
        await shot(name);
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.ok(readdirSync(ARTIFACTS).filter((f) => f.endsWith('.png')).length >= screens.length * 2);
  });

  it('a read-only key sees no actions, and a screen it may not read shows the 403 plainly', async () => {
    const reader = await t.keyWith(['orders:read']);
    await page.click('button:text-is("Sign out")');
    await page.waitForSelector('input[name=api_key]');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await signIn(reader);
    await page.goto(`${base}/console/orders/${orderId}`);
    await page.waitForSelector('[data-testid=record-title]');
    assert.equal(await page.locator('[data-testid=actions] button').count(), 0);
    await page.waitForSelector('text=/action\\(s\\) hidden: this key.s scopes do not allow them/');
    assert.equal(
      await page.locator('nav >> text=Inventory items').count(),
      0,
      'no nav entry for what the key cannot read',
    );
    await page.goto(`${base}/console/inventory_items`);
    const error = await page.waitForSelector('.error-banner');
    assert.match(String(await error.textContent()), /^Not allowed: .*inventory:read/);
    await shot('forbidden');
  });
});
