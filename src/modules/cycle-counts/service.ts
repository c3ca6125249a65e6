import { sql } from 'kysely';
import type { DB, Executor, Trx } from '../../db/connection.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord, saveVersionedRow } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import { defaultLocationId, inItemOrder, postMovement, resolveLocationId } from '../inventory/index.js';
import {
  CYCLE_COUNT_STATUSES,
  type CountInput,
  type CreateCycleCountInput,
  type CycleCount,
  type CycleCountLine,
  type UpdateCycleCountInput,
} from './schemas.js';
import type { CycleCountLinesTable, CycleCountsTable } from './tables.js';
import { cycleCountMachine, type CycleCountAction } from './transitions.js';

const int = (v: number | null) => (v === null ? null : Number(v));

export function toCycleCountLine(l: CycleCountLinesTable): CycleCountLine {
  const expected = int(l.expected_quantity);
  const counted = int(l.counted_quantity);
  return {
    id: l.id,
    object: 'cycle_count_line',
    cycle_count_id: l.cycle_count_id,
    inventory_item_id: l.inventory_item_id,
    sku: l.sku,
    expected_quantity: expected,
    counted_quantity: counted,
    variance: expected === null || counted === null ? null : counted - expected,
    movements_since_snapshot: int(l.movements_since_snapshot),
    adjustment: int(l.adjustment),
    counted_at: l.counted_at,
    created_at: l.created_at,
    updated_at: l.updated_at,
  };
}

