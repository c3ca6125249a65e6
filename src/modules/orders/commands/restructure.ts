import { adjustOrderStats } from '../../customers/index.js';
import type { DB, Trx } from '../../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../../platform/context.js';
import { formatNumber, nextNumber } from '../../../db/counters.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../platform/errors.js';
import { recordEvent } from '../../../platform/events.js';
import { newId, nowIso } from '../../../db/ids.js';
import { mergeTags, parseJson, toJson } from '../../../platform/json.js';
import { activeReservations, moveReservation } from '../../inventory/index.js';
import { releasePromotionUse } from '../../promotions/index.js';
import type { Order } from '../schemas.js';
import { toRefund } from '../refunds.js';
import { lineReference } from '../stock.js';
import { allShipped, applyTotals, assertUnshipped, confirmIfPaid, type OrderDraft } from '../draft.js';
import type { OrderDiscountsTable, OrderPromotionsTable, RefundsTable } from '../tables.js';
import { allocateByLargestRemainder } from '../../../platform/money.js';
import { transitionOrder } from '../transitions.js';
import { inTransaction } from '../../../db/transaction.js';
import { changeOrder, orderCommand, type OrderChangeFn } from '../command.js';
import { searchTextOf, setTags } from '../draft.js';
import { type LineRef, resolveLineQuantities } from '../lines.js';
import { insertOrder, lockOrder, whereIdOrNumber } from '../repository.js';

/** A discount or promotion turned into the fixed amount it takes now (free shipping stays as it is). */
function asFixed<T extends OrderDiscountsTable | OrderPromotionsTable>(entry: T, amount: number): T {
  if (entry.type === 'free_shipping') return entry;
  return { ...entry, type: 'fixed', percent_off: null, amount_off: amount };
}

/** `amount * part / whole`, rounded half-up, exactly. */
function proportion(amount: number, part: number, whole: number): number {
  if (whole === 0) return 0;
  return Number((2n * BigInt(amount) * BigInt(part) + BigInt(whole)) / (2n * BigInt(whole)));
}

/**
 * Moves `amount` of an order's payments to another order, newest first, splitting a payment row
 * when only part of it moves, so both orders' payments still add up to what was paid.
 */
async function movePayments(trx: Trx, fromOrderId: string, toOrderId: string, amount: number): Promise<void> {
  if (amount <= 0) return;
  const payments = await trx
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', fromOrderId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  let left = amount;
  for (const p of payments) {
    if (left === 0) break;
    const take = Math.min(left, Number(p.amount));
    if (take === Number(p.amount)) {
      await trx.updateTable('payments').set({ order_id: toOrderId }).where('id', '=', p.id).execute();
    } else {
      await trx
        .updateTable('payments')
        .set({ amount: Number(p.amount) - take })
        .where('id', '=', p.id)
        .execute();
      await trx
        .insertInto('payments')
        .values({ ...p, id: newId('pay'), order_id: toOrderId, amount: take })
        .execute();
    }
    left -= take;
  }
  if (left > 0)
    throw new ConflictError('payments_mismatch', `Order ${fromOrderId}'s payments add up to less than its paid total.`);
}

type RefundLine = { order_line_item_id: string; quantity: number; amount: number };

/** Writes a refund record that moved or was divided, with an event naming what changed. */
async function saveMovedRefund(
  trx: Trx,
  ctx: RequestContext,
  before: RefundsTable,
  after: RefundsTable,
): Promise<void> {
  const { id, created_at: _created, ...columns } = after;
  await trx.updateTable('refunds').set(columns).where('id', '=', id).execute();
  const previous: Record<string, unknown> = {};
  const old = toRefund(before);
  const now = toRefund(after);
  for (const key of ['order_id', 'amount', 'line_items'] as const)
    if (JSON.stringify(old[key]) !== JSON.stringify(now[key])) previous[key] = old[key];
  await recordEvent(trx, ctx, 'refund.updated', now, previous);
}

