import type { DB, Executor, Trx } from '../../db/connection.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord, patchRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import {
  activeReservations,
  consume,
  defaultLocationId,
  findOrCreateItem,
  inItemOrder,
  itemIdsFor,
  postMovement,
  releaseByReference,
  reserveAvailable,
  reservedForDocuments,
  reserveForDocument,
  resolveLocationId,
  stockKey,
  type StockNeed,
} from '../inventory/index.js';
import { bomLines, findBomRow } from './boms.js';
import {
  PRIORITIES,
  type CreateWorkOrderInput,
  type UpdateWorkOrderInput,
  type WorkOrder,
  type WorkOrderLine,
} from './schemas.js';
import type { BillsOfMaterialsTable, WorkOrderLineItemsTable, WorkOrdersTable } from './tables.js';
import { WORK_ORDER_STATUSES, workOrderMachine, type WorkOrderAction } from './transitions.js';
import { namingLocations, requiredQuantity } from './tree.js';

const DOCUMENT_TYPE = 'work_order';

// ---------------------------------------------------------------- rendering and reading

function toWorkOrderLine(row: WorkOrderLineItemsTable, reserved: Map<string, number>): WorkOrderLine {
  return {
    id: row.id,
    object: 'work_order_line_item',
    work_order_id: row.work_order_id,
    position: Number(row.position),
    component_sku: row.component_sku,
    uom: row.uom,
    quantity_per: Number(row.quantity_per),
    bom_output_quantity: Number(row.bom_output_quantity),
    scrap_percent: Number(row.scrap_percent),
    quantity_required: Number(row.quantity_required),
    quantity_reserved: reserved.get(row.id) ?? 0,
    quantity_issued: Number(row.quantity_issued),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toWorkOrder(row: WorkOrdersTable, lines: WorkOrderLineItemsTable[], reserved: Map<string, number>): WorkOrder {
  return {
    id: row.id,
    object: 'work_order',
    work_order_number: row.work_order_number,
    bom_id: row.bill_of_materials_id,
    sku: row.sku,
    quantity: Number(row.quantity),
    quantity_completed: Number(row.quantity_completed),
    location_id: row.location_id,
    output_location_id: row.output_location_id,
    manufacture_order_id: row.manufacture_order_id,
    priority: row.priority,
    assignee: row.assignee,
    due_date: row.due_date,
    status: row.status,
    standard_labor_hours: Number(row.standard_labor_hours),
    actual_labor_hours: Number(row.actual_labor_hours),
    memo: row.memo,
    line_items: lines.map((l) => toWorkOrderLine(l, reserved)),
    metadata: parseJson(row.metadata, {}),
    released_at: row.released_at,
    started_at: row.started_at,
    completed_at: row.completed_at,
    cancelled_at: row.cancelled_at,
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

async function linesOf(db: Executor, ids: string[]): Promise<WorkOrderLineItemsTable[]> {
  if (!ids.length) return [];
  return db
    .selectFrom('work_order_line_items')
    .selectAll()
    .where('work_order_id', 'in', ids)
    .orderBy('work_order_id')
    .orderBy('position')
    .execute();
}

/** Work orders as the API answers them: their lines and what the ledger holds for each, in two queries. */
export async function renderWorkOrders(db: Executor, rows: WorkOrdersTable[]): Promise<WorkOrder[]> {
  const ids = rows.map((r) => r.id);
  const [lines, reserved] = await Promise.all([linesOf(db, ids), reservedForDocuments(db, DOCUMENT_TYPE, ids)]);
  return rows.map((r) =>
    toWorkOrder(
      r,
      lines.filter((l) => l.work_order_id === r.id),
      reserved,
    ),
  );
}

async function renderOne(db: Executor, row: WorkOrdersTable): Promise<WorkOrder> {
  return (await renderWorkOrders(db, [row]))[0];
}

export async function findWorkOrderRow(db: Executor, idOrNumber: string): Promise<WorkOrdersTable | undefined> {
  const q = db.selectFrom('work_orders').selectAll();
  return idOrNumber.startsWith('wko_')
    ? q.where('id', '=', idOrNumber).executeTakeFirst()
    : q.where('work_order_number', '=', idOrNumber.toUpperCase()).executeTakeFirst();
}

export async function getWorkOrder(db: Executor, idOrNumber: string): Promise<WorkOrder> {
  const row = await findWorkOrderRow(db, idOrNumber);
  if (!row) throw new NotFoundError('work order', idOrNumber);
  return renderOne(db, row);
}

export const workOrderListSpec: ListSpec = {
  table: 'work_orders',
  sortable: ['updated_at', 'due_date', 'work_order_number'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: WORK_ORDER_STATUSES },
    priority: { kind: 'exact', column: 'priority', multi: true, values: PRIORITIES },
    sku: { kind: 'exact', column: 'sku', multi: true },
    assignee: { kind: 'exact', column: 'assignee' },
    bom_id: { kind: 'exact', column: 'bill_of_materials_id' },
    manufacture_order_id: { kind: 'exact', column: 'manufacture_order_id' },
  },
};

export async function listWorkOrders(db: DB, query: Record<string, unknown>) {
  const result = await runList<WorkOrdersTable>(db, workOrderListSpec, query);
  const rendered = new Map((await renderWorkOrders(db, result.rows)).map((w) => [w.id, w]));
  return toEnvelope(result, (row) => rendered.get(row.id)!);
}

export const workOrderLineListSpec: ListSpec = {
  table: 'work_order_line_items',
  sortable: ['updated_at', 'position'],
  filters: {
    work_order_id: { kind: 'exact', column: 'work_order_id' },
    component_sku: { kind: 'exact', column: 'component_sku', multi: true },
  },
};

export async function listWorkOrderLines(db: DB, query: Record<string, unknown>) {
  const result = await runList<WorkOrderLineItemsTable>(db, workOrderLineListSpec, query);
  const reserved = await reservedForDocuments(db, DOCUMENT_TYPE, [...new Set(result.rows.map((r) => r.work_order_id))]);
  return toEnvelope(result, (row) => toWorkOrderLine(row, reserved));
}

export async function getWorkOrderLine(db: Executor, id: string): Promise<WorkOrderLine> {
  const row = await db.selectFrom('work_order_line_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('work order line item', id);
  return toWorkOrderLine(row, await reservedForDocuments(db, DOCUMENT_TYPE, [row.work_order_id]));
}

// ---------------------------------------------------------------- commands

export async function lockWorkOrder(
  trx: Trx,
  idOrNumber: string,
  expected?: ExpectedVersion,
): Promise<WorkOrdersTable> {
  const found = await findWorkOrderRow(trx, idOrNumber);
  if (!found) throw new NotFoundError('work order', idOrNumber);
  return lockRecord(trx, 'work_orders', 'work order', found.id, expected);
}

/** The BOM a work order or manufacture order builds from: named, or the SKU's active one; it must be active. */
export async function activeBomFor(
  trx: Executor,
  bomId: string | undefined,
  sku: string | undefined,
): Promise<BillsOfMaterialsTable> {
  const row = bomId
    ? await findBomRow(trx, bomId)
    : await trx
        .selectFrom('bills_of_materials')
        .selectAll()
        .where('sku', '=', sku!)
        .where('status', '=', 'active')
        .executeTakeFirst();
  if (!row) {
    if (bomId) throw new NotFoundError('bill of materials', bomId, 'bom_id');
    throw new ValidationError(`No active bill of materials for SKU "${sku}".`, [
      { path: 'sku', code: 'no_active_bom', message: `No active bill of materials for SKU "${sku}"` },
    ]);
  }
  if (sku && row.sku !== sku)
    throw new ValidationError(`Bill of materials ${row.bom_number} makes ${row.sku}, not ${sku}.`, [
      { path: 'bom_id', message: `Makes ${row.sku}, not ${sku}` },
    ]);
  if (row.status !== 'active')
    throw new ConflictError(
      'bill_of_materials_not_active',
      `Bill of materials ${row.bom_number} is ${row.status}; activate it first.`,
      undefined,
      'bom_id',
    );
  return row;
}

export interface NewWorkOrder {
  bom: BillsOfMaterialsTable;
  quantity: number;
  locationId: string;
  outputLocationId: string;
  manufactureOrderId?: string | null;
  priority?: WorkOrder['priority'];
  assignee?: string | null;
  due_date?: string | null;
  memo?: string | null;
  standard_labor_hours?: number;
  actual_labor_hours?: number;
  metadata?: Record<string, unknown>;
}

/** Inserts a planned work order whose lines are the BOM's requirements for its quantity (rounded per the rule). */
export async function insertWorkOrder(trx: Trx, ctx: RequestContext, input: NewWorkOrder): Promise<WorkOrder> {
  const now = nowIso();
  const { bom } = input;
  const output = Number(bom.output_quantity);
  const row: WorkOrdersTable = {
    id: newId('wko'),
    work_order_number: formatNumber('WO', await nextNumber(trx, 'work_order')),
    bill_of_materials_id: bom.id,
    sku: bom.sku,
    quantity: input.quantity,
    quantity_completed: 0,
    location_id: input.locationId,
    output_location_id: input.outputLocationId,
    manufacture_order_id: input.manufactureOrderId ?? null,
    priority: input.priority ?? 'normal',
    assignee: input.assignee ?? null,
    due_date: input.due_date ?? null,
    status: 'planned',
    previous_status: null,
    standard_labor_hours:
      input.standard_labor_hours ?? Math.round((Number(bom.labor_hours) * input.quantity * 100) / output) / 100,
    actual_labor_hours: input.actual_labor_hours ?? 0,
    memo: input.memo ?? null,
    metadata: toJson(input.metadata ?? {}),
    released_at: null,
    started_at: null,
    completed_at: null,
    cancelled_at: null,
    version: 1,
    created_at: now,
    updated_at: now,
  };
  await trx.insertInto('work_orders').values(row).execute();
  const lines: WorkOrderLineItemsTable[] = (await bomLines(trx, bom.id)).map((l, i) => ({
    id: newId('wkl'),
    work_order_id: row.id,
    position: i + 1,
    bom_line_item_id: l.id,
    component_sku: l.component_sku,
    uom: l.uom,
    quantity_per: Number(l.quantity),
    bom_output_quantity: output,
    scrap_percent: Number(l.scrap_percent),
    quantity_required: requiredQuantity(l, input.quantity, output),
    quantity_issued: 0,
    created_at: now,
    updated_at: now,
  }));
  if (lines.length) await trx.insertInto('work_order_line_items').values(lines).execute();
  const wo = toWorkOrder(row, lines, new Map());
  await recordEvent(trx, ctx, 'work_order.created', wo);
  return wo;
}

async function locationOrDefault(db: Executor, idOrCode: string | undefined, param: string) {
  return idOrCode ? resolveLocationId(db, idOrCode, param) : defaultLocationId(db);
}

export async function createWorkOrder(db: DB, ctx: RequestContext, input: CreateWorkOrderInput): Promise<WorkOrder> {
  return inTransaction(db, async (trx) => {
    const bom = await activeBomFor(trx, input.bom_id, input.sku);
    const locationId = await locationOrDefault(trx, input.location_id, 'location_id');
    const outputLocationId = input.output_location_id
      ? await resolveLocationId(trx, input.output_location_id, 'output_location_id')
      : locationId;
    return insertWorkOrder(trx, ctx, { ...input, bom, locationId, outputLocationId });
  });
}

export async function updateWorkOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: UpdateWorkOrderInput,
  expected?: ExpectedVersion,
): Promise<WorkOrder> {
  return inTransaction(db, async (trx) => {
    const row = await lockWorkOrder(trx, idOrNumber, expected);
    workOrderMachine.transition('update', row.status);
    return patchRecord(trx, ctx, {
      table: 'work_orders',
      before: await renderOne(trx, row),
      input,
      fields: ['priority', 'assignee', 'due_date', 'memo', 'standard_labor_hours', 'actual_labor_hours'] as const,
      toRow: (n) => ({
        priority: n.priority,
        assignee: n.assignee,
        due_date: n.due_date,
        memo: n.memo,
        standard_labor_hours: n.standard_labor_hours,
        actual_labor_hours: n.actual_labor_hours,
        metadata: toJson(n.metadata),
        version: n.version,
        updated_at: n.updated_at,
      }),
      event: 'work_order.updated',
    });
  });
}

/** Only a planned work order of no manufacture order may be deleted (it holds no stock yet). */
export async function deleteWorkOrder(db: DB, ctx: RequestContext, idOrNumber: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const row = await lockWorkOrder(trx, idOrNumber, expected);
    workOrderMachine.transition('delete', row.status);
    if (row.manufacture_order_id)
      throw new ConflictError(
        'work_order_in_use',
        `Work order ${row.work_order_number} belongs to a manufacture order; cancel that order instead.`,
      );
    const wo = await renderOne(trx, row);
    await trx.deleteFrom('work_order_line_items').where('work_order_id', '=', row.id).execute();
    await trx.deleteFrom('work_orders').where('id', '=', row.id).execute();
    await recordEvent(trx, ctx, 'work_order.deleted', wo);
    return { id: row.id, object: 'work_order' as const, deleted: true as const };
  });
}

/** Writes the changed columns, bumps the version and records the transition's event. */
async function saveTransition(
  trx: Trx,
  ctx: RequestContext,
  row: WorkOrdersTable,
  changes: Partial<WorkOrdersTable>,
  event: string,
): Promise<WorkOrder> {
  const now = nowIso();
  const next: WorkOrdersTable = { ...row, ...changes, version: Number(row.version) + 1, updated_at: now };
  await trx
    .updateTable('work_orders')
    .set({ ...changes, version: next.version, updated_at: now })
    .where('id', '=', row.id)
    .execute();
  const wo = await renderOne(trx, next);
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(changes) as Array<keyof WorkOrdersTable>)
    if (key !== 'previous_status') previous[key] = row[key];
  await recordEvent(trx, ctx, event, wo, previous);
  return wo;
}

