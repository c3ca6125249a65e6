/** Reading orders: the list's filters, a page of stored documents, one order. */
import { z } from 'zod';
import type { DB, Executor } from '../../db/connection.js';
import { type JsonText } from '../../platform/json.js';
import { containsText, envelopeJsonText, runList, type ListSpec } from '../../platform/list.js';
import { normalizeEmail } from '../customers/index.js';
import { FULFILLMENT_STATUSES, ORDER_SOURCES, PAYMENT_STATUSES, type Order } from './schemas.js';
import type { OrdersTable } from './tables.js';
import { ORDER_STATUSES } from './transitions.js';

// ---------------------------------------------------------------- building blocks
import { toOrder } from './document.js';
import { documentsOf, loadOrder, loadOrderDocument } from './repository.js';

export const orderListSpec: ListSpec = {
  table: 'orders',
  sortable: ['updated_at', 'total', 'order_number'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: ORDER_STATUSES },
    payment_status: { kind: 'exact', column: 'payment_status', multi: true, values: PAYMENT_STATUSES },
    fulfillment_status: { kind: 'exact', column: 'fulfillment_status', multi: true, values: FULFILLMENT_STATUSES },
    customer_id: { kind: 'exact', column: 'customer_id' },
    customer_email: {
      kind: 'custom',
      schema: z
        .string()
        .min(1)
        .describe(
          'Orders of the customer with this email (case-insensitive); `search` also finds an order by the email on it',
        ),
      apply: (qb, email: string) =>
        qb.where((eb: any) =>
          eb(
            'orders.customer_id',
            'in',
            eb
              .selectFrom('customers')
              .select('customers.id')
              .where('customers.email_normalized', '=', normalizeEmail(email)),
          ),
        ),
    },
    source: { kind: 'exact', column: 'source', multi: true, values: ORDER_SOURCES },
    currency: { kind: 'exact', column: 'currency', normalize: (v) => v.toUpperCase() },
    total: { kind: 'range', column: 'total' },
    sku: {
      kind: 'custom',
      schema: z.string().trim().min(1).describe('Orders with a line of this SKU'),
      apply: (qb, sku: string) =>
        qb.where((eb: any) =>
          eb(
            'orders.id',
            'in',
            eb
              .selectFrom('order_line_items')
              .select('order_line_items.order_id')
              .where('order_line_items.sku', '=', sku),
          ),
        ),
    },
    tag: {
      kind: 'custom',
      schema: z.string().min(1),
      apply: (qb, tag: string) => qb.where(containsText('tags_index', `|${tag}|`)),
    },
    search: {
      kind: 'custom',
      schema: z.string().min(1).describe('Order number, customer email or name'),
      apply: (qb, term: string) => qb.where(containsText('search_text', term)),
    },
  },
};

/** A page of orders as JSON text: their stored documents in the list envelope. */
export async function listOrders(db: DB, query: Record<string, unknown>): Promise<JsonText> {
  const result = await runList<Pick<OrdersTable, 'id' | 'document'>>(db, orderListSpec, query, undefined, ['document']);
  return envelopeJsonText(result, await documentsOf(db, result.rows));
}

/** An order as JSON text (its stored document), for retrieve. */
export function getOrderJson(db: DB, idOrNumber: string): Promise<JsonText> {
  return loadOrderDocument(db, idOrNumber);
}

export async function getOrder(db: Executor, idOrNumber: string): Promise<Order> {
  return toOrder(await loadOrder(db, idOrNumber));
}