/**
 * Refund records follow refunded money between orders, so each order's refunds add up to its
 * totals.refunded. Moves `amount` of an order's refunds to another order: records naming moved
 * lines first, then the newest, those of returns last; a record only part of whose money moves is divided into two (the
 * same reason, method, return and created_at, amounts adding up to the original). order_edited
 * refunds never move (they lowered what the original order is owed). Line entries move with their
 * money, naming the line's new id (`lineIds`: old line id -> the id of its moved part); a divided
 * entry keeps on each side the whole units its money pays for.
 */
async function moveRefunds(
  trx: Trx,
  ctx: RequestContext,
  fromOrderId: string,
  toOrderId: string,
  amount: number,
  lineIds: Map<string, string>,
  now: string,
): Promise<void> {
  if (amount <= 0) return;
  const rows = (
    await trx
      .selectFrom('refunds')
      .selectAll()
      .where('order_id', '=', fromOrderId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute()
  ).filter((x) => x.reason !== 'order_edited');
  // Refunds of moved units first; refunds of returns last (returned units are shipped ones, which stay).
  const rank = (x: RefundsTable) =>
    parseJson<RefundLine[]>(x.line_items, []).some((e) => lineIds.has(e.order_line_item_id)) ? 0 : x.return_id ? 2 : 1;
  const ordered = [0, 1, 2].flatMap((r) => rows.filter((x) => rank(x) === r));
  const mapped = (e: RefundLine): RefundLine => ({
    ...e,
    order_line_item_id: lineIds.get(e.order_line_item_id) ?? e.order_line_item_id,
  });
  let left = amount;
  for (const row of ordered) {
    if (left === 0) break;
    const take = Math.min(left, Number(row.amount));
    const entries = parseJson<RefundLine[]>(row.line_items, []);
    if (take === Number(row.amount)) {
      await saveMovedRefund(trx, ctx, row, {
        ...row,
        order_id: toOrderId,
        line_items: toJson(entries.map(mapped)),
        version: row.version + 1,
        updated_at: now,
      });
    } else {
      // Entries of moved lines first, each moving as much of its money as is left to move.
      const sorted = [
        ...entries.filter((e) => lineIds.has(e.order_line_item_id)),
        ...entries.filter((e) => !lineIds.has(e.order_line_item_id)),
      ];
      const kept: RefundLine[] = [];
      const moved: RefundLine[] = [];
      let entryLeft = take;
      for (const e of sorted) {
        const t = Math.min(entryLeft, Number(e.amount));
        entryLeft -= t;
        const units = Number(e.amount) === 0 ? 0 : Math.floor((Number(e.quantity) * t) / Number(e.amount));
        if (t > 0) moved.push(mapped({ ...e, quantity: units, amount: t }));
        if (t < Number(e.amount))
          kept.push({ ...e, quantity: Number(e.quantity) - units, amount: Number(e.amount) - t });
      }
      await saveMovedRefund(trx, ctx, row, {
        ...row,
        amount: Number(row.amount) - take,
        line_items: toJson(kept),
        version: row.version + 1,
        updated_at: now,
      });
      const part: RefundsTable = {
        ...row,
        id: newId('re'),
        order_id: toOrderId,
        amount: take,
        line_items: toJson(moved),
        version: 1,
        updated_at: now,
      };
      await trx.insertInto('refunds').values(part).execute();
      await recordEvent(trx, ctx, 'refund.created', toRefund(part));
    }
    left -= take;
  }
  if (left > 0)
    throw new ConflictError(
      'refunds_mismatch',
      `Order ${fromOrderId}'s refunds add up to less than its refunded total.`,
    );
}

/**
 * Split: moves quantities (and their reservations, backordered units first) to a new order with
 * the same customer, addresses and terms. Discounts and promotions are divided in proportion to
 * the subtotals, by largest remainder, and become fixed amounts on both orders, so the two
 * orders' discounts add up exactly to the original's. Shipping stays on the original; explicit tax
 * is divided like discounts, and so is a rate's tax once money is paid when each order rounding on
 * its own would change the sum (both then carry it as an explicit amount); paid money (less
 * order_edited refunds) is divided in proportion to the new totals (all of the new order's total
 * when the original was fully paid). refunded_total moves with refunded units, and so far as each
 * order's refunded_total must stay within its paid_total; the refund records move with it
 * (moveRefunds). Only unshipped units move: a partially shipped order keeps what it shipped and is
 * shipped once nothing unshipped is left on it.
 */
export async function splitOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { line_items: Array<LineRef & { quantity: number }> },
  expected?: ExpectedVersion,
) {
  const { order, result: splitOrder } = await orderCommand(db, ctx, id, expected, async (trx, next, before, now) => {
    const r = next.row;
    const { event } = transitionOrder('split', r);
    const moving = resolveLineQuantities(next, input.line_items, 'line_items');
    for (const m of moving) assertUnshipped(m.line, m.quantity, 'that can move', `line_items[${m.index}].quantity`);
    const movedOf = (lineId: string) => moving.find((m) => m.line.id === lineId)?.quantity ?? 0;
    if (!next.lines.some((l) => movedOf(l.id) < Number(l.quantity))) {
      throw new ConflictError(
        'order_must_keep_a_line',
        `A split must leave something on order ${r.order_number}; this one would move everything.`,
        undefined,
        'line_items',
      );
    }

    const newOrderId = newId('ord');
    const reservations = await activeReservations(trx, { type: 'order', id: r.id });
    const newLines = [];
    const movedLineIds = new Map<string, string>();
    let movedRefundedValue = 0;
    for (const [position, m] of moving.entries()) {
      const line = m.line;
      const movedBackorder = Math.min(m.quantity, Number(line.quantity_backordered));
      const kept = Number(line.quantity) - m.quantity;
      const movedRefunded = Math.max(0, Number(line.quantity_refunded) - kept);
      movedRefundedValue += proportion(Number(line.total), movedRefunded, Number(line.quantity));
      const moved = {
        ...line,
        id: newId('oli'),
        order_id: newOrderId,
        position,
        quantity: m.quantity,
        quantity_backordered: movedBackorder,
        quantity_shipped: 0,
        quantity_returned: 0,
        quantity_refunded: movedRefunded,
        created_at: now,
        updated_at: now,
      };
      if (movedRefunded > 0) movedLineIds.set(line.id, moved.id);
      let toMove = m.quantity - movedBackorder;
      for (const rsv of reservations) {
        if (toMove === 0) break;
        if (rsv.reference_line_id !== line.id || Number(rsv.quantity) === 0) continue;
        const take = Math.min(toMove, Number(rsv.quantity));
        await moveReservation(trx, rsv.id, lineReference(newOrderId, moved.id), take);
        rsv.quantity = Number(rsv.quantity) - take;
        toMove -= take;
      }
      if (toMove > 0)
        throw new ConflictError(
          'reservation_missing',
          `Line ${line.id} holds fewer reserved units than it should; nothing was split.`,
        );
      line.quantity = kept;
      line.quantity_backordered = Number(line.quantity_backordered) - movedBackorder;
      line.quantity_refunded = Number(line.quantity_refunded) - movedRefunded;
      newLines.push(moved);
    }
    next.lines = next.lines.filter((l) => Number(l.quantity) > 0);

    // Discounts and promotions: the new order's share of the total discount, spread over the entries.
    const subtotal = Number(before.row.subtotal);
    const movedSubtotal = newLines.reduce((n, l) => n + Number(l.quantity) * Number(l.price), 0);
    const entries = [...next.discounts, ...next.promotions];
    const amounts = entries.map((e) => (e.type === 'free_shipping' ? 0 : Number(e.amount)));
    const discount = amounts.reduce((a, b) => a + b, 0);
    const shares = allocateByLargestRemainder(proportion(discount, movedSubtotal, subtotal), amounts);
    next.discounts = next.discounts.map((d, i) => asFixed(d, amounts[i] - shares[i]));
    next.promotions = next.promotions.map((p, i) =>
      asFixed(p, amounts[next.discounts.length + i] - shares[next.discounts.length + i]),
    );
    const newDiscounts = before.discounts.flatMap((d, i) =>
      shares[i] > 0 ? [{ ...asFixed(d, shares[i]), id: newId('dsc'), order_id: newOrderId, created_at: now }] : [],
    );
    const newPromotions = before.promotions.flatMap((p, i) => {
      const share = shares[before.discounts.length + i];
      return share > 0
        ? [{ ...asFixed(p, share), id: newId('opr'), order_id: newOrderId, counts_usage: 0, created_at: now }]
        : [];
    });

    const split: OrderDraft = {
      row: {
        ...r,
        id: newOrderId,
        order_number: formatNumber('ORD', await nextNumber(trx, 'order')),
        status: 'pending',
        shipping_amount: 0,
        shipping_tracking_number: null,
        paid_total: 0,
        refunded_total: 0,
        edit_refunded_total: 0,
        hold: null,
        cancel: null,
        split_from_order_id: r.id,
        merged_into_order_id: null,
        exchange_for_return_id: null,
        paid_at: null,
        shipped_at: null,
        delivered_at: null,
        cancelled_at: null,
        version: 1,
        created_at: now,
        updated_at: now,
      },
      lines: newLines,
      discounts: newDiscounts,
      promotions: newPromotions,
    };
    split.row.search_text = searchTextOf(split.row);
    const keptTaxable = subtotal - movedSubtotal - (discount - shares.reduce((a, b) => a + b, 0));
    const movedTaxable = movedSubtotal - shares.reduce((a, b) => a + b, 0);
    const pinTax = () => {
      const [kept, moved] = allocateByLargestRemainder(Number(before.row.tax_total), [keptTaxable, movedTaxable]);
      r.tax_amount = kept;
      split.row.tax_amount = moved;
    };
    if (r.tax_amount != null) pinTax();
    applyTotals(next);
    applyTotals(split);
    // Taxed at a rate, each half rounds on its own (2 x 87.5875 -> 88 + 88 against 175): once money
    // is paid, the two orders keep the tax charged, divided as explicit amounts, so nothing is owed.
    if (
      r.tax_amount == null &&
      Number(r.paid_total) > 0 &&
      Number(r.tax_total) + Number(split.row.tax_total) !== Number(before.row.tax_total)
    ) {
      pinTax();
      r.tax_rate = null;
      split.row.tax_rate = null;
      applyTotals(next);
      applyTotals(split);
    }

    // Divide what counts toward the totals (as balanceDue does): refunds other than order_edited ones never make money owed again.
    const counted = Number(r.paid_total) - Number(r.edit_refunded_total);
    const keptTotal = Number(next.row.total);
    const splitTotal = Number(split.row.total);
    const movedPaid =
      counted >= keptTotal + splitTotal
        ? splitTotal
        : allocateByLargestRemainder(Math.max(0, counted), [keptTotal, splitTotal])[1];
    // A refunded unit that moves takes its refund along (paid and refunded there, so nothing owed), as does any refund the original could no longer hold.
    const refunded = Number(r.refunded_total);
    const keptPaid = Number(r.paid_total) - movedPaid;
    const movedRefunded = Math.min(
      Math.max(movedRefundedValue, refunded - keptPaid, 0),
      movedPaid,
      refunded - Number(r.edit_refunded_total),
    );
    r.paid_total = keptPaid;
    r.refunded_total = refunded - movedRefunded;
    split.row.paid_total = movedPaid;
    split.row.refunded_total = movedRefunded;
    applyTotals(split);
    // Paid in full by its share of the original's payments: paid when the original was.
    confirmIfPaid(split, r.paid_at ?? now);
    // What stays of a partially shipped order may all be shipped now.
    if (r.status === 'partially_shipped' && allShipped(next.lines)) {
      r.status = transitionOrder('split_leaving_shipped', r, { as: 'split' }).to;
      const last = await trx
        .selectFrom('shipments')
        .select('shipped_at')
        .where('order_id', '=', r.id)
        .where('status', '!=', 'cancelled')
        .orderBy('shipped_at', 'desc')
        .executeTakeFirst();
      r.shipped_at = last?.shipped_at ?? now;
    }

    const splitOrder = await insertOrder(trx, split);
    await movePayments(trx, r.id, newOrderId, movedPaid);
    await moveRefunds(trx, ctx, r.id, newOrderId, movedRefunded, movedLineIds, now);
    await recordEvent(trx, ctx, 'order.created', splitOrder);
    await adjustOrderStats(trx, r.customer_id, { orders: 1 });
    return { event, result: splitOrder };
  });
  return { object: 'order_split' as const, order, split_order: splitOrder };
}

