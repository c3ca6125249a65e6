import type { DB, Executor, Trx } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { lockRecord } from '../../platform/db-helpers.js';
import { ApiError, ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import { inTransaction } from '../../db/transaction.js';
import { getCustomer } from '../customers/index.js';
import { getOrder, placeOrder, type Order } from '../orders/index.js';
import {
  DEFAULT_COVERAGE_DAYS,
  WARRANTY_RESOLUTIONS,
  WARRANTY_STATUSES,
  type CreateWarrantyInput,
  type CreateWarrantyLineItemInput,
  type RepairInput,
  type ReplaceInput,
  type UpdateWarrantyInput,
  type UpdateWarrantyLineItemInput,
  type Warranty,
  type WarrantyLineItem,
} from './schemas.js';
import type { WarrantiesTable, WarrantyLineItemsTable, WarrantyResolution } from './tables.js';
import { transitionWarranty } from './transitions.js';

interface WarrantyDraft {
  row: WarrantiesTable;
  lines: WarrantyLineItemsTable[];
}

export function toWarrantyLine(l: WarrantyLineItemsTable): WarrantyLineItem {
  return {
    id: l.id,
    object: 'warranty_line_item',
    warranty_id: l.warranty_id,
    sku: l.sku,
    quantity: Number(l.quantity),
    serial_number: l.serial_number,
    condition: l.condition,
    price: Number(l.price),
    metadata: parseJson(l.metadata, {}),
    created_at: l.created_at,
    updated_at: l.updated_at,
  };
}

export function toWarranty(d: WarrantyDraft): Warranty {
  const r = d.row;
  return {
    id: r.id,
    object: 'warranty',
    warranty_number: r.warranty_number,
    customer_id: r.customer_id,
    order_id: r.order_id,
    order_line_item_id: r.order_line_item_id,
    sku: r.sku,
    serial_number: r.serial_number,
    coverage: {
      starts_at: r.coverage_starts_at,
      ends_at: r.coverage_ends_at,
      terms: r.coverage_terms,
      overridden: r.coverage_overridden === 1,
    },
    issue_description: r.issue_description,
    reported_condition: r.reported_condition,
    status: r.status,
    resolution: r.resolution,
    repair: parseJson(r.repair, null),
    replacement_order_id: r.replacement_order_id,
    inspection: parseJson(r.inspection, null),
    rejection_reason: r.rejection_reason,
    resolution_notes: r.resolution_notes,
    line_items: d.lines.map(toWarrantyLine),
    approved_at: r.approved_at,
    resolved_at: r.resolved_at,
    closed_at: r.closed_at,
    metadata: parseJson(r.metadata, {}),
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

// ---------------------------------------------------------------- reading

const isWarrantyNumber = (v: string) => /^WTY-\d+$/i.test(v);

async function linesOf(db: Executor, ids: string[]): Promise<WarrantyLineItemsTable[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('warranty_line_items')
    .selectAll()
    .where('warranty_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

async function warrantyIdOf(db: Executor, idOrNumber: string, param = 'id'): Promise<string> {
  const q = db.selectFrom('warranties').select('id');
  const found = await (
    isWarrantyNumber(idOrNumber)
      ? q.where('warranty_number', '=', idOrNumber.toUpperCase())
      : q.where('id', '=', idOrNumber)
  ).executeTakeFirst();
  if (!found) throw new NotFoundError('warranty', idOrNumber, param);
  return found.id;
}

export async function getWarranty(db: Executor, idOrNumber: string): Promise<Warranty> {
  const id = await warrantyIdOf(db, idOrNumber);
  const row = await db.selectFrom('warranties').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return toWarranty({ row, lines: await linesOf(db, [id]) });
}

export const warrantyListSpec: ListSpec = {
  table: 'warranties',
  sortable: ['updated_at'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: WARRANTY_STATUSES },
    customer_id: { kind: 'exact', column: 'customer_id' },
    order_id: { kind: 'exact', column: 'order_id' },
    sku: { kind: 'exact', column: 'sku' },
    serial_number: { kind: 'exact', column: 'serial_number' },
    warranty_number: { kind: 'exact', column: 'warranty_number', normalize: (v) => v.toUpperCase() },
    resolution: { kind: 'exact', column: 'resolution', values: WARRANTY_RESOLUTIONS },
  },
};

export async function listWarranties(db: DB, query: Record<string, unknown>) {
  const result = await runList<WarrantiesTable>(db, warrantyListSpec, query);
  const lines = await linesOf(
    db,
    result.rows.map((r) => r.id),
  );
  return toEnvelope(result, (row) => toWarranty({ row, lines: lines.filter((l) => l.warranty_id === row.id) }));
}

// ---------------------------------------------------------------- creating

/** The SKU's default coverage: `warranty_days` in the metadata of one of its inventory items. */
async function skuCoverageDays(trx: Trx, sku: string | null): Promise<number | undefined> {
  if (!sku) return undefined;
  // A read of inventory's table for a catalogue attribute; inventory's quantities are never touched.
  const items = await trx.selectFrom('inventory_items').select('metadata').where('sku', '=', sku).execute();
  for (const item of items) {
    const days = Number(parseJson<Record<string, unknown>>(item.metadata, {}).warranty_days);
    if (Number.isInteger(days) && days > 0) return days;
  }
  return undefined;
}

const addDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString();

function newLine(warrantyId: string, l: Omit<CreateWarrantyLineItemInput, 'warranty_id'>, now: string) {
  return {
    id: newId('wli'),
    warranty_id: warrantyId,
    sku: l.sku,
    quantity: l.quantity,
    serial_number: l.serial_number ?? null,
    condition: l.condition ?? null,
    price: l.price,
    metadata: toJson(l.metadata ?? {}),
    created_at: now,
    updated_at: now,
  } satisfies WarrantyLineItemsTable;
}

/**
 * Files a claim (status submitted). Coverage: as given, else from the order's delivery (else
 * shipping) date for coverage_days (the claim's, else the SKU's, else 365). A claim filed after
 * coverage ends is refused (409 warranty_expired) unless override=true.
 */
export async function createWarranty(db: DB, ctx: RequestContext, input: CreateWarrantyInput): Promise<Warranty> {
  return inTransaction(db, async (trx) => {
    const now = nowIso();
    let order: Order | undefined;
    if (input.order_id) {
      order = await getOrder(trx, input.order_id).catch((err) => {
        throw err instanceof NotFoundError ? new NotFoundError('order', input.order_id!, 'order_id') : err;
      });
    }
    if (input.customer_id && order && order.customer_id !== input.customer_id)
      throw new ValidationError(`Order ${order.order_number} belongs to another customer.`, [
        { path: 'customer_id', message: "Not the order's customer" },
      ]);
    if (input.customer_id && !order)
      await getCustomer(trx, input.customer_id).catch((err) => {
        throw err instanceof NotFoundError ? new NotFoundError('customer', input.customer_id!, 'customer_id') : err;
      });
    let line: Order['line_items'][number] | undefined;
    if (order && input.order_line_item_id) {
      line = order.line_items.find((l) => l.id === input.order_line_item_id);
      if (!line)
        throw new ValidationError(`Order ${order.order_number} has no line item "${input.order_line_item_id}".`, [
          { path: 'order_line_item_id', code: 'resource_missing', message: 'No such line on the order' },
        ]);
    } else if (order && input.sku) {
      const lines = order.line_items.filter((l) => l.sku === input.sku);
      if (lines.length === 0)
        throw new ValidationError(`Order ${order.order_number} has no line with SKU "${input.sku}".`, [
          { path: 'sku', code: 'resource_missing', message: 'No line with this SKU on the order' },
        ]);
      if (lines.length > 1)
        throw new ApiError(
          400,
          'invalid_request_error',
          'ambiguous_sku',
          `SKU "${input.sku}" is on ${lines.length} lines of order ${order.order_number}; name the line by order_line_item_id.`,
          { param: 'sku', details: { line_item_ids: lines.map((l) => l.id) } },
        );
      line = lines[0];
    }
    const sku = input.sku ?? line?.sku ?? input.line_items?.[0]?.sku ?? null;
    const startsAt = input.coverage?.starts_at ?? order?.delivered_at ?? order?.shipped_at ?? null;
    const days = input.coverage_days ?? (await skuCoverageDays(trx, sku)) ?? DEFAULT_COVERAGE_DAYS;
    const endsAt = input.coverage?.ends_at ?? (startsAt ? addDays(startsAt, days) : null);
    const expired = endsAt !== null && Date.parse(endsAt) < Date.parse(now);
    if (expired && !input.override)
      throw new ConflictError(
        'warranty_expired',
        `Coverage ended ${endsAt}; the claim is refused unless filed with override=true.`,
        { coverage_ends_at: endsAt },
        'override',
      );
    const id = newId('wty');
    const d: WarrantyDraft = {
      row: {
        id,
        warranty_number: formatNumber('WTY', await nextNumber(trx, 'warranty')),
        customer_id: input.customer_id ?? order!.customer_id,
        order_id: order?.id ?? null,
        order_line_item_id: line?.id ?? null,
        sku,
        serial_number: input.serial_number ?? null,
        coverage_starts_at: startsAt,
        coverage_ends_at: endsAt,
        coverage_terms: input.coverage?.terms ?? null,
        issue_description: input.issue_description,
        reported_condition: input.reported_condition ?? null,
        status: 'submitted',
        resolution: null,
        repair: null,
        replacement_order_id: null,
        inspection: null,
        rejection_reason: null,
        resolution_notes: null,
        coverage_overridden: expired ? 1 : 0,
        approved_at: null,
        resolved_at: null,
        closed_at: null,
        metadata: toJson(input.metadata ?? {}),
        version: 1,
        created_at: now,
        updated_at: now,
      },
      lines: (input.line_items ?? []).map((l) => newLine(id, l, now)),
    };
    await trx.insertInto('warranties').values(d.row).execute();
    if (d.lines.length) await trx.insertInto('warranty_line_items').values(d.lines).execute();
    const warranty = toWarranty(d);
    await recordEvent(trx, ctx, 'warranty.submitted', warranty);
    return warranty;
  });
}

// ---------------------------------------------------------------- commands

async function warrantyCommand(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected: ExpectedVersion,
  change: (trx: Trx, next: WarrantyDraft, now: string) => Promise<string | null>,
): Promise<Warranty> {
  return inTransaction(db, async (trx) => {
    const id = await warrantyIdOf(trx, idOrNumber);
    const row = await lockRecord(trx, 'warranties', 'warranty', id, expected);
    const before: WarrantyDraft = { row, lines: await linesOf(trx, [id]) };
    const next: WarrantyDraft = { row: { ...row }, lines: before.lines.map((l) => ({ ...l })) };
    const now = nowIso();
    const event = await change(trx, next, now);
    const previous = changedAttributes(toWarranty(before) as any, toWarranty(next) as any);
    if (event === null || Object.keys(previous).length === 0) return toWarranty(before);
    next.row.version = row.version + 1;
    next.row.updated_at = now;
    const { id: _id, created_at: _c, ...columns } = next.row;
    await trx.updateTable('warranties').set(columns).where('id', '=', id).execute();
    const warranty = toWarranty(next);
    await recordEvent(trx, ctx, event, warranty, previous);
    return warranty;
  });
}

export function updateWarranty(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateWarrantyInput,
  expected?: ExpectedVersion,
) {
  return warrantyCommand(db, ctx, id, expected, async (_trx, next) => {
    const { event } = transitionWarranty('update', next.row);
    const r = next.row;
    if (input.serial_number !== undefined) r.serial_number = input.serial_number ?? null;
    if (input.issue_description !== undefined) r.issue_description = input.issue_description;
    if (input.reported_condition !== undefined) r.reported_condition = input.reported_condition ?? null;
    if (input.coverage_terms !== undefined) r.coverage_terms = input.coverage_terms ?? null;
    r.metadata = toJson(mergeMetadata(parseJson(r.metadata, {}), input.metadata));
    return event;
  });
}

/** A plain transition plus the changes `apply` makes. */
export function warrantyAction(
  action: 'inspect' | 'approve' | 'reject' | 'repair' | 'resolve' | 'close' | 'reopen',
  apply: (r: WarrantiesTable, now: string) => void,
) {
  return (db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) =>
    warrantyCommand(db, ctx, id, expected, async (_trx, next, now) => {
      const { to, event } = transitionWarranty(action, next.row);
      apply(next.row, now);
      next.row.status = to;
      return event;
    });
}

export const inspectWarranty = (
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { notes?: string | null; findings?: string | null; condition?: string | null },
  expected?: ExpectedVersion,
) =>
  warrantyAction('inspect', (r, now) => {
    r.inspection = toJson({
      notes: input.notes ?? null,
      findings: input.findings ?? null,
      condition: input.condition ?? null,
      requested_at: now,
    });
  })(db, ctx, id, expected);

export const approveWarranty = warrantyAction('approve', (r, now) => {
  r.approved_at = now;
});

export const rejectWarranty = (db: DB, ctx: RequestContext, id: string, reason: string, expected?: ExpectedVersion) =>
  warrantyAction('reject', (r) => {
    r.rejection_reason = reason;
  })(db, ctx, id, expected);

export const repairWarranty = (
  db: DB,
  ctx: RequestContext,
  id: string,
  input: RepairInput,
  expected?: ExpectedVersion,
) =>
  warrantyAction('repair', (r) => {
    r.resolution = 'repair';
    r.repair = toJson({
      type: input.type ?? null,
      location: input.location ?? null,
      estimated_cost: input.estimated_cost ?? null,
      ticket: input.ticket ?? null,
    });
  })(db, ctx, id, expected);

export const resolveWarranty = (
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { resolution?: WarrantyResolution; resolution_notes?: string | null },
  expected?: ExpectedVersion,
) =>
  warrantyAction('resolve', (r, now) => {
    r.resolution = input.resolution ?? r.resolution ?? 'none';
    if (input.resolution_notes !== undefined) r.resolution_notes = input.resolution_notes ?? null;
    r.resolved_at = now;
  })(db, ctx, id, expected);

export const closeWarranty = (
  db: DB,
  ctx: RequestContext,
  id: string,
  notes: string | null | undefined,
  expected?: ExpectedVersion,
) =>
  warrantyAction('close', (r, now) => {
    if (notes !== undefined) r.resolution_notes = notes ?? null;
    r.closed_at = now;
  })(db, ctx, id, expected);

export const reopenWarranty = warrantyAction('reopen', (r) => {
  r.closed_at = null;
  r.resolved_at = null;
  r.rejection_reason = null;
});

/**
 * Sends a replacement: a zero-priced order for the customer (items, default the claim's lines or
 * one unit of its SKU) that reserves stock like any order (409 insufficient_inventory unless
 * allow_backorder), linked to the claim (replacement_order_id; the order's metadata names the claim).
 */
export function replaceWarranty(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: ReplaceInput,
  expected?: ExpectedVersion,
) {
  return warrantyCommand(db, ctx, id, expected, async (trx, next, now) => {
    const { to, event } = transitionWarranty('replace', next.row);
    const r = next.row;
    const items =
      input.items ??
      (next.lines.length
        ? next.lines.map((l) => ({ sku: l.sku, quantity: Number(l.quantity), name: null, location_id: null }))
        : r.sku
          ? [{ sku: r.sku, quantity: 1, name: null, location_id: null }]
          : null);
    if (!items)
      throw new ValidationError('Name the items to send: the claim has no SKU or line items.', [
        { path: 'items', message: 'Required' },
      ]);
    const original = r.order_id ? await getOrder(trx, r.order_id) : undefined;
    const { order } = await placeOrder(
      trx,
      ctx,
      {
        customer_id: r.customer_id,
        line_items: items.map((i) => ({
          sku: i.sku,
          quantity: i.quantity,
          price: 0,
          name: i.name ?? `Warranty replacement (${r.warranty_number})`,
          location_id: i.location_id ?? null,
        })),
        shipping_address: (input.shipping_address ?? original?.shipping_address ?? undefined) as any,
        currency: original?.currency ?? 'USD',
        source: 'api',
        allow_backorder: input.allow_backorder,
        notes: `Warranty replacement for ${r.warranty_number}`,
        metadata: { warranty_id: r.id, warranty_number: r.warranty_number },
      },
      { now, linesField: 'items' },
    );
    r.replacement_order_id = order.id;
    r.resolution = 'replace';
    r.status = to;
    return event;
  });
}

// ---------------------------------------------------------------- line items

export const warrantyLineItemListSpec: ListSpec = {
  table: 'warranty_line_items',
  sortable: ['updated_at'],
  filters: {
    warranty_id: { kind: 'exact', column: 'warranty_id' },
    sku: { kind: 'exact', column: 'sku' },
    serial_number: { kind: 'exact', column: 'serial_number' },
  },
};

export async function listWarrantyLineItems(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<WarrantyLineItemsTable>(db, warrantyLineItemListSpec, query), toWarrantyLine);
}

async function lineRow(db: Executor, id: string) {
  const row = await db.selectFrom('warranty_line_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('warranty line item', id);
  return row;
}

export async function getWarrantyLineItem(db: DB, id: string) {
  return toWarrantyLine(await lineRow(db, id));
}

/** Line items change while the claim is submitted or inspecting (409 invalid_transition after); warranty.updated records it. */
export async function createWarrantyLineItem(db: DB, ctx: RequestContext, input: CreateWarrantyLineItemInput) {
  let created: WarrantyLineItemsTable | undefined;
  await warrantyCommand(db, ctx, input.warranty_id, undefined, async (trx, next, now) => {
    const { event } = transitionWarranty('edit_lines', next.row, 'edit the line items of');
    const { warranty_id: _w, ...fields } = input;
    created = newLine(next.row.id, fields, now);
    await trx.insertInto('warranty_line_items').values(created).execute();
    next.lines.push(created);
    return event;
  });
  return toWarrantyLine(created!);
}

export async function updateWarrantyLineItem(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateWarrantyLineItemInput,
  expected?: ExpectedVersion,
) {
  const { warranty_id } = await lineRow(db, id);
  let updated: WarrantyLineItemsTable | undefined;
  await warrantyCommand(db, ctx, warranty_id, expected, async (trx, next, now) => {
    const { event } = transitionWarranty('edit_lines', next.row, 'edit the line items of');
    const line = next.lines.find((l) => l.id === id)!;
    if (input.sku !== undefined) line.sku = input.sku;
    if (input.quantity !== undefined) line.quantity = input.quantity;
    if (input.price !== undefined) line.price = input.price;
    if (input.serial_number !== undefined) line.serial_number = input.serial_number ?? null;
    if (input.condition !== undefined) line.condition = input.condition ?? null;
    line.metadata = toJson(mergeMetadata(parseJson(line.metadata, {}), input.metadata));
    line.updated_at = now;
    const { id: _i, warranty_id: _w, created_at: _c, ...columns } = line;
    await trx.updateTable('warranty_line_items').set(columns).where('id', '=', id).execute();
    updated = line;
    return event;
  });
  return toWarrantyLine(updated!);
}

export async function deleteWarrantyLineItem(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  const { warranty_id } = await lineRow(db, id);
  await warrantyCommand(db, ctx, warranty_id, expected, async (trx, next) => {
    const { event } = transitionWarranty('edit_lines', next.row, 'edit the line items of');
    await trx.deleteFrom('warranty_line_items').where('id', '=', id).execute();
    next.lines = next.lines.filter((l) => l.id !== id);
    return event;
  });
  return { id, object: 'warranty_line_item' as const, deleted: true as const };
}

/** DELETE /v1/warranties/:id: only while submitted or inspecting (nothing decided yet). */
export async function deleteWarranty(db: DB, ctx: RequestContext, idOrNumber: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const id = await warrantyIdOf(trx, idOrNumber);
    const row = await lockRecord(trx, 'warranties', 'warranty', id, expected);
    transitionWarranty('edit_lines', row, 'delete');
    const warranty = toWarranty({ row, lines: await linesOf(trx, [id]) });
    await trx.deleteFrom('warranty_line_items').where('warranty_id', '=', id).execute();
    await trx.deleteFrom('warranties').where('id', '=', id).execute();
    await recordEvent(trx, ctx, 'warranty.deleted', warranty);
    return { id, object: 'warranty' as const, deleted: true as const };
  });
}
