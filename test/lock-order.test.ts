import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { inTransaction } from '../src/db/transaction.js';
import { verifyInventory } from '../src/modules/inventory/verify.js';
import { dialect, getTestContext, unique, type ApiResponse } from './helpers.js';
import { makeLocation, stock } from './orders-helpers.js';

/**
 * Races between commands that lock the same promotions and inventory items (on PostgreSQL, row
 * locks: the global order is in src/db/transaction.ts). 40 rounds at once; a race may be refused
 * with a 409, never answered with a 5xx, and the ledger stays exact.
 */
const ROUNDS = 40;

function assertNoServerError(responses: ApiResponse[]): void {
  const failed = responses.filter((r) => r.status >= 500);
  assert.deepEqual(
    failed.map((r) => r.raw),
    [],
    `${failed.length} of ${responses.length} requests answered 5xx`,
  );
}

describe('lock order under concurrent commands', () => {
  it('creating orders with a promotion while cancelling others that hold it and the same items', async () => {
    const t = await getTestContext();
    const [a, b] = [unique('LOCK-A-'), unique('LOCK-B-')];
    await stock(t, a, 10_000);
    await stock(t, b, 10_000);
    const promo = await t.api('POST', '/v1/promotions', { code: unique('LOCKP'), type: 'fixed', value: 100 });
    assert.equal(promo.status, 201, promo.raw);
    const order = (lineSkus: string[]) => ({
      customer: { email: `${unique('lock')}@example.com` },
      line_items: lineSkus.map((sku) => ({ sku, quantity: 1, price: 1000 })),
      promotion_codes: [promo.body.code],
    });
    const held = await Promise.all(Array.from({ length: ROUNDS }, () => t.api('POST', '/v1/orders', order([b, a]))));
    assert.deepEqual(
      held.map((r) => r.status),
      Array(ROUNDS).fill(201),
      held.find((r) => r.status !== 201)?.raw,
    );

    const raced = await Promise.all(
      held.flatMap((h, i) => [
        t.api('POST', `/v1/orders/${h.body.id}/cancel`, { reason: 'customer_request' }),
        t.api('POST', '/v1/orders', order(i % 2 ? [a, b] : [b, a])),
      ]),
    );
    assertNoServerError(raced);
    assert.deepEqual(
      raced.map((r) => r.status),
      Array(ROUNDS).fill([200, 201]).flat(),
    );
    const used = await t.api('GET', `/v1/promotions/${promo.body.id}`);
    assert.equal(used.body.times_used, ROUNDS, 'the cancelled orders gave back their uses, the new ones took theirs');
    assert.deepEqual((await verifyInventory(t.db)).drifts, []);
  });

  it('cancelling shipments (re-reserving their lines) while new orders reserve the same items', async () => {
    const t = await getTestContext();
    const skus = [unique('LOCK-C-'), unique('LOCK-D-'), unique('LOCK-E-')];
    for (const sku of skus) await stock(t, sku, 10_000);
    const lines = (order: string[]) => order.map((sku) => ({ sku, quantity: 2, price: 500 }));
    const shipped = await Promise.all(
      Array.from({ length: ROUNDS }, async (_, i) => {
        // Lines in an order other than the items' id order, so a shipment lists them that way too.
        const created = await t.api('POST', '/v1/orders', {
          customer: { email: `${unique('lock')}@example.com` },
          line_items: lines(i % 2 ? [...skus].reverse() : skus),
          payment: { status: 'paid', method: 'card' },
        });
        assert.equal(created.status, 201, created.raw);
        const ship = await t.api('POST', `/v1/orders/${created.body.id}/ship`, {
          carrier: 'UPS',
          tracking_number: unique('1Z'),
        });
        assert.equal(ship.status, 200, ship.raw);
        const shipments = await t.api('GET', `/v1/shipments?order_id=${created.body.id}`);
        return shipments.body.data[0].id as string;
      }),
    );

    const raced = await Promise.all(
      shipped.flatMap((shipmentId, i) => [
        t.api('POST', `/v1/shipments/${shipmentId}/cancel`),
        t.api('POST', '/v1/orders', {
          customer: { email: `${unique('lock')}@example.com` },
          line_items: lines(i % 2 ? skus : [...skus].reverse()),
        }),
      ]),
    );
    assertNoServerError(raced);
    assert.deepEqual(
      raced.map((r) => r.status),
      Array(ROUNDS).fill([200, 201]).flat(),
    );
    assert.deepEqual((await verifyInventory(t.db)).drifts, []);
  });

  it(
    'runs a transaction that PostgreSQL aborted for a deadlock again, instead of failing it',
    { skip: dialect !== 'postgres' && 'PostgreSQL only' },
    async () => {
      const t = await getTestContext();
      const [first, second] = [await makeLocation(t), await makeLocation(t)];
      let attempts = 0;
      let arrived = 0;
      let bothHoldOne!: () => void;
      const barrier = new Promise<void>((resolve) => {
        bothHoldOne = resolve;
      });
      // Each locks one row, waits until the other holds its row, then asks for the other's: a deadlock.
      const crossing = (a: string, b: string) =>
        inTransaction(t.db, async (trx) => {
          attempts++;
          await sql`update locations set version = version + 1 where id = ${a}`.execute(trx);
          if (++arrived === 2) bothHoldOne();
          await barrier;
          await sql`update locations set version = version + 1 where id = ${b}`.execute(trx);
        });
      await Promise.all([crossing(first, second), crossing(second, first)]);
      assert.equal(attempts, 3, 'one of the two was aborted and ran again');
      const versions = await t.db
        .selectFrom('locations')
        .select('version')
        .where('id', 'in', [first, second])
        .execute();
      assert.deepEqual(
        versions.map((v) => v.version),
        [3, 3],
        'the aborted attempt left nothing: each row was updated once by each transaction',
      );
    },
  );
});