/**
 * An entry of a merged order as the fixed amount it takes now. Free shipping becomes 0: it waived
 * its own order's shipping, which the merge adds as 0, and must not waive the others'.
 */
function asMergedFixed<T extends OrderDiscountsTable | OrderPromotionsTable>(entry: T): T {
  return {
    ...entry,
    type: 'fixed',
    percent_off: null,
    amount_off: entry.type === 'free_shipping' ? 0 : Number(entry.amount),
  };
}

async function resolveOrderId(trx: Trx, idOrNumber: string): Promise<string | undefined> {
  const found = await whereIdOrNumber(trx.selectFrom('orders').select('id'), idOrNumber).executeTakeFirst();
  return found?.id;
}

/**
 * Merge: the other orders' lines, reservations, discounts, promotions, payments and refunds move
 * into this one; the others become `merged` (terminal) with merged_into_order_id. All must have the
 * same customer and currency, nothing shipped and none on hold. Discounts and promotions become the
 * fixed amounts they take now (free shipping: 0, its order's shipping already waived), and the
 * shipping each order charges is added up, so merging changes what is owed by at most a tax
 * rounding cent, and not at all once money is paid. Orders taxed at another rate (or by explicit
 * amount) keep the tax they charged: the merged order's tax becomes the sum, as an explicit amount;
 * so does tax at one rate when money is paid and the rate on the sum would round differently.
 * Refund records move with their money. Orders are locked in id order, so two merges cannot deadlock.
 */
