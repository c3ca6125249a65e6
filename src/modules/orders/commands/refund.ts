/** The order's refund action (the rules are in after-sales.ts and draft.ts). */
import type { DB } from '../../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../../platform/context.js';
import { ValidationError } from '../../../platform/errors.js';
import { recordOrderRefund, refundUnitsByLine } from '../after-sales.js';
import type { Order, RefundInput } from '../schemas.js';
import { orderCommand } from '../command.js';
import { refundable } from '../draft.js';

// ---------------------------------------------------------------- ship and deliver

/**
 * Refunds money: an explicit amount, the value of line_items (their share of line totals, counted
 * so the same units are never refunded twice), or by default everything refundable. Never more
 * than paid minus refunded, nor (amount with line_items) more than the named units are worth.
 * A refund of a return (return_id) belongs to the returns module: the refund route hands it there.
 */
export async function refundOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: RefundInput,
  expected?: ExpectedVersion,
): Promise<Order> {
  if (input.return_id)
    throw new ValidationError('Refunds of returns are not available on this server.', [
      { path: 'return_id', code: 'resource_missing', message: 'No returns module to refund the return' },
    ]);
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const lineItems = input.line_items ? refundUnitsByLine(next, input.line_items, 'line_items') : [];
    const { event } = await recordOrderRefund(trx, ctx, next, {
      amount: input.amount ?? (input.line_items ? undefined : refundable(next.row)),
      line_items: lineItems,
      linesNamed: input.line_items !== undefined,
      reason: input.reason,
      metadata: input.metadata,
      now,
    });
    return { event };
  });
  return order;
}
