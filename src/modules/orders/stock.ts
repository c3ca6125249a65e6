import type { Trx } from '../../db/connection.js';
import type { RequestContext } from '../../platform/context.js';
import { reserveAvailable, reserveForDocument, type StockLookup, type StockNeed } from '../inventory/index.js';
import type { LedgerReference } from '../inventory/index.js';
import type { OrderLineItemsTable } from './tables.js';

/** How orders name their lines to the inventory ledger: reservations and movements reference the order's line. */
export const lineReference = (orderId: string, lineId: string): LedgerReference => ({
  type: 'order',
  id: orderId,
  line_id: lineId,
});

export const orderDocument = (orderId: string) => ({ type: 'order', id: orderId });

/** What a line of an order needs from stock. */
export const lineNeed = (line: OrderLineItemsTable, quantity: number, itemId: string | undefined): StockNeed => ({
  lineId: line.id,
  sku: line.sku,
  locationId: line.location_id,
  quantity,
  itemId,
});

/** Reserves every line's need or none (409 insufficient_inventory naming where stock is). */
export const reserveLines = (trx: Trx, ctx: RequestContext, orderId: string, needs: StockNeed[], stock?: StockLookup) =>
  reserveForDocument(trx, ctx, orderDocument(orderId), needs, stock);

/** Reserves what is available for each line and records the rest on the line as backordered. */
export async function reserveLinesWithBackorder(
  trx: Trx,
  ctx: RequestContext,
  orderId: string,
  lines: Array<{ line: OrderLineItemsTable; need: StockNeed }>,
): Promise<void> {
  const reserved = await reserveAvailable(
    trx,
    ctx,
    orderDocument(orderId),
    lines.map((l) => l.need),
  );
  lines.forEach(({ line, need }, i) => {
    line.quantity_backordered = Number(line.quantity_backordered) + need.quantity - reserved[i];
  });
}