/** A status-only action (start, hold, resume, assign), run through the transition table. */
async function simpleAction(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  action: WorkOrderAction,
  expected: ExpectedVersion | undefined,
  extra: (row: WorkOrdersTable) => Partial<WorkOrdersTable> = () => ({}),
): Promise<WorkOrder> {
  return inTransaction(db, async (trx) => {
    const row = await lockWorkOrder(trx, idOrNumber, expected);
    const { to, event } = workOrderMachine.transition(action, row.status, row.previous_status);
    const changes: Partial<WorkOrdersTable> = { ...extra(row) };
    if (to !== row.status) changes.status = to;
    return saveTransition(trx, ctx, row, changes, event);
  });
}

export const startWorkOrder = (db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) =>
  simpleAction(db, ctx, id, 'start', expected, () => ({ started_at: nowIso() }));
export const holdWorkOrder = (db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) =>
  simpleAction(db, ctx, id, 'hold', expected, (row) => ({ previous_status: row.status }));
export const resumeWorkOrder = (db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) =>
  simpleAction(db, ctx, id, 'resume', expected, () => ({ previous_status: null }));
export const assignWorkOrder = (
  db: DB,
  ctx: RequestContext,
  id: string,
  assignee: string | null,
  expected?: ExpectedVersion,
) => simpleAction(db, ctx, id, 'assign', expected, () => ({ assignee }));

