/** An order's life outside fulfilment: paying, cancelling, holding and releasing. */
import type { DB } from '../../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../../platform/context.js';
import { ConflictError } from '../../../platform/errors.js';
import { toJson } from '../../../platform/json.js';
import { adjustOrderStats } from '../../customers/index.js';
import { releaseByReference } from '../../inventory/index.js';
import { releasePromotionUse } from '../../promotions/index.js';
import { insertRefund } from '../refunds.js';
import { type Order } from '../schemas.js';
import { balanceDue, holdOf, refundable } from '../draft.js';
import { transitionOrder } from '../transitions.js';
import { orderCommand } from '../command.js';
import { newPayment } from '../lines.js';

// ---------------------------------------------------------------- building blocks

export async function payOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { amount?: number; method?: string | null; payment_intent_id?: string | null },
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { event } = transitionOrder('pay', next.row);
    const due = balanceDue(next.row);
    if (due === 0)
      throw new ConflictError('order_already_paid', `Order ${next.row.order_number} has nothing left to pay.`, {
        balance_due: 0,
      });
    const amount = input.amount ?? due;
    if (amount > due)
      throw new ConflictError(
        'payment_exceeds_balance',
        `A payment of ${amount} is more than the balance due of ${due}.`,
        { balance_due: due },
        'amount',
      );
    await trx
      .insertInto('payments')
      .values(
        newPayment(
          next.row.id,
          next.row.currency,
          amount,
          input.method ?? next.row.payment_method,
          input.payment_intent_id,
          now,
        ),
      )
      .execute();
    next.row.paid_total = Number(next.row.paid_total) + amount;
    if (input.method !== undefined) next.row.payment_method = input.method;
    if (input.payment_intent_id !== undefined) next.row.payment_intent_id = input.payment_intent_id;
    await adjustOrderStats(trx, next.row.customer_id, { value: amount });
    return { event };
  });
  return order;
}

export async function cancelOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { reason: string; notes?: string | null },
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { to, event } = transitionOrder('cancel', next.row);
    const r = next.row;
    // A cancelled order never used its promotions: their uses go back (the entries stay, as a record).
    // Promotions before inventory items: the global lock order (src/db/transaction.ts).
    for (const p of next.promotions) {
      if (p.counts_usage !== 1) continue;
      await releasePromotionUse(trx, p.promotion_id);
      p.counts_usage = 0;
    }
    await releaseByReference(trx, ctx, { type: 'order', id: r.id });
    for (const l of next.lines) l.quantity_backordered = 0;
    const paidBack = refundable(r);
    if (paidBack > 0) {
      await insertRefund(trx, ctx, {
        order: r,
        amount: paidBack,
        reason: 'order_cancelled',
        method: 'original_payment',
        now,
      });
      r.refunded_total = Number(r.refunded_total) + paidBack;
      await adjustOrderStats(trx, r.customer_id, { value: -paidBack });
    }
    r.status = to;
    r.hold = null;
    r.cancel = toJson({ reason: input.reason, notes: input.notes ?? null, cancelled_at: now });
    r.cancelled_at = now;
    return { event };
  });
  return order;
}

export async function holdOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  reason: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next, _before, now) => {
    const { to, event } = transitionOrder('hold', next.row);
    next.row.hold = toJson({ reason, held_at: now, previous_status: next.row.status });
    next.row.status = to;
    return { event };
  });
  return order;
}

export async function releaseOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next) => {
    const { to, event } = transitionOrder('release', {
      status: next.row.status,
      previousStatus: holdOf(next.row)?.previous_status,
    });
    next.row.status = to;
    next.row.hold = null;
    return { event };
  });
  return order;
}
