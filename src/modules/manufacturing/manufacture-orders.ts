import type { DB, Executor, Trx } from '../../db/connection.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord, patchRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { defaultLocationId, resolveLocationId } from '../inventory/index.js';
import { bomLines } from './boms.js';
import {
  PRIORITIES,
  type CreateManufactureOrderInput,
  type ManufactureOrder,
  type UpdateManufactureOrderInput,
} from './schemas.js';
import type { ManufactureOrderLineItemsTable, ManufactureOrdersTable, WorkOrdersTable } from './tables.js';
import { MANUFACTURE_ORDER_STATUSES, manufactureOrderMachine } from './transitions.js';
import { loadActiveBoms, requiredQuantity, type BomWithLines } from './tree.js';
import { activeBomFor, cancelWorkOrderIn, insertWorkOrder } from './work-orders.js';

// ---------------------------------------------------------------- rendering and reading

function toLine(row: ManufactureOrderLineItemsTable) {
  return {
    id: row.id,
    object: 'manufacture_order_line_item' as const,
    manufacture_order_id: row.manufacture_order_id,
    position: Number(row.position),
    sku: row.sku,
    quantity: Number(row.quantity),
    output_type: row.output_type,
    level: Number(row.level),
    bom_id: row.bill_of_materials_id,
    work_order_id: row.work_order_id,
    due_date: row.due_date,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toManufactureOrder(row: ManufactureOrdersTable, lines: ManufactureOrderLineItemsTable[]): ManufactureOrder {
  return {
    id: row.id,
    object: 'manufacture_order',
    manufacture_order_number: row.manufacture_order_number,
    sku: row.sku,
    bom_id: row.bill_of_materials_id,
    quantity: Number(row.quantity),
    priority: row.priority,
    location_id: row.location_id,
    yield_location_id: row.yield_location_id,
    due_date: row.due_date,
    status: row.status,
    memo: row.memo,
    line_items: lines.map(toLine),
    metadata: parseJson(row.metadata, {}),
    planned_at: row.planned_at,
    started_at: row.started_at,
    completed_at: row.completed_at,
    cancelled_at: row.cancelled_at,
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

async function linesOf(db: Executor, ids: string[]) {
  if (!ids.length) return [];
  return db
    .selectFrom('manufacture_order_line_items')
    .selectAll()
    .where('manufacture_order_id', 'in', ids)
    .orderBy('position')
    .execute();
}

async function render(db: Executor, row: ManufactureOrdersTable) {
  return toManufactureOrder(row, await linesOf(db, [row.id]));
}

async function findRow(db: Executor, idOrNumber: string) {
  const q = db.selectFrom('manufacture_orders').selectAll();
  return idOrNumber.startsWith('mfo_')
    ? q.where('id', '=', idOrNumber).executeTakeFirst()
    : q.where('manufacture_order_number', '=', idOrNumber.toUpperCase()).executeTakeFirst();
}

export async function getManufactureOrder(db: Executor, idOrNumber: string): Promise<ManufactureOrder> {
  const row = await findRow(db, idOrNumber);
  if (!row) throw new NotFoundError('manufacture order', idOrNumber);
  return render(db, row);
}

export const manufactureOrderListSpec: ListSpec = {
  table: 'manufacture_orders',
  sortable: ['updated_at', 'due_date', 'manufacture_order_number'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: MANUFACTURE_ORDER_STATUSES },
    priority: { kind: 'exact', column: 'priority', multi: true, values: PRIORITIES },
    sku: { kind: 'exact', column: 'sku', multi: true },
  },
};

export async function listManufactureOrders(db: DB, query: Record<string, unknown>) {
  const result = await runList<ManufactureOrdersTable>(db, manufactureOrderListSpec, query);
  const lines = await linesOf(
    db,
    result.rows.map((r) => r.id),
  );
  return toEnvelope(result, (row) =>
    toManufactureOrder(
      row,
      lines.filter((l) => l.manufacture_order_id === row.id),
    ),
  );
}

export const manufactureOrderLineListSpec: ListSpec = {
  table: 'manufacture_order_line_items',
  sortable: ['updated_at', 'position'],
  filters: {
    manufacture_order_id: { kind: 'exact', column: 'manufacture_order_id' },
    work_order_id: { kind: 'exact', column: 'work_order_id' },
    sku: { kind: 'exact', column: 'sku', multi: true },
  },
};

export async function listManufactureOrderLines(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<ManufactureOrderLineItemsTable>(db, manufactureOrderLineListSpec, query), toLine);
}

export async function getManufactureOrderLine(db: Executor, id: string) {
  const row = await db.selectFrom('manufacture_order_line_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('manufacture order line item', id);
  return toLine(row);
}

// ---------------------------------------------------------------- commands

async function lockManufactureOrder(trx: Trx, idOrNumber: string, expected?: ExpectedVersion) {
  const found = await findRow(trx, idOrNumber);
  if (!found) throw new NotFoundError('manufacture order', idOrNumber);
  return lockRecord(trx, 'manufacture_orders', 'manufacture order', found.id, expected);
}

function productLine(
  row: ManufactureOrdersTable,
  now: string,
  workOrderId: string | null,
): ManufactureOrderLineItemsTable {
  return {
    id: newId('mfl'),
    manufacture_order_id: row.id,
    position: 1,
    sku: row.sku,
    quantity: Number(row.quantity),
    output_type: 'product',
    level: 0,
    bill_of_materials_id: row.bill_of_materials_id,
    work_order_id: workOrderId,
    due_date: row.due_date,
    created_at: now,
    updated_at: now,
  };
}

export async function createManufactureOrder(
  db: DB,
  ctx: RequestContext,
  input: CreateManufactureOrderInput,
): Promise<ManufactureOrder> {
  return inTransaction(db, async (trx) => {
    const bom = await activeBomFor(trx, input.bom_id, input.sku);
    const locationId = input.location_id
      ? await resolveLocationId(trx, input.location_id, 'location_id')
      : await defaultLocationId(trx);
    const yieldLocationId = input.yield_location_id
      ? await resolveLocationId(trx, input.yield_location_id, 'yield_location_id')
      : locationId;
    const now = nowIso();
    const row: ManufactureOrdersTable = {
      id: newId('mfo'),
      manufacture_order_number: formatNumber('MO', await nextNumber(trx, 'manufacture_order')),
      sku: input.sku,
      bill_of_materials_id: bom.id,
      quantity: input.quantity,
      priority: input.priority ?? 'normal',
      location_id: locationId,
      yield_location_id: yieldLocationId,
      due_date: input.due_date ?? null,
      status: 'planned',
      memo: input.memo ?? null,
      metadata: toJson(input.metadata ?? {}),
      planned_at: null,
      started_at: null,
      completed_at: null,
      cancelled_at: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('manufacture_orders').values(row).execute();
    const line = productLine(row, now, null);
    await trx.insertInto('manufacture_order_line_items').values(line).execute();
    const mo = toManufactureOrder(row, [line]);
    await recordEvent(trx, ctx, 'manufacture_order.created', mo);
    return mo;
  });
}

export async function updateManufactureOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: UpdateManufactureOrderInput,
  expected?: ExpectedVersion,
): Promise<ManufactureOrder> {
  return inTransaction(db, async (trx) => {
    const row = await lockManufactureOrder(trx, idOrNumber, expected);
    manufactureOrderMachine.transition('update', row.status);
    return patchRecord(trx, ctx, {
      table: 'manufacture_orders',
      before: await render(trx, row),
      input,
      fields: ['priority', 'due_date', 'memo'] as const,
      toRow: (n) => ({
        priority: n.priority,
        due_date: n.due_date,
        memo: n.memo,
        metadata: toJson(n.metadata),
        version: n.version,
        updated_at: n.updated_at,
      }),
      event: 'manufacture_order.updated',
    });
  });
}

export async function deleteManufactureOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    const row = await lockManufactureOrder(trx, idOrNumber, expected);
    manufactureOrderMachine.transition('delete', row.status);
    if (row.planned_at)
      throw new ConflictError(
        'manufacture_order_planned',
        `Manufacture order ${row.manufacture_order_number} has work orders; cancel it instead.`,
      );
    const mo = await render(trx, row);
    await trx.deleteFrom('manufacture_order_line_items').where('manufacture_order_id', '=', row.id).execute();
    await trx.deleteFrom('manufacture_orders').where('id', '=', row.id).execute();
    await recordEvent(trx, ctx, 'manufacture_order.deleted', mo);
    return { id: row.id, object: 'manufacture_order' as const, deleted: true as const };
  });
}

