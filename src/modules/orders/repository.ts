/**
 * The orders' SQL: loading drafts (one order or a page), locking an order for a command, inserting a
 * new one and saving a changed one with its event; the stored documents reads send.
 */
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Executor, Trx } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { preparedQuery, updateRow } from '../../db/prepared.js';
import { insertRows, writeBatch, WriteBatch, type Writer } from '../../db/write-batch.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { selectForUpdate } from '../../platform/db-helpers.js';
import { assertExpectedVersion, NotFoundError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { nowIso } from '../../db/ids.js';
import { type JsonText } from '../../platform/json.js';
import type { Order } from './schemas.js';
import { applyTotals, confirmIfPaid, isOrderNumber, type OrderDraft } from './draft.js';
import type { OrderDiscountsTable, OrderLineItemsTable, OrderPromotionsTable, OrdersTable } from './tables.js';
import { renderDocument, toOrder } from './document.js';

const byPosition = (a: { position: number; id: string }, b: { position: number; id: string }) =>
  a.position - b.position || (a.id < b.id ? -1 : 1);

function group<T extends { order_id: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.order_id);
    if (list) list.push(row);
    else map.set(row.order_id, [row]);
  }
  return map;
}

/** The children of a page of orders: three queries whatever the page size. */
export async function loadDrafts(db: Executor, rows: OrdersTable[]): Promise<OrderDraft[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  // Every command loads one order: that case runs prepared queries.
  const [lines, discounts, promotions] =
    ids.length === 1
      ? await childrenOfOne(db, ids[0])
      : await Promise.all([
          db.selectFrom('order_line_items').selectAll().where('order_id', 'in', ids).execute(),
          db.selectFrom('order_discounts').selectAll().where('order_id', 'in', ids).execute(),
          db
            .selectFrom('order_promotions')
            .selectAll()
            .where('order_id', 'in', ids)
            .orderBy('created_at')
            .orderBy('id')
            .execute(),
        ]);
  const linesBy = group(lines);
  const discountsBy = group(discounts);
  const promotionsBy = group(promotions);
  return rows.map((row) => ({
    row,
    lines: (linesBy.get(row.id) ?? []).sort(byPosition),
    discounts: (discountsBy.get(row.id) ?? []).sort(byPosition),
    promotions: promotionsBy.get(row.id) ?? [],
  }));
}

async function childrenOfOne(
  db: Executor,
  id: string,
): Promise<[OrderLineItemsTable[], OrderDiscountsTable[], OrderPromotionsTable[]]> {
  const [lines, discounts, promotions] = await Promise.all([
    linesOf(db, { id }),
    discountsOf(db, { id }),
    promotionsOf(db, { id }),
  ]);
  return [lines.rows, discounts.rows, promotions.rows];
}

const linesOf = preparedQuery<{ id: string }, OrderLineItemsTable>((db, param) =>
  db.selectFrom('order_line_items').selectAll().where('order_id', '=', param('id')),
);

const discountsOf = preparedQuery<{ id: string }, OrderDiscountsTable>((db, param) =>
  db.selectFrom('order_discounts').selectAll().where('order_id', '=', param('id')),
);

const promotionsOf = preparedQuery<{ id: string }, OrderPromotionsTable>((db, param) =>
  db.selectFrom('order_promotions').selectAll().where('order_id', '=', param('id')).orderBy('created_at').orderBy('id'),
);

/** An orders query narrowed to one order, by id or by order number (ORD-000123). */
export function whereIdOrNumber<O>(
  q: SelectQueryBuilder<Database, 'orders', O>,
  idOrNumber: string,
): SelectQueryBuilder<Database, 'orders', O> {
  return isOrderNumber(idOrNumber)
    ? q.where('order_number', '=', idOrNumber.toUpperCase())
    : q.where('id', '=', idOrNumber);
}

/**
 * The API JSON of these orders, from their stored documents ({id, document} rows); an order without
 * one (written before documents existed) is rendered from its tables.
 */
export async function documentsOf(
  db: Executor,
  rows: Array<Pick<OrdersTable, 'id' | 'document'>>,
): Promise<JsonText[]> {
  const missing = rows.filter((r) => r.document === null).map((r) => r.id);
  const rendered = new Map<string, string>();
  if (missing.length) {
    const full = await db.selectFrom('orders').selectAll().where('id', 'in', missing).execute();
    for (const d of await loadDrafts(db, full)) rendered.set(d.row.id, JSON.stringify(toOrder(d)));
  }
  return rows.map((r) => (r.document ?? rendered.get(r.id)!) as JsonText);
}