export function toCycleCount(row: CycleCountsTable, lines: CycleCountLinesTable[]): CycleCount {
  return {
    id: row.id,
    object: 'cycle_count',
    cycle_count_number: row.cycle_count_number,
    location_id: row.location_id,
    status: row.status,
    scheduled_date: row.scheduled_date,
    counter: row.counter,
    sku_filter: row.sku_filter,
    skus: parseJson(row.skus, null),
    line_items: lines.map(toCycleCountLine),
    notes: row.notes,
    started_at: row.started_at,
    completed_at: row.completed_at,
    reconciled_at: row.reconciled_at,
    cancelled_at: row.cancelled_at,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const isCountNumber = (v: string) => /^CC-\d+$/i.test(v);

async function resolveCycleCountId(db: Executor, idOrNumber: string): Promise<string> {
  const byNumber = isCountNumber(idOrNumber);
  const row = await db
    .selectFrom('cycle_counts')
    .select('id')
    .where(byNumber ? 'cycle_count_number' : 'id', '=', byNumber ? idOrNumber.toUpperCase() : idOrNumber)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('cycle count', idOrNumber);
  return row.id;
}

async function linesOf(db: Executor, ids: string[]): Promise<CycleCountLinesTable[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('cycle_count_lines')
    .selectAll()
    .where('cycle_count_id', 'in', ids)
    .orderBy('sku')
    .orderBy('id')
    .execute();
}

export async function getCycleCount(db: Executor, idOrNumber: string): Promise<CycleCount> {
  const id = await resolveCycleCountId(db, idOrNumber);
  const row = await db.selectFrom('cycle_counts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return toCycleCount(row, await linesOf(db, [id]));
}

export const cycleCountListSpec: ListSpec = {
  table: 'cycle_counts',
  sortable: ['updated_at', 'scheduled_date'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: CYCLE_COUNT_STATUSES },
    location_id: { kind: 'exact', column: 'location_id' },
    cycle_count_number: { kind: 'exact', column: 'cycle_count_number', normalize: (v) => v.toUpperCase() },
    counter: { kind: 'exact', column: 'counter' },
  },
};

export async function listCycleCounts(db: DB, query: Record<string, unknown>) {
  const result = await runList<CycleCountsTable>(db, cycleCountListSpec, query);
  const lines = await linesOf(
    db,
    result.rows.map((r) => r.id),
  );
  return toEnvelope(result, (r) =>
    toCycleCount(
      r,
      lines.filter((l) => l.cycle_count_id === r.id),
    ),
  );
}

export const cycleCountLineListSpec: ListSpec = {
  table: 'cycle_count_lines',
  sortable: ['sku', 'updated_at'],
  filters: { sku: { kind: 'exact', column: 'sku', multi: true } },
};

export async function listCycleCountLines(db: DB, idOrNumber: string, query: Record<string, unknown>) {
  const id = await resolveCycleCountId(db, idOrNumber);
  const result = await runList<CycleCountLinesTable>(db, cycleCountLineListSpec, query, (qb) =>
    qb.where('cycle_count_id', '=', id),
  );
  return toEnvelope(result, toCycleCountLine);
}

/**
 * A count covers the location's items whose SKU is listed, or starts with sku_filter, or all of
 * them. A listed SKU the location has no item for is a 400 naming it.
 */
export async function createCycleCount(db: DB, ctx: RequestContext, input: CreateCycleCountInput): Promise<CycleCount> {
  return inTransaction(db, async (trx) => {
    const locationId = input.location_id
      ? await resolveLocationId(trx, input.location_id, 'location_id')
      : await defaultLocationId(trx);
    let items = trx
      .selectFrom('inventory_items')
      .select(['id', 'sku'])
      .where('location_id', '=', locationId)
      .orderBy('sku');
    const skus = input.skus ? [...new Set(input.skus)] : null;
    if (skus) items = items.where('sku', 'in', skus);
    else if (input.sku_filter) {
      const prefix = `${input.sku_filter.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      items = items.where(sql<boolean>`sku like ${prefix} escape '\\'`);
    }
    const found = await items.execute();
    if (skus) {
      const missing = skus.filter((s) => !found.some((f) => f.sku === s));
      if (missing.length)
        throw new ValidationError(
          `No inventory item at location ${locationId} for SKU ${missing.join(', ')}.`,
          missing.map((s) => ({
            path: `skus[${skus.indexOf(s)}]`,
            code: 'unknown_sku',
            message: `Not stocked at this location`,
          })),
        );
    }
    if (found.length === 0)
      throw new ValidationError('The count would cover no inventory item at this location.', [
        { path: input.sku_filter ? 'sku_filter' : 'location_id', message: 'Matches no inventory item' },
      ]);
    const now = nowIso();
    const id = newId('cc');
    const row: CycleCountsTable = {
      id,
      cycle_count_number: formatNumber('CC', await nextNumber(trx, 'cycle_count')),
      location_id: locationId,
      status: 'draft',
      scheduled_date: input.scheduled_date ?? null,
      counter: input.counter ?? null,
      sku_filter: input.sku_filter ?? null,
      skus: skus ? toJson(skus) : null,
      notes: input.notes ?? null,
      started_at: null,
      completed_at: null,
      reconciled_at: null,
      cancelled_at: null,
      metadata: toJson(input.metadata ?? {}),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    const lines: CycleCountLinesTable[] = found.map((f) => ({
      id: newId('ccl'),
      cycle_count_id: id,
      inventory_item_id: f.id,
      sku: f.sku,
      expected_quantity: null,
      counted_quantity: null,
      movements_since_snapshot: null,
      adjustment: null,
      counted_at: null,
      created_at: now,
      updated_at: now,
    }));
    await trx.insertInto('cycle_counts').values(row).execute();
    await trx.insertInto('cycle_count_lines').values(lines).execute();
    const count = toCycleCount(row, lines);
    await recordEvent(trx, ctx, 'cycle_count.created', count);
    return count;
  });
}

async function lockCycleCount(trx: Trx, idOrNumber: string, expected: ExpectedVersion) {
  const id = await resolveCycleCountId(trx, idOrNumber);
  const row = await lockRecord(trx, 'cycle_counts', 'cycle count', id, expected);
  return { row, lines: await linesOf(trx, [id]) };
}

async function saveCycleCount(
  trx: Trx,
  ctx: RequestContext,
  before: CycleCount,
  row: CycleCountsTable,
  changes: Partial<CycleCountsTable>,
  event: string,
): Promise<CycleCount> {
  const next = await saveVersionedRow(trx, 'cycle_counts', row, changes);
  const after = toCycleCount(next, await linesOf(trx, [row.id]));
  await recordEvent(
    trx,
    ctx,
    event,
    after,
    changedAttributes(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>),
  );
  return after;
}

export async function updateCycleCount(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: UpdateCycleCountInput,
  expected?: ExpectedVersion,
): Promise<CycleCount> {
  return inTransaction(db, async (trx) => {
    const { row, lines } = await lockCycleCount(trx, idOrNumber, expected);
    const before = toCycleCount(row, lines);
    const { event } = cycleCountMachine.transition('update', row.status);
    const changes: Partial<CycleCountsTable> = {};
    if (input.scheduled_date !== undefined) changes.scheduled_date = input.scheduled_date;
    if (input.counter !== undefined) changes.counter = input.counter;
    if (input.notes !== undefined) changes.notes = input.notes;
    if (input.metadata !== undefined) changes.metadata = toJson(mergeMetadata(before.metadata, input.metadata));
    if (Object.entries(changes).every(([k, v]) => (row as any)[k] === v)) return before;
    return saveCycleCount(trx, ctx, before, row, changes, event);
  });
}

export async function deleteCycleCount(db: DB, ctx: RequestContext, idOrNumber: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const { row, lines } = await lockCycleCount(trx, idOrNumber, expected);
    const { event } = cycleCountMachine.transition('delete', row.status);
    await trx.deleteFrom('cycle_count_lines').where('cycle_count_id', '=', row.id).execute();
    await trx.deleteFrom('cycle_counts').where('id', '=', row.id).execute();
    await recordEvent(trx, ctx, event, toCycleCount(row, lines));
    return { id: row.id, object: 'cycle_count' as const, deleted: true as const };
  });
}

function resolveCountLine(lines: CycleCountLinesTable[], ref: string, path: string): CycleCountLinesTable {
  const line = lines.find((l) => l.id === ref) ?? lines.find((l) => l.sku === ref);
  if (!line) throw new NotFoundError('cycle count line', ref, path);
  return line;
}

/** start, count, complete, reconcile and cancel. */
export async function cycleCountAction(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  action: Exclude<CycleCountAction, 'update' | 'delete'>,
  input: Partial<CountInput> = {},
  expected?: ExpectedVersion,
): Promise<CycleCount> {
  return inTransaction(db, async (trx) => {
    const { row, lines } = await lockCycleCount(trx, idOrNumber, expected);
    const before = toCycleCount(row, lines);
    const { to, event } = cycleCountMachine.transition(action, row.status);
    const now = nowIso();
    const changes: Partial<CycleCountsTable> = { status: to };
    if (action === 'start') {
      // The snapshot: what the ledger says each item holds now. The count is of the shelf as it
      // stands from here; whatever moves afterwards is kept at reconcile, not counted twice.
      const onHand = new Map(
        (
          await trx
            .selectFrom('inventory_items')
            .select(['id', 'on_hand'])
            .where(
              'id',
              'in',
              lines.map((l) => l.inventory_item_id),
            )
            .execute()
        ).map((i) => [i.id, Number(i.on_hand)]),
      );
      for (const line of lines)
        await trx
          .updateTable('cycle_count_lines')
          .set({ expected_quantity: onHand.get(line.inventory_item_id) ?? 0, updated_at: now })
          .where('id', '=', line.id)
          .execute();
      changes.started_at = now;
    } else if (action === 'count') {
      const entries = input.line_items ?? [];
      for (const [i, entry] of entries.entries()) {
        const line = resolveCountLine(lines, entry.id, `line_items[${i}].id`);
        await trx
          .updateTable('cycle_count_lines')
          .set({ counted_quantity: entry.counted_quantity, counted_at: now, updated_at: now })
          .where('id', '=', line.id)
          .execute();
      }
    } else if (action === 'complete') {
      const uncounted = lines.filter((l) => l.counted_quantity === null);
      if (uncounted.length)
        throw new ConflictError(
          'lines_not_counted',
          `${uncounted.length} line(s) are not counted yet: ${uncounted
            .slice(0, 20)
            .map((l) => l.sku)
            .join(', ')}.`,
          { line_item_ids: uncounted.map((l) => l.id) },
        );
      changes.completed_at = now;
    } else if (action === 'reconcile') {
      // The count stands for the shelf at the snapshot, so on_hand becomes counted + every movement
      // since the snapshot. The ledger's on_hand is the sum of its movements, so those movements
      // add up to (on_hand now - expected), and the adjustment is counted - expected; posted per
      // item in item order, each one a `cycle_count` movement (none for no variance).
      for (const line of inItemOrder(lines, (l) => l.inventory_item_id)) {
        const expectedQuantity = Number(line.expected_quantity);
        const adjustment = Number(line.counted_quantity) - expectedQuantity;
        let onHandAfter: number;
        if (adjustment !== 0) {
          const after = await postMovement(trx, ctx, {
            itemId: line.inventory_item_id,
            quantity: adjustment,
            reason: 'cycle_count',
            reference: { type: 'cycle_count', id: row.id, line_id: line.id },
            note: `${row.cycle_count_number}: counted ${line.counted_quantity}, expected ${expectedQuantity}`,
          });
          onHandAfter = Number(after.on_hand);
        } else {
          const item = await trx
            .selectFrom('inventory_items')
            .select('on_hand')
            .where('id', '=', line.inventory_item_id)
            .executeTakeFirstOrThrow();
          onHandAfter = Number(item.on_hand);
        }
        await trx
          .updateTable('cycle_count_lines')
          .set({
            adjustment,
            movements_since_snapshot: onHandAfter - adjustment - expectedQuantity,
            updated_at: now,
          })
          .where('id', '=', line.id)
          .execute();
      }
      changes.reconciled_at = now;
    } else if (action === 'cancel') {
      changes.cancelled_at = now;
    }
    return saveCycleCount(trx, ctx, before, row, changes, event);
  });
}