const DAY_MS = 86_400_000;
const daysBefore = (date: string | null, days: number) =>
  date === null ? null : new Date(Date.parse(date) - days * DAY_MS).toISOString();

interface Assembly {
  sku: string;
  entry: BomWithLines;
  quantity: number;
  level: number;
  due: string | null;
}

/**
 * Explodes the BOM and creates one work order per make-level assembly: the product, and each make
 * component with an active BOM (summed per SKU when it appears more than once). Work orders are
 * created deepest level first, so sub-assemblies come before what consumes them; each one is due
 * its parent's lead time (lead_time_days of the parent's BOM) before its parent.
 */
export async function planManufactureOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    const row = await lockManufactureOrder(trx, idOrNumber, expected);
    const { event } = manufactureOrderMachine.transition('plan', row.status);
    if (row.planned_at)
      throw new ConflictError(
        'already_planned',
        `Manufacture order ${row.manufacture_order_number} was planned at ${row.planned_at}.`,
      );
    const rootBom = await trx
      .selectFrom('bills_of_materials')
      .selectAll()
      .where('id', '=', row.bill_of_materials_id)
      .executeTakeFirstOrThrow();
    if (rootBom.status !== 'active')
      throw new ConflictError(
        'bill_of_materials_not_active',
        `Bill of materials ${rootBom.bom_number} is ${rootBom.status}; activate it or create a new manufacture order.`,
      );
    const root: BomWithLines = { bom: rootBom, lines: await bomLines(trx, rootBom.id) };
    const makes = (l: { supply_type: string }) => l.supply_type === 'make';
    const below = await loadActiveBoms(
      trx,
      root.lines.filter(makes).map((l) => l.component_sku),
      makes,
      rootBom.sku,
    );

    const assemblies = new Map<string, Assembly>();
    assemblies.set(rootBom.sku, {
      sku: rootBom.sku,
      entry: root,
      quantity: Number(row.quantity),
      level: 0,
      due: row.due_date,
    });
    const visit = (at: BomWithLines, quantity: number, level: number, due: string | null) => {
      const childDue = daysBefore(due, Number(at.bom.lead_time_days));
      for (const line of at.lines) {
        const child = makes(line) ? below.get(line.component_sku) : undefined;
        if (!child) continue;
        const required = requiredQuantity(line, quantity, Number(at.bom.output_quantity));
        const seen = assemblies.get(line.component_sku);
        if (seen) {
          seen.quantity += required;
          seen.level = Math.max(seen.level, level + 1);
          if (childDue && (!seen.due || childDue < seen.due)) seen.due = childDue;
        } else
          assemblies.set(line.component_sku, {
            sku: line.component_sku,
            entry: child,
            quantity: required,
            level: level + 1,
            due: childDue,
          });
        visit(child, required, level + 1, childDue);
      }
    };
    visit(root, Number(row.quantity), 0, row.due_date);

    const ordered = [...assemblies.values()].sort((a, b) => b.level - a.level);
    const now = nowIso();
    const lines: ManufactureOrderLineItemsTable[] = [];
    for (const a of ordered) {
      const isProduct = a.sku === rootBom.sku;
      const wo = await insertWorkOrder(trx, ctx, {
        bom: a.entry.bom,
        quantity: a.quantity,
        locationId: row.location_id,
        outputLocationId: isProduct ? row.yield_location_id : row.location_id,
        manufactureOrderId: row.id,
        priority: row.priority,
        due_date: a.due,
        memo: `For ${row.manufacture_order_number}`,
      });
      lines.push({
        ...productLine(row, now, wo.id),
        sku: a.sku,
        quantity: a.quantity,
        output_type: isProduct ? 'product' : 'component',
        level: a.level,
        bill_of_materials_id: a.entry.bom.id,
        due_date: a.due,
      });
    }
    // The product first, then its sub-assemblies from the top down.
    lines.sort((a, b) => a.level - b.level || (a.sku < b.sku ? -1 : 1));
    lines.forEach((l, i) => (l.position = i + 1));
    await trx.deleteFrom('manufacture_order_line_items').where('manufacture_order_id', '=', row.id).execute();
    await trx.insertInto('manufacture_order_line_items').values(lines).execute();
    const next = { ...row, planned_at: now, version: Number(row.version) + 1, updated_at: now };
    await trx
      .updateTable('manufacture_orders')
      .set({ planned_at: now, version: next.version, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    const mo = toManufactureOrder(next, lines);
    await recordEvent(trx, ctx, event, mo, { planned_at: null });
    return mo;
  });
}