export async function mergeOrders(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { order_ids: string[] },
  expected?: ExpectedVersion,
): Promise<Order> {
  return inTransaction(db, async (trx) => {
    const targetId = await resolveOrderId(trx, id);
    if (!targetId) throw new NotFoundError('order', id);
    const sourceIds: string[] = [];
    for (const [index, other] of input.order_ids.entries()) {
      const sourceId = await resolveOrderId(trx, other);
      if (!sourceId)
        throw new ValidationError(`No order "${other}".`, [
          { path: `order_ids[${index}]`, code: 'resource_missing', message: `No order "${other}"` },
        ]);
      if (sourceId === targetId)
        throw new ValidationError('An order cannot be merged into itself.', [
          { path: `order_ids[${index}]`, message: 'This is the order being merged into' },
        ]);
      if (!sourceIds.includes(sourceId)) sourceIds.push(sourceId);
    }
    const locked = new Map<string, OrderDraft>();
    for (const orderId of [targetId, ...sourceIds].sort())
      locked.set(orderId, await lockOrder(trx, orderId, orderId === targetId ? expected : undefined));
    const sources = sourceIds.map((s) => locked.get(s)!);
    const now = nowIso();
    // The target first: its upserts move the children, so the sources' saves find nothing to delete.
    const { order } = await changeOrder(trx, ctx, locked.get(targetId)!, absorbOrders(ctx, sources), now);
    for (const s of sources) await changeOrder(trx, ctx, s, mergedInto(targetId), now);
    await adjustOrderStats(trx, locked.get(targetId)!.row.customer_id, { orders: -sources.length });
    return order;
  });
}

