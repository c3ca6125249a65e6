/** An order's lines, discounts, payments and applied promotions as rows, and lines named by id or SKU. */
import { ApiError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { newId } from '../../db/ids.js';
import { toJson } from '../../platform/json.js';
import { type DiscountInput, type LineItemInput } from './schemas.js';
import { type OrderDraft } from './draft.js';
import type { OrderDiscountsTable, OrderLineItemsTable, OrderPromotionsTable, PaymentsTable } from './tables.js';

// ---------------------------------------------------------------- building blocks

export function newLine(
  orderId: string,
  position: number,
  input: LineItemInput,
  locationId: string,
  now: string,
): OrderLineItemsTable {
  return {
    id: newId('oli'),
    order_id: orderId,
    position,
    sku: input.sku,
    name: input.name ?? null,
    location_id: locationId,
    quantity: input.quantity,
    price: input.price,
    discount: 0,
    tax: 0,
    total: 0,
    quantity_shipped: 0,
    quantity_returned: 0,
    quantity_refunded: 0,
    quantity_backordered: 0,
    metadata: toJson(input.metadata ?? {}),
    created_at: now,
    updated_at: now,
  };
}

export function newDiscount(orderId: string, position: number, input: DiscountInput, now: string): OrderDiscountsTable {
  return {
    id: newId('dsc'),
    order_id: orderId,
    position,
    code: input.code ?? null,
    type: input.type,
    percent_off: input.type === 'percentage' ? input.value : null,
    amount_off: input.type === 'fixed' ? input.value : null,
    amount: 0,
    reason: input.reason ?? null,
    created_at: now,
  };
}

export function newPayment(
  orderId: string,
  currency: string,
  amount: number,
  method: string | null | undefined,
  intent: string | null | undefined,
  now: string,
): PaymentsTable {
  return {
    id: newId('pay'),
    order_id: orderId,
    amount,
    currency,
    method: method ?? null,
    payment_intent_id: intent ?? null,
    created_at: now,
  };
}

export const nextPosition = (rows: Array<{ position: number }>) =>
  rows.reduce((n, r) => Math.max(n, r.position + 1), 0);

/** A line of an order as an action body names it: by its `oli_` id, or by a SKU on exactly one of its lines. */
export interface LineRef {
  id?: string;
  sku?: string;
}

/**
 * The one line `ref` names: by id, or by SKU when exactly one line of the order has it. A SKU on
 * several lines is a 400 ambiguous_sku listing their ids; a missing line is a 400 at `path` (or a
 * 404 when the line was named in the URL).
 */
export function resolveLine(
  d: OrderDraft,
  ref: LineRef,
  path: string,
  missing: 'invalid' | 'not_found' = 'invalid',
): OrderLineItemsTable {
  const name = ref.id !== undefined ? `line item "${ref.id}"` : `line with SKU "${ref.sku}"`;
  const candidates =
    ref.id !== undefined ? d.lines.filter((l) => l.id === ref.id) : d.lines.filter((l) => l.sku === ref.sku);
  if (candidates.length === 0) {
    if (missing === 'not_found') throw new NotFoundError('order line item', ref.id ?? ref.sku ?? '', path);
    const field = ref.id !== undefined ? 'id' : 'sku';
    throw new ValidationError(`Order ${d.row.order_number} has no ${name}.`, [
      { path: path ? `${path}.${field}` : field, code: 'resource_missing', message: `No ${name} on this order` },
    ]);
  }
  if (candidates.length > 1) {
    const ids = candidates.map((l) => l.id);
    throw new ApiError(
      400,
      'invalid_request_error',
      'ambiguous_sku',
      `SKU "${ref.sku}" is on ${ids.length} lines of order ${d.row.order_number} (${ids.join(', ')}); name the line by its id.`,
      {
        param: path ? `${path}.sku` : 'sku',
        details: { sku: ref.sku, line_item_ids: ids },
      },
    );
  }
  return candidates[0];
}

/** The order's lines for `items` (each by id or SKU, see resolveLine), quantities summed per line. */
export function resolveLineQuantities(
  d: OrderDraft,
  items: Array<LineRef & { quantity: number }>,
  field: string,
): Array<{ line: OrderLineItemsTable; quantity: number; index: number }> {
  const byLine = new Map<string, { line: OrderLineItemsTable; quantity: number; index: number }>();
  items.forEach((item, index) => {
    const line = resolveLine(d, item, `${field}[${index}]`);
    const entry = byLine.get(line.id);
    if (entry) entry.quantity += item.quantity;
    else byLine.set(line.id, { line, quantity: item.quantity, index });
  });
  return [...byLine.values()];
}

export function appliedPromotion(
  orderId: string,
  p: {
    id: string;
    code: string;
    type: OrderPromotionsTable['type'];
    percent_off: number | null;
    amount_off: number | null;
  },
  now: string,
): OrderPromotionsTable {
  return {
    id: newId('opr'),
    order_id: orderId,
    promotion_id: p.id,
    code: p.code,
    type: p.type,
    percent_off: p.percent_off,
    amount_off: p.amount_off,
    amount: 0,
    counts_usage: 1,
    created_at: now,
  };
}