async function workOrdersOf(trx: Trx, moId: string): Promise<WorkOrdersTable[]> {
  const rows = await trx
    .selectFrom('work_orders')
    .select('id')
    .where('manufacture_order_id', '=', moId)
    .orderBy('id')
    .execute();
  // Locked in id order after the manufacture order: the order every command here takes them in.
  const locked: WorkOrdersTable[] = [];
  for (const r of rows) locked.push(await lockRecord(trx, 'work_orders', 'work order', r.id, undefined));
  return locked;
}

async function saveStatus(
  trx: Trx,
  ctx: RequestContext,
  row: ManufactureOrdersTable,
  changes: Partial<ManufactureOrdersTable>,
  event: string,
) {
  const now = nowIso();
  const next = { ...row, ...changes, version: Number(row.version) + 1, updated_at: now };
  await trx
    .updateTable('manufacture_orders')
    .set({ ...changes, version: next.version, updated_at: now })
    .where('id', '=', row.id)
    .execute();
  const mo = await render(trx, next);
  await recordEvent(trx, ctx, event, mo, { status: row.status });
  return mo;
}

export async function startManufactureOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    const row = await lockManufactureOrder(trx, idOrNumber, expected);
    const { to, event } = manufactureOrderMachine.transition('start', row.status);
    if (!row.planned_at)
      throw new ConflictError(
        'not_planned',
        `Plan manufacture order ${row.manufacture_order_number} before starting it.`,
      );
    return saveStatus(trx, ctx, row, { status: to, started_at: nowIso() }, event);
  });
}

