import type { DB } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { returnUnits, unreturnUnits } from '../orders/index.js';
import { returnAndOrderCommand } from './commands.js';
import type { CreateReturnLineItemInput, ReturnLineItem, UpdateReturnLineItemInput } from './schemas.js';
import { defaultResellable, newReturnLine, returnIdOf, toReturnLine, type ReturnDraft } from './service.js';
import type { ReturnLineItemsTable } from './tables.js';
import { transitionReturn } from './transitions.js';

/**
 * Return line items at /v1/return_line_items: added, changed and removed only while their return is
 * requested (409 invalid_transition after). Each change counts the units on the order (returned
 * units never exceed shipped ones) and records return.updated on the return.
 */

export const returnLineItemListSpec: ListSpec = {
  table: 'return_line_items',
  sortable: ['updated_at'],
  filters: {
    return_id: { kind: 'exact', column: 'return_id' },
    order_line_item_id: { kind: 'exact', column: 'order_line_item_id' },
    sku: { kind: 'exact', column: 'sku' },
  },
};

export async function listReturnLineItems(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<ReturnLineItemsTable>(db, returnLineItemListSpec, query), toReturnLine);
}

export async function getReturnLineItem(db: DB, id: string): Promise<ReturnLineItem> {
  const row = await db.selectFrom('return_line_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('return line item', id);
  return toReturnLine(row);
}

function editable(next: ReturnDraft) {
  transitionReturn('edit_lines', next.row, 'edit the line items of');
  if (Number(next.row.refunded_amount) > 0 || next.row.exchange_order_id)
    throw new ConflictError(
      'return_already_refunded',
      `Return ${next.row.rma} has been refunded or exchanged; its lines cannot change.`,
    );
}

export async function createReturnLineItem(
  db: DB,
  ctx: RequestContext,
  input: CreateReturnLineItemInput,
): Promise<ReturnLineItem> {
  let created: ReturnLineItemsTable | undefined;
  await returnAndOrderCommand(db, ctx, input.return_id, undefined, async (_trx, next, order, now) => {
    editable(next);
    const item = {
      id: input.order_line_item_id,
      sku: input.order_line_item_id ? undefined : input.sku,
      quantity: input.quantity,
    };
    const { event, units } = returnUnits(order, [item], 'line_items');
    created = newReturnLine(next.row.id, units[0], input, now);
    next.lines.push(created);
    return { returnEvent: 'return.updated', orderEvent: event };
  });
  return toReturnLine(created!);
}

async function returnOfLine(db: DB, id: string): Promise<string> {
  const row = await db.selectFrom('return_line_items').select('return_id').where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('return line item', id);
  return (await returnIdOf(db, row.return_id)).id;
}

export async function updateReturnLineItem(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateReturnLineItemInput,
  expected?: ExpectedVersion,
): Promise<ReturnLineItem> {
  const returnId = await returnOfLine(db, id);
  let updated: ReturnLineItemsTable | undefined;
  await returnAndOrderCommand(db, ctx, returnId, expected, async (_trx, next, order) => {
    editable(next);
    const line = next.lines.find((l) => l.id === id)!;
    let orderEvent: string | null = null;
    if (input.quantity !== undefined && input.quantity !== Number(line.quantity)) {
      unreturnUnits(order, [{ order_line_item_id: line.order_line_item_id, quantity: Number(line.quantity) }]);
      const taken = returnUnits(order, [{ id: line.order_line_item_id, quantity: input.quantity }], 'line_items');
      line.quantity = input.quantity;
      line.refund_amount = taken.units[0].refund_amount;
      orderEvent = taken.event;
    }
    if (input.reason !== undefined) line.reason = input.reason ?? null;
    if (input.condition !== undefined) line.condition = input.condition ?? null;
    if (input.resellable !== undefined || input.condition !== undefined)
      line.resellable = defaultResellable(line.condition, input.resellable);
    updated = line;
    return { returnEvent: 'return.updated', orderEvent };
  });
  return toReturnLine(updated!);
}

export async function deleteReturnLineItem(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  const returnId = await returnOfLine(db, id);
  await returnAndOrderCommand(db, ctx, returnId, expected, async (_trx, next, order) => {
    editable(next);
    if (next.lines.length === 1)
      throw new ConflictError(
        'return_must_keep_a_line',
        `Line ${id} is the only line of return ${next.row.rma}; cancel the return instead.`,
      );
    const line = next.lines.find((l) => l.id === id)!;
    next.lines = next.lines.filter((l) => l.id !== id);
    const orderEvent = unreturnUnits(order, [
      { order_line_item_id: line.order_line_item_id, quantity: Number(line.quantity) },
    ]);
    return { returnEvent: 'return.updated', orderEvent };
  });
  return { id, object: 'return_line_item' as const, deleted: true as const };
}
