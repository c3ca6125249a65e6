/** Editing an open order: fields, lines, discounts, promotions, tags. */
import { toOrder } from '../document.js';
import type { DB } from '../../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../../platform/context.js';
import { ConflictError, NotFoundError } from '../../../platform/errors.js';
import { mergeTags, parseJson, toJson } from '../../../platform/json.js';
import { mergeMetadata } from '../../../platform/schemas.js';
import { normalizeEmail } from '../../customers/index.js';
import { releaseByReference } from '../../inventory/index.js';
import { claimPromotion, normalizeCode, releasePromotionUse } from '../../promotions/index.js';
import { type DiscountInput, type LineItemInput, type Order, type UpdateOrderInput } from '../schemas.js';
import { applyTotals } from '../draft.js';
import { itemIdOf, lookUpStock } from '../../inventory/index.js';
import { lineNeed, lineReference, reserveLines, reserveLinesWithBackorder } from '../stock.js';
import { transitionOrder } from '../transitions.js';
import { orderCommand } from '../command.js';

// ---------------------------------------------------------------- building blocks
import { searchTextOf, setTags } from '../draft.js';
import { type LineRef, appliedPromotion, newDiscount, newLine, resolveLine } from '../lines.js';
import { nextPosition } from '../lines.js';

export async function updateOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateOrderInput,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next, before) => {
    const { event } = transitionOrder('update', next.row);
    const r = next.row;
    if (input.shipping_address !== undefined)
      r.shipping_address = input.shipping_address ? toJson(input.shipping_address) : null;
    if (input.billing_address !== undefined)
      r.billing_address = input.billing_address ? toJson(input.billing_address) : null;
    if (input.shipping) {
      if (input.shipping.method !== undefined) r.shipping_method = input.shipping.method;
      if (input.shipping.carrier !== undefined) r.shipping_carrier = input.shipping.carrier;
      if (input.shipping.amount !== undefined) r.shipping_amount = input.shipping.amount;
      if (input.shipping.estimated_delivery !== undefined)
        r.shipping_estimated_delivery = input.shipping.estimated_delivery;
    }
    if (input.notes !== undefined) r.notes = input.notes;
    if (input.email !== undefined) {
      r.customer_email = input.email.trim();
      r.customer_email_normalized = normalizeEmail(input.email);
      r.search_text = searchTextOf(r);
    }
    if (input.metadata !== undefined) {
      const metadata = mergeMetadata(parseJson(r.metadata, {}), input.metadata);
      r.metadata = toJson(metadata);
    }
    if (input.tax_rate !== undefined) {
      r.tax_rate = input.tax_rate;
      r.tax_amount = null;
    }
    applyTotals(next);
    const unchanged =
      JSON.stringify({ ...toOrder(next), version: 0, updated_at: '' }) ===
      JSON.stringify({ ...toOrder(before), version: 0, updated_at: '' });
    return { event: unchanged ? null : event };
  });
  return order;
}

export async function addLineItem(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: LineItemInput & { allow_backorder?: boolean },
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { event } = transitionOrder('add_line_item', next.row);
    const stock = await lookUpStock(trx, [input], { location: () => 'location_id', sku: () => 'sku' });
    const line = newLine(next.row.id, nextPosition(next.lines), input, stock.locations[0], now);
    const need = lineNeed(line, line.quantity, itemIdOf(stock, line.sku, line.location_id));
    if (input.allow_backorder ?? next.row.allow_backorder === 1)
      await reserveLinesWithBackorder(trx, ctx, next.row.id, [{ line, need }]);
    else await reserveLines(trx, ctx, next.row.id, [need], stock);
    next.lines.push(line);
    return { event };
  });
  return order;
}

/** `line` is the line's id or a SKU on exactly one line (from the URL: a missing line is a 404; from a body: a 400 at `param`). */
export async function removeLineItem(
  db: DB,
  ctx: RequestContext,
  id: string,
  line: string | LineRef,
  expected?: ExpectedVersion,
  param = 'item_id',
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next) => {
    const { event } = transitionOrder('remove_line_item', next.row);
    const found =
      typeof line === 'string'
        ? (next.lines.find((l) => l.id === line) ?? resolveLine(next, { sku: line }, param, 'not_found'))
        : resolveLine(next, line, '');
    if (next.lines.length === 1) {
      throw new ConflictError(
        'order_must_keep_a_line',
        `Line ${found.id} is the last line of order ${next.row.order_number}; cancel the order instead.`,
        undefined,
        param,
      );
    }
    await releaseByReference(trx, ctx, lineReference(next.row.id, found.id));
    next.lines = next.lines.filter((l) => l.id !== found.id);
    return { event };
  });
  return order;
}

export async function addDiscount(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: DiscountInput,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next, _before, now) => {
    const { event } = transitionOrder('add_discount', next.row);
    next.discounts.push(newDiscount(next.row.id, nextPosition(next.discounts), input, now));
    return { event };
  });
  return order;
}

export async function removeDiscount(
  db: DB,
  ctx: RequestContext,
  id: string,
  discountId: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next) => {
    const { event } = transitionOrder('remove_discount', next.row);
    if (!next.discounts.some((x) => x.id === discountId)) throw new NotFoundError('order discount', discountId);
    next.discounts = next.discounts.filter((x) => x.id !== discountId);
    return { event };
  });
  return order;
}

export async function applyPromotion(
  db: DB,
  ctx: RequestContext,
  id: string,
  code: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { event } = transitionOrder('apply_promotion', next.row);
    const promotion = await claimPromotion(
      trx,
      code,
      { subtotal: Number(next.row.subtotal), currency: next.row.currency },
      now,
    );
    if (next.promotions.some((p) => p.promotion_id === promotion.id)) {
      throw new ConflictError(
        'promotion_not_applicable',
        `Promotion "${promotion.code}" is already applied to order ${next.row.order_number}; it applies once per order.`,
        { code, reason: 'already_applied' },
        'code',
      );
    }
    next.promotions.push(appliedPromotion(next.row.id, promotion, now));
    return { event };
  });
  return order;
}

export async function removePromotion(
  db: DB,
  ctx: RequestContext,
  id: string,
  promotionIdOrCode: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next) => {
    const { event } = transitionOrder('remove_promotion', next.row);
    const applied = next.promotions.find(
      (p) => p.promotion_id === promotionIdOrCode || normalizeCode(p.code) === normalizeCode(promotionIdOrCode),
    );
    if (!applied) throw new NotFoundError('promotion on this order', promotionIdOrCode);
    if (applied.counts_usage === 1) await releasePromotionUse(trx, applied.promotion_id);
    next.promotions = next.promotions.filter((p) => p !== applied);
    return { event };
  });
  return order;
}

export async function addOrderTags(
  db: DB,
  ctx: RequestContext,
  id: string,
  tags: string[],
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next) => {
    const { event } = transitionOrder('tag', next.row);
    const current: string[] = parseJson(next.row.tags, []);
    const merged = mergeTags(current, tags);
    if (merged.length === current.length) return { event: null };
    setTags(next.row, merged);
    return { event };
  });
  return order;
}

export async function removeOrderTag(
  db: DB,
  ctx: RequestContext,
  id: string,
  tag: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next) => {
    const { event } = transitionOrder('untag', next.row);
    const current: string[] = parseJson(next.row.tags, []);
    const kept = current.filter((t) => t.toLowerCase() !== tag.trim().toLowerCase());
    if (kept.length === current.length) return { event: null };
    setTags(next.row, kept);
    return { event };
  });
  return order;
}