/** What each line still needs reserved, on the items at the work order's location (sorted by item). */
async function stockNeeds(
  trx: Trx,
  row: WorkOrdersTable,
  lines: WorkOrderLineItemsTable[],
  wanted: Map<string, number>,
) {
  const items = await itemIdsFor(
    trx,
    lines.map((l) => ({ sku: l.component_sku, location_id: row.location_id })),
  );
  const needs: StockNeed[] = lines
    .filter((l) => (wanted.get(l.id) ?? 0) > 0)
    .map((l) => ({
      lineId: l.id,
      sku: l.component_sku,
      locationId: row.location_id,
      quantity: wanted.get(l.id)!,
      itemId: items.get(stockKey(l.component_sku, row.location_id)),
    }));
  return inItemOrder(needs, (n) => n.itemId);
}

/**
 * Reserves what every line still needs (required - issued - already reserved) through the ledger:
 * all or nothing (409 insufficient_inventory listing each shortage), or with allow_partial what is
 * available (the rest is reserved when it is issued).
 */
export async function releaseWorkOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: { allow_partial?: boolean },
  expected?: ExpectedVersion,
): Promise<WorkOrder> {
  return inTransaction(db, async (trx) => {
    const row = await lockWorkOrder(trx, idOrNumber, expected);
    const { to, event } = workOrderMachine.transition('release', row.status);
    const lines = await linesOf(trx, [row.id]);
    const held = await reservedForDocuments(trx, DOCUMENT_TYPE, [row.id]);
    const wanted = new Map(
      lines.map((l) => [l.id, Number(l.quantity_required) - Number(l.quantity_issued) - (held.get(l.id) ?? 0)]),
    );
    const needs = await stockNeeds(trx, row, lines, wanted);
    const document = { type: DOCUMENT_TYPE, id: row.id };
    if (input.allow_partial) await reserveAvailable(trx, ctx, document, needs);
    else await namingLocations(trx, () => reserveForDocument(trx, ctx, document, needs));
    return saveTransition(trx, ctx, row, { status: to, released_at: nowIso() }, event);
  });
}