/** Only when every work order that is not cancelled is completed (409 work_orders_open listing the others). */
export async function completeManufactureOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    const row = await lockManufactureOrder(trx, idOrNumber, expected);
    const { to, event } = manufactureOrderMachine.transition('complete', row.status);
    const open = (await workOrdersOf(trx, row.id)).filter((w) => w.status !== 'completed' && w.status !== 'cancelled');
    if (open.length)
      throw new ConflictError(
        'work_orders_open',
        `Manufacture order ${row.manufacture_order_number} has work orders not completed: ${open.map((w) => `${w.work_order_number} (${w.status})`).join(', ')}.`,
        { work_orders: open.map((w) => ({ id: w.id, work_order_number: w.work_order_number, status: w.status })) },
      );
    return saveStatus(trx, ctx, row, { status: to, completed_at: nowIso() }, event);
  });
}

/**
 * Cancels the order and its open work orders (releasing their reservations). A work order in
 * progress is refused (409 work_order_in_progress): put it on hold first, so cancelling never
 * strands components already on the shop floor without a decision.
 */
export async function cancelManufactureOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    const row = await lockManufactureOrder(trx, idOrNumber, expected);
    const { to, event } = manufactureOrderMachine.transition('cancel', row.status);
    const workOrders = await workOrdersOf(trx, row.id);
    const running = workOrders.filter((w) => w.status === 'in_progress');
    if (running.length)
      throw new ConflictError(
        'work_order_in_progress',
        `Work order${running.length > 1 ? 's' : ''} ${running.map((w) => w.work_order_number).join(', ')} ${running.length > 1 ? 'are' : 'is'} in progress; hold ${running.length > 1 ? 'them' : 'it'} first.`,
        { work_orders: running.map((w) => ({ id: w.id, work_order_number: w.work_order_number, status: w.status })) },
      );
    for (const w of workOrders)
      if (['planned', 'released', 'on_hold'].includes(w.status)) await cancelWorkOrderIn(trx, ctx, w);
    return saveStatus(trx, ctx, row, { status: to, cancelled_at: nowIso() }, event);
  });
}