/** An order's API JSON by id or by order number, as retrieve sends it. */
export async function loadOrderDocument(db: Executor, idOrNumber: string): Promise<JsonText> {
  const row = await whereIdOrNumber(db.selectFrom('orders').select(['id', 'document']), idOrNumber).executeTakeFirst();
  if (!row) throw new NotFoundError('order', idOrNumber);
  return (await documentsOf(db, [row]))[0];
}

/** An order by id or by order number (ORD-000123). */
export async function loadOrder(db: Executor, idOrNumber: string): Promise<OrderDraft> {
  const row = await whereIdOrNumber(db.selectFrom('orders').selectAll(), idOrNumber).executeTakeFirst();
  if (!row) throw new NotFoundError('order', idOrNumber);
  return (await loadDrafts(db, [row]))[0];
}

/**
 * Loads an order for a command: its row locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite has
 * one writer), the caller's If-Match version checked, and its children.
 */
export async function lockOrder(trx: Trx, idOrNumber: string, expected?: ExpectedVersion): Promise<OrderDraft> {
  let id = idOrNumber;
  if (isOrderNumber(idOrNumber)) {
    const found = await whereIdOrNumber(trx.selectFrom('orders').select('id'), idOrNumber).executeTakeFirst();
    if (!found) throw new NotFoundError('order', idOrNumber);
    id = found.id;
  }
  const row = await selectForUpdate(trx, 'orders', id);
  if (!row) throw new NotFoundError('order', idOrNumber);
  assertExpectedVersion(expected, row.version);
  return (await loadDrafts(trx, [row]))[0];
}

/**
 * Writes a new order and its children (one multi-row INSERT per table) into the command's write
 * batch, or, given a transaction, as a batch of their own (one statement on PostgreSQL). Returns
 * the API object.
 */
export async function insertOrder(w: Writer, d: OrderDraft): Promise<Order> {
  const order = renderDocument(d);
  const batch = w instanceof WriteBatch ? w : writeBatch(w);
  await insertRows(batch, 'orders', [d.row]);
  await insertRows(batch, 'order_line_items', d.lines);
  await insertRows(batch, 'order_discounts', d.discounts);
  await insertRows(batch, 'order_promotions', d.promotions);
  if (batch !== w) await batch.flush();
  return order;
}

const changed = (a: object | undefined, b: object) => !a || JSON.stringify(a) !== JSON.stringify(b);

/**
 * Upserts the children that changed (or moved here from another order) and deletes the ones that
 * are gone, each table in at most two statements. Deletes are scoped to this order, so a child
 * that moved to another order is never deleted from under it.
 */
async function syncChildren<T extends { id: string; order_id: string }>(
  trx: Trx,
  table: 'order_line_items' | 'order_discounts' | 'order_promotions',
  orderId: string,
  before: T[],
  after: T[],
): Promise<void> {
  const previous = new Map(before.map((x) => [x.id, x]));
  const upserts = after.filter((x) => changed(previous.get(x.id), x));
  const kept = new Set(after.map((x) => x.id));
  const removed = before.filter((x) => !kept.has(x.id)).map((x) => x.id);
  if (removed.length)
    await (trx as any).deleteFrom(table).where('order_id', '=', orderId).where('id', 'in', removed).execute();
  if (upserts.length) {
    const columns = Object.keys(upserts[0]).filter((c) => c !== 'id');
    await (trx as any)
      .insertInto(table)
      .values(upserts)
      .onConflict((oc: any) =>
        oc.column('id').doUpdateSet(Object.fromEntries(columns.map((c) => [c, sql.ref(`excluded.${c}`)]))),
      )
      .execute();
  }
}

/**
 * Persists a command's result: recomputed totals, version + 1, the changed children, and the
 * event (with the attributes that changed) in the caller's transaction. Returns the API object.
 */
export async function saveOrder(
  trx: Trx,
  ctx: RequestContext,
  before: OrderDraft,
  after: OrderDraft,
  event: string | null,
  now = nowIso(),
): Promise<Order> {
  applyTotals(after);
  confirmIfPaid(after, now);
  after.row.version = before.row.version + 1;
  after.row.updated_at = now;
  for (const l of after.lines) {
    const old = before.lines.find((x) => x.id === l.id);
    if (changed(old, l)) l.updated_at = now;
  }
  const order = renderDocument(after);
  const { id, created_at, ...columns } = after.row;
  await updateRow(trx, 'orders', id, columns);
  await syncChildren(trx, 'order_line_items', id, before.lines, after.lines);
  await syncChildren(trx, 'order_discounts', id, before.discounts, after.discounts);
  await syncChildren(trx, 'order_promotions', id, before.promotions, after.promotions);
  if (event) await recordEvent(trx, ctx, event, order, changedAttributes(toOrder(before) as any, order as any));
  return order;
}