/**
 * Issues `toIssue` units per line: reserves what a line lacks first (all or nothing, 409 listing
 * shortages), then consumes its reservations with `production_consume` movements, in item order.
 */
async function issueLines(
  trx: Trx,
  ctx: RequestContext,
  row: WorkOrdersTable,
  lines: WorkOrderLineItemsTable[],
  toIssue: Map<string, number>,
) {
  const document = { type: DOCUMENT_TYPE, id: row.id };
  const held = await reservedForDocuments(trx, DOCUMENT_TYPE, [row.id]);
  const lacking = new Map(lines.map((l) => [l.id, Math.max(0, (toIssue.get(l.id) ?? 0) - (held.get(l.id) ?? 0))]));
  const topUp = await stockNeeds(trx, row, lines, lacking);
  if (topUp.length) await namingLocations(trx, () => reserveForDocument(trx, ctx, document, topUp));
  const reservations = await activeReservations(trx, document);
  const now = nowIso();
  const issuing = await stockNeeds(trx, row, lines, toIssue);
  for (const n of issuing) {
    await consume(
      trx,
      ctx,
      reservations,
      n.lineId,
      n.quantity,
      { ...document, line_id: n.lineId },
      'production_consume',
    );
    await trx
      .updateTable('work_order_line_items')
      .set({
        quantity_issued: Number(lines.find((l) => l.id === n.lineId)!.quantity_issued) + n.quantity,
        updated_at: now,
      })
      .where('id', '=', n.lineId)
      .execute();
  }
}