/**
 * The merge's change of the order merged into: the sources' lines, reservations, discounts,
 * promotions, payments and refunds move onto it (see mergeOrders).
 */
function absorbOrders(ctx: RequestContext, sources: OrderDraft[]): OrderChangeFn<undefined> {
  const sourceIds = sources.map((s) => s.row.id);
  return async (trx, next, before, now) => {
    const r = next.row;
    const { event } = transitionOrder('merge', r, { who: `order ${r.order_number}` });
    for (const s of sources) {
      transitionOrder('merge_into', s.row, { as: 'merge', who: `order ${s.row.order_number}` });
      if (s.row.customer_id !== r.customer_id || s.row.currency !== r.currency) {
        throw new ConflictError(
          'merge_mismatch',
          `Order ${s.row.order_number} has another customer or currency than ${r.order_number}; only orders of the same customer and currency merge.`,
          {
            order_id: s.row.id,
            customer_id: s.row.customer_id,
            currency: s.row.currency,
          },
          'order_ids',
        );
      }
    }

    // Recomputing one order's tax at another's rate would change what is owed (or was paid).
    const taxedAlike = sources.every(
      (s) => s.row.tax_amount == null && (s.row.tax_rate ?? null) === (r.tax_rate ?? null),
    );
    if (r.tax_amount == null && !taxedAlike) {
      r.tax_amount = Number(r.tax_total);
      r.tax_rate = null;
    }
    // Even at one rate, the sum rounds once where each order rounded on its own (1445 + 1445 paid
    // against 2889): once money is paid, the merged tax is what the orders charged, as an amount.
    const taxCharged = [before, ...sources].reduce((n, o) => n + Number(o.row.tax_total), 0);
    const anyPaid = [before, ...sources].some((o) => Number(o.row.paid_total) > 0);
    r.shipping_amount = Number(r.shipping_total);
    next.discounts = next.discounts.map((d) => asMergedFixed(d));
    next.promotions = next.promotions.map((p) => asMergedFixed(p));
    let linePosition = next.lines.reduce((n, l) => Math.max(n, l.position + 1), 0);
    let discountPosition = next.discounts.reduce((n, d) => Math.max(n, d.position + 1), 0);
    let tags: string[] = parseJson(r.tags, []);
    for (const s of sources) {
      for (const line of s.lines) next.lines.push({ ...line, order_id: r.id, position: linePosition++ });
      for (const rsv of await activeReservations(trx, { type: 'order', id: s.row.id })) {
        await moveReservation(trx, rsv.id, lineReference(r.id, rsv.reference_line_id!));
      }
      for (const d of s.discounts)
        next.discounts.push({ ...asMergedFixed(d), order_id: r.id, position: discountPosition++ });
      for (const p of s.promotions) {
        const same = next.promotions.find((x) => x.promotion_id === p.promotion_id);
        if (!same) {
          next.promotions.push({ ...asMergedFixed(p), order_id: r.id });
          continue;
        }
        // One application per order: fold the amounts together and give back a doubly counted use.
        if (same.type === 'fixed') same.amount_off = Number(same.amount_off) + Number(p.amount);
        if (p.counts_usage === 1 && same.counts_usage === 1) await releasePromotionUse(trx, p.promotion_id);
        else if (p.counts_usage === 1) same.counts_usage = 1;
      }
      r.shipping_amount = Number(r.shipping_amount) + Number(s.row.shipping_total);
      if (r.tax_amount != null) r.tax_amount = Number(r.tax_amount) + Number(s.row.tax_total);
      r.paid_total = Number(r.paid_total) + Number(s.row.paid_total);
      r.refunded_total = Number(r.refunded_total) + Number(s.row.refunded_total);
      r.edit_refunded_total = Number(r.edit_refunded_total) + Number(s.row.edit_refunded_total);
      if (s.row.allow_backorder === 1) r.allow_backorder = 1;
      tags = mergeTags(tags, parseJson(s.row.tags, []));
    }
    setTags(r, tags);
    if (r.tax_amount == null && anyPaid) {
      applyTotals(next);
      if (Number(r.tax_total) !== taxCharged) {
        r.tax_amount = taxCharged;
        r.tax_rate = null;
      }
    }
    await trx.updateTable('payments').set({ order_id: r.id }).where('order_id', 'in', sourceIds).execute();
    for (const refund of await trx
      .selectFrom('refunds')
      .selectAll()
      .where('order_id', 'in', sourceIds)
      .orderBy('id')
      .execute()) {
      await saveMovedRefund(trx, ctx, refund, {
        ...refund,
        order_id: r.id,
        version: refund.version + 1,
        updated_at: now,
      });
    }
    return { event };
  };
}

/** The merge's change of each order merged away: empty, its money moved, `merged` (terminal). */
function mergedInto(targetId: string): OrderChangeFn<undefined> {
  return async (_trx, after) => {
    after.lines = [];
    after.discounts = [];
    after.promotions = [];
    const a = after.row;
    const { to, event } = transitionOrder('merge_into', a, { as: 'merge' });
    a.status = to;
    a.merged_into_order_id = targetId;
    a.shipping_amount = 0;
    a.tax_amount = null;
    a.paid_total = 0;
    a.refunded_total = 0;
    a.edit_refunded_total = 0;
    return { event };
  };
}
