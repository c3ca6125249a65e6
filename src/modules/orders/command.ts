import type { DB, Trx } from '../../db/connection.js';
import { nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { adjustOrderStats } from '../customers/index.js';
import { applyTotals, cloneDraft, overpaid, type OrderDraft } from './draft.js';
import { insertRefund } from './refunds.js';
import type { Order } from './schemas.js';
import { toOrder } from './document.js';
import { lockOrder, saveOrder } from './repository.js';

/**
 * What a command's change answers: the order event to record (null: nothing changed, nothing is
 * saved) and whatever else the command returns to its caller (a new order, a return, a shipment).
 */
export interface OrderChange<R> {
  event: string | null;
  result?: R;
}

/** A command's change: edits `next` (a copy of the locked order `before`) inside the transaction. */
export type OrderChangeFn<R> = (trx: Trx, next: OrderDraft, before: OrderDraft, now: string) => Promise<OrderChange<R>>;

/**
 * The one skeleton of an order command: one transaction, the order locked (the first lock of the
 * global lock order, src/db/transaction.ts) and If-Match checked, then changeOrder. Returns the
 * order as saved and the change's result.
 */
export function orderCommand<R = undefined>(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected: ExpectedVersion,
  change: OrderChangeFn<R>,
): Promise<{ order: Order; result: R }> {
  return inTransaction(db, async (trx) => changeOrder(trx, ctx, await lockOrder(trx, idOrNumber, expected), change));
}

/**
 * The skeleton's half inside a transaction, for a command that locks its orders itself (a merge
 * locks several in id order; cancelling a shipment writes the shipment after the order): `change`
 * edits a copy of the locked order, any money now beyond its total is refunded, and saveOrder
 * writes the copy with its event.
 */
export async function changeOrder<R = undefined>(
  trx: Trx,
  ctx: RequestContext,
  before: OrderDraft,
  change: OrderChangeFn<R>,
  now = nowIso(),
): Promise<{ order: Order; result: R }> {
  const next = cloneDraft(before);
  const { event, result } = await change(trx, next, before, now);
  if (event === null) return { order: toOrder(before), result: result as R };
  await refundOverpayment(trx, ctx, next, now);
  return { order: await saveOrder(trx, ctx, before, next, event, now), result: result as R };
}

/**
 * A change that brings the total below what was paid and not refunded (a removed line, a new
 * discount, lower shipping) refunds the difference to the original payment, so the order never
 * holds more of the customer's money than it is worth.
 */
async function refundOverpayment(trx: Trx, ctx: RequestContext, d: OrderDraft, now: string): Promise<void> {
  applyTotals(d);
  const r = d.row;
  const excess = overpaid(r);
  if (excess <= 0) return;
  await insertRefund(trx, ctx, { order: r, amount: excess, reason: 'order_edited', method: 'original_payment', now });
  r.refunded_total = Number(r.refunded_total) + excess;
  r.edit_refunded_total = Number(r.edit_refunded_total) + excess;
  await adjustOrderStats(trx, r.customer_id, { value: -excess });
}