/** Consumes components: the lines named (by id or component SKU) or everything still to issue. */
export async function issueWorkOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: { line_items?: Array<{ id: string; quantity: number }> },
  expected?: ExpectedVersion,
): Promise<WorkOrder> {
  return inTransaction(db, async (trx) => {
    const row = await lockWorkOrder(trx, idOrNumber, expected);
    const { event } = workOrderMachine.transition('issue', row.status);
    const lines = await linesOf(trx, [row.id]);
    const toIssue = new Map<string, number>();
    if (input.line_items) {
      input.line_items.forEach((asked, i) => {
        const matches = lines.filter((l) => l.id === asked.id || l.component_sku === asked.id);
        if (matches.length !== 1)
          throw new ValidationError(
            matches.length
              ? `Several lines have SKU ${asked.id}; name the line by its id.`
              : `No line ${asked.id} on ${row.work_order_number}.`,
            [{ path: `line_items[${i}].id`, message: matches.length ? 'Ambiguous SKU' : 'No such line' }],
          );
        const line = matches[0];
        const total = (toIssue.get(line.id) ?? 0) + asked.quantity;
        const left = Number(line.quantity_required) - Number(line.quantity_issued);
        if (total > left)
          throw new ConflictError(
            'over_issue',
            `Line ${line.component_sku} has ${left} unit(s) left to issue; ${total} asked.`,
            { line_id: line.id, remaining: left },
            `line_items[${i}].quantity`,
          );
        toIssue.set(line.id, total);
      });
    } else for (const l of lines) toIssue.set(l.id, Number(l.quantity_required) - Number(l.quantity_issued));
    await issueLines(trx, ctx, row, lines, toIssue);
    return saveTransition(trx, ctx, row, {}, event);
  });
}

/**
 * Finishes `quantity` units: issues what the lines still need for the units completed so far
 * (required for that cumulative quantity by the rounding rule), adds the finished goods at the
 * output location (`production_output`), and on the last unit completes the work order and
 * releases anything still reserved.
 */
export async function completeWorkOrder(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: { quantity?: number; labor_hours?: number },
  expected?: ExpectedVersion,
): Promise<WorkOrder> {
  return inTransaction(db, async (trx) => {
    const row = await lockWorkOrder(trx, idOrNumber, expected);
    const remaining = Number(row.quantity) - Number(row.quantity_completed);
    const quantity = input.quantity ?? remaining;
    const last = quantity >= remaining;
    const { to, event } = workOrderMachine.transition(last ? 'complete' : 'complete_partially', row.status);
    if (quantity > remaining)
      throw new ConflictError(
        'over_completion',
        `Work order ${row.work_order_number} has ${remaining} unit(s) left to complete; ${quantity} given.`,
        { remaining },
        'quantity',
      );
    const done = Number(row.quantity_completed) + quantity;
    const lines = await linesOf(trx, [row.id]);
    const toIssue = new Map(
      lines.map((l) => {
        const target = last
          ? Number(l.quantity_required)
          : Math.min(
              Number(l.quantity_required),
              requiredQuantity(
                { quantity: Number(l.quantity_per), scrap_percent: Number(l.scrap_percent) },
                done,
                Number(l.bom_output_quantity),
              ),
            );
        return [l.id, Math.max(0, target - Number(l.quantity_issued))];
      }),
    );
    await issueLines(trx, ctx, row, lines, toIssue);
    const output = await findOrCreateItem(trx, row.sku, row.output_location_id);
    await postMovement(trx, ctx, {
      itemId: output.id,
      quantity,
      reason: 'production_output',
      reference: { type: DOCUMENT_TYPE, id: row.id },
    });
    const now = nowIso();
    const changes: Partial<WorkOrdersTable> = { quantity_completed: done };
    if (input.labor_hours) changes.actual_labor_hours = Number(row.actual_labor_hours) + input.labor_hours;
    if (last) {
      await releaseByReference(trx, ctx, { type: DOCUMENT_TYPE, id: row.id });
      changes.status = to;
      changes.completed_at = now;
    }
    return saveTransition(trx, ctx, row, changes, event);
  });
}

/** Cancels in the caller's transaction (a manufacture order cancels its work orders too). */
export async function cancelWorkOrderIn(trx: Trx, ctx: RequestContext, row: WorkOrdersTable): Promise<WorkOrder> {
  const { to, event } = workOrderMachine.transition('cancel', row.status);
  await releaseByReference(trx, ctx, { type: DOCUMENT_TYPE, id: row.id });
  return saveTransition(trx, ctx, row, { status: to, previous_status: null, cancelled_at: nowIso() }, event);
}

export async function cancelWorkOrder(db: DB, ctx: RequestContext, idOrNumber: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => cancelWorkOrderIn(trx, ctx, await lockWorkOrder(trx, idOrNumber, expected)));
}
