import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord, patchRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, refuseDuplicate } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { containsText, runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import {
  consume,
  defaultLocationId,
  findOrCreateItem,
  inItemOrder,
  itemIdsFor,
  postMovement,
  reserveForDocument,
  resolveLocationId,
  stockKey,
  type StockNeed,
} from '../inventory/index.js';
import {
  ROUNDING_RULE,
  SUPPLY_TYPES,
  type Bom,
  type BomCost,
  type BomLine,
  type BomLineInputT,
  type CreateBomInput,
  type CreateBomLineInput,
  type Explosion,
  type UpdateBomInput,
  type UpdateBomLineInput,
} from './schemas.js';
import type { BillsOfMaterialsTable, BomLineItemsTable } from './tables.js';
import { bomMachine, BOM_STATUSES } from './transitions.js';
import {
  assertNoCycle,
  BomCycleError,
  loadActiveBoms,
  namingLocations,
  quantityPerUnit,
  requiredQuantity,
  type BomWithLines,
} from './tree.js';

// ---------------------------------------------------------------- rendering and reading

export function toBomLine(row: BomLineItemsTable): BomLine {
  return {
    id: row.id,
    object: 'bill_of_materials_line_item',
    bill_of_materials_id: row.bill_of_materials_id,
    position: Number(row.position),
    component_sku: row.component_sku,
    quantity: Number(row.quantity),
    uom: row.uom,
    scrap_percent: Number(row.scrap_percent),
    supply_type: row.supply_type,
    notes: row.notes,
    metadata: parseJson(row.metadata, {}),
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toBom(row: BillsOfMaterialsTable, lines: BomLineItemsTable[]): Bom {
  return {
    id: row.id,
    object: 'bill_of_materials',
    bom_number: row.bom_number,
    name: row.name,
    sku: row.sku,
    description: row.description,
    output_quantity: Number(row.output_quantity),
    uom: row.uom,
    revision: row.revision,
    status: row.status,
    lead_time_days: Number(row.lead_time_days),
    labor_hours: Number(row.labor_hours),
    line_items: lines.map(toBomLine),
    metadata: parseJson(row.metadata, {}),
    activated_at: row.activated_at,
    obsoleted_at: row.obsoleted_at,
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** By id (bom_...) or by bom_number (BOM-000001). */
export async function findBomRow(db: Executor, idOrNumber: string): Promise<BillsOfMaterialsTable | undefined> {
  const q = db.selectFrom('bills_of_materials').selectAll();
  return idOrNumber.startsWith('bom_')
    ? q.where('id', '=', idOrNumber).executeTakeFirst()
    : q.where('bom_number', '=', idOrNumber.toUpperCase()).executeTakeFirst();
}

export async function bomLines(db: Executor, bomId: string): Promise<BomLineItemsTable[]> {
  return db
    .selectFrom('bom_line_items')
    .selectAll()
    .where('bill_of_materials_id', '=', bomId)
    .orderBy('position')
    .execute();
}

export async function getBom(db: Executor, idOrNumber: string): Promise<Bom> {
  const row = await findBomRow(db, idOrNumber);
  if (!row) throw new NotFoundError('bill of materials', idOrNumber);
  return toBom(row, await bomLines(db, row.id));
}

export const bomListSpec: ListSpec = {
  table: 'bills_of_materials',
  sortable: ['updated_at', 'bom_number', 'sku'],
  updatedRange: true,
  filters: {
    sku: { kind: 'exact', column: 'sku', multi: true },
    status: { kind: 'exact', column: 'status', multi: true, values: BOM_STATUSES },
    bom_number: { kind: 'exact', column: 'bom_number' },
    search: {
      kind: 'custom',
      schema: z.string().min(1),
      apply: (qb, term: string) =>
        qb.where((eb: any) => eb.or([containsText('name', term), containsText('sku', term)])),
    },
  },
};

export async function listBoms(db: DB, query: Record<string, unknown>) {
  const result = await runList<BillsOfMaterialsTable>(db, bomListSpec, query);
  const ids = result.rows.map((r) => r.id);
  const lines = ids.length
    ? await db
        .selectFrom('bom_line_items')
        .selectAll()
        .where('bill_of_materials_id', 'in', ids)
        .orderBy('position')
        .execute()
    : [];
  return toEnvelope(result, (row) =>
    toBom(
      row,
      lines.filter((l) => l.bill_of_materials_id === row.id),
    ),
  );
}

/** The BOM a command changes, locked; 404 / 412 as usual. */
async function lockBom(
  trx: Trx,
  idOrNumber: string,
  expected?: ExpectedVersion,
  param = 'id',
): Promise<BillsOfMaterialsTable> {
  const found = await findBomRow(trx, idOrNumber);
  if (!found) throw new NotFoundError('bill of materials', idOrNumber, param);
  return lockRecord(trx, 'bills_of_materials', 'bill of materials', found.id, expected);
}

/** A new version and updated_at on the BOM, and its event (line changes change the BOM). */
async function touchBom(
  trx: Trx,
  ctx: RequestContext,
  row: BillsOfMaterialsTable,
  event: string,
  previous?: Record<string, unknown>,
) {
  const now = nowIso();
  await trx
    .updateTable('bills_of_materials')
    .set({ version: Number(row.version) + 1, updated_at: now })
    .where('id', '=', row.id)
    .execute();
  const bom = toBom({ ...row, version: Number(row.version) + 1, updated_at: now }, await bomLines(trx, row.id));
  await recordEvent(trx, ctx, event, bom, previous);
  return bom;
}

// ---------------------------------------------------------------- commands

function lineRow(bomId: string, position: number, input: BomLineInputT, now: string): BomLineItemsTable {
  return {
    id: newId('bli'),
    bill_of_materials_id: bomId,
    position,
    component_sku: input.component_sku,
    quantity: input.quantity,
    uom: input.uom ?? 'each',
    scrap_percent: input.scrap_percent ?? 0,
    supply_type: input.supply_type ?? 'buy',
    notes: input.notes ?? null,
    metadata: toJson(input.metadata ?? {}),
    version: 1,
    created_at: now,
    updated_at: now,
  };
}

export async function createBom(db: DB, ctx: RequestContext, input: CreateBomInput): Promise<Bom> {
  return inTransaction(db, async (trx) => {
    const lines = input.line_items ?? [];
    await assertNoCycle(trx, input.sku, lines, 'line_items');
    const now = nowIso();
    const row: BillsOfMaterialsTable = {
      id: newId('bom'),
      bom_number: formatNumber('BOM', await nextNumber(trx, 'bom')),
      name: input.name,
      sku: input.sku,
      description: input.description ?? null,
      output_quantity: input.output_quantity ?? 1,
      uom: input.uom ?? 'each',
      revision: input.revision ?? 'A',
      status: 'draft',
      lead_time_days: input.lead_time_days ?? 0,
      labor_hours: input.labor_hours ?? 0,
      metadata: toJson(input.metadata ?? {}),
      activated_at: null,
      obsoleted_at: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('bills_of_materials').values(row).execute();
    const lineRows = lines.map((l, i) => lineRow(row.id, i + 1, l, now));
    if (lineRows.length) await trx.insertInto('bom_line_items').values(lineRows).execute();
    const bom = toBom(row, lineRows);
    await recordEvent(trx, ctx, 'bill_of_materials.created', bom);
    return bom;
  });
}

export async function updateBom(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: UpdateBomInput,
  expected?: ExpectedVersion,
): Promise<Bom> {
  return inTransaction(db, async (trx) => {
    const row = await lockBom(trx, idOrNumber, expected);
    bomMachine.transition('update', row.status);
    const before = toBom(row, await bomLines(trx, row.id));
    return patchRecord(trx, ctx, {
      table: 'bills_of_materials',
      before,
      input,
      fields: ['name', 'description', 'output_quantity', 'uom', 'revision', 'lead_time_days', 'labor_hours'] as const,
      toRow: (next) => ({
        name: next.name,
        description: next.description,
        output_quantity: next.output_quantity,
        uom: next.uom,
        revision: next.revision,
        lead_time_days: next.lead_time_days,
        labor_hours: next.labor_hours,
        metadata: toJson(next.metadata),
        version: next.version,
        updated_at: next.updated_at,
      }),
      event: 'bill_of_materials.updated',
    });
  });
}

export async function deleteBom(db: DB, ctx: RequestContext, idOrNumber: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const row = await lockBom(trx, idOrNumber, expected);
    bomMachine.transition('delete', row.status);
    const used =
      (await trx
        .selectFrom('work_orders')
        .select('id')
        .where('bill_of_materials_id', '=', row.id)
        .limit(1)
        .executeTakeFirst()) ??
      (await trx
        .selectFrom('manufacture_orders')
        .select('id')
        .where('bill_of_materials_id', '=', row.id)
        .limit(1)
        .executeTakeFirst());
    if (used)
      throw new ConflictError(
        'bill_of_materials_in_use',
        `Bill of materials ${row.bom_number} is used by work or manufacture orders; obsolete it instead.`,
      );
    const bom = toBom(row, await bomLines(trx, row.id));
    await trx.deleteFrom('bom_line_items').where('bill_of_materials_id', '=', row.id).execute();
    await trx.deleteFrom('bills_of_materials').where('id', '=', row.id).execute();
    await recordEvent(trx, ctx, 'bill_of_materials.deleted', bom);
    return { id: row.id, object: 'bill_of_materials' as const, deleted: true as const };
  });
}

/**
 * Activates a BOM: checked for cycles against the other active BOMs first; the SKU's active BOM,
 * if any, becomes obsolete in the same transaction (one active BOM per SKU, also enforced by a
 * unique index, so two concurrent activations cannot both win).
 */
export async function activateBom(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected?: ExpectedVersion,
): Promise<Bom> {
  return inTransaction(db, async (trx) => {
    const row = await lockBom(trx, idOrNumber, expected);
    const { to, event } = bomMachine.transition('activate', row.status);
    const lines = await bomLines(trx, row.id);
    await assertNoCycle(trx, row.sku, lines);
    const now = nowIso();
    const current = await trx
      .selectFrom('bills_of_materials')
      .select('id')
      .where('sku', '=', row.sku)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (current) {
      const old = await lockRecord(trx, 'bills_of_materials', 'bill of materials', current.id, undefined);
      const superseded = bomMachine.transition('supersede', old.status);
      const oldNext = {
        ...old,
        status: superseded.to,
        obsoleted_at: now,
        version: Number(old.version) + 1,
        updated_at: now,
      };
      await trx
        .updateTable('bills_of_materials')
        .set({ status: oldNext.status, obsoleted_at: now, version: oldNext.version, updated_at: now })
        .where('id', '=', old.id)
        .execute();
      await recordEvent(trx, ctx, superseded.event, toBom(oldNext, await bomLines(trx, old.id)), {
        status: old.status,
        superseded_by: row.id,
      });
    }
    const next = {
      ...row,
      status: to,
      activated_at: now,
      obsoleted_at: null,
      version: Number(row.version) + 1,
      updated_at: now,
    };
    await refuseDuplicate(
      trx
        .updateTable('bills_of_materials')
        .set({ status: to, activated_at: now, obsoleted_at: null, version: next.version, updated_at: now })
        .where('id', '=', row.id)
        .execute(),
      () =>
        new ConflictError(
          'already_exists',
          `Another bill of materials for ${row.sku} was activated at the same time; retry.`,
        ),
    );
    const bom = toBom(next, lines);
    await recordEvent(trx, ctx, event, bom, { status: row.status });
    return bom;
  });
}

export async function obsoleteBom(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected?: ExpectedVersion,
): Promise<Bom> {
  return inTransaction(db, async (trx) => {
    const row = await lockBom(trx, idOrNumber, expected);
    const { to, event } = bomMachine.transition('obsolete', row.status);
    const now = nowIso();
    const next = { ...row, status: to, obsoleted_at: now, version: Number(row.version) + 1, updated_at: now };
    await trx
      .updateTable('bills_of_materials')
      .set({ status: to, obsoleted_at: now, version: next.version, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    const bom = toBom(next, await bomLines(trx, row.id));
    await recordEvent(trx, ctx, event, bom, { status: row.status });
    return bom;
  });
}

// ---------------------------------------------------------------- line items

async function findLine(db: Executor, id: string): Promise<BomLineItemsTable> {
  const row = await db.selectFrom('bom_line_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('bill of materials line item', id);
  return row;
}

export async function getBomLine(db: Executor, id: string): Promise<BomLine> {
  return toBomLine(await findLine(db, id));
}

export const bomLineListSpec: ListSpec = {
  table: 'bom_line_items',
  sortable: ['updated_at', 'position'],
  filters: {
    bill_of_materials_id: { kind: 'exact', column: 'bill_of_materials_id' },
    component_sku: { kind: 'exact', column: 'component_sku', multi: true },
    supply_type: { kind: 'exact', column: 'supply_type', values: SUPPLY_TYPES },
  },
};

export async function listBomLines(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<BomLineItemsTable>(db, bomLineListSpec, query), toBomLine);
}

/** Adds a line; the BOM is checked for cycles with it. Answers the line. */
export async function createBomLine(db: DB, ctx: RequestContext, input: CreateBomLineInput): Promise<BomLine> {
  return inTransaction(db, async (trx) => {
    const bom = await lockBom(trx, input.bill_of_materials_id, undefined, 'bill_of_materials_id');
    bomMachine.transition('edit_lines', bom.status);
    const lines = await bomLines(trx, bom.id);
    await assertNoCycle(trx, bom.sku, [...lines, input], 'component_sku');
    const row = lineRow(bom.id, lines.reduce((m, l) => Math.max(m, Number(l.position)), 0) + 1, input, nowIso());
    await trx.insertInto('bom_line_items').values(row).execute();
    await touchBom(trx, ctx, bom, 'bill_of_materials.line_item_added', { line_item_id: row.id });
    return toBomLine(row);
  });
}

export async function updateBomLine(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateBomLineInput,
  expected?: ExpectedVersion,
): Promise<BomLine> {
  return inTransaction(db, async (trx) => {
    const found = await findLine(trx, id);
    const bom = await lockBom(trx, found.bill_of_materials_id);
    bomMachine.transition('edit_lines', bom.status);
    const line = await lockRecord(trx, 'bom_line_items', 'bill of materials line item', id, expected);
    if (input.component_sku !== undefined && input.component_sku !== line.component_sku) {
      const lines = await bomLines(trx, bom.id);
      await assertNoCycle(
        trx,
        bom.sku,
        lines.map((l) => (l.id === id ? { component_sku: input.component_sku! } : l)),
        'component_sku',
      );
    }
    const before = toBomLine(line);
    const next = await patchRecord(trx, ctx, {
      table: 'bom_line_items',
      before,
      input,
      fields: ['component_sku', 'quantity', 'uom', 'scrap_percent', 'supply_type', 'notes'] as const,
      toRow: (n) => ({
        component_sku: n.component_sku,
        quantity: n.quantity,
        uom: n.uom,
        scrap_percent: n.scrap_percent,
        supply_type: n.supply_type,
        notes: n.notes,
        metadata: toJson(n.metadata),
        version: n.version,
        updated_at: n.updated_at,
      }),
      event: 'bill_of_materials_line_item.updated',
    });
    if (next !== before) await touchBom(trx, ctx, bom, 'bill_of_materials.line_item_updated', { line_item_id: id });
    return next;
  });
}

export async function deleteBomLine(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const found = await findLine(trx, id);
    const bom = await lockBom(trx, found.bill_of_materials_id);
    bomMachine.transition('edit_lines', bom.status);
    await lockRecord(trx, 'bom_line_items', 'bill of materials line item', id, expected);
    await trx.deleteFrom('bom_line_items').where('id', '=', id).execute();
    await touchBom(trx, ctx, bom, 'bill_of_materials.line_item_removed', { line_item: toBomLine(found) });
    return { id, object: 'bill_of_materials_line_item' as const, deleted: true as const };
  });
}

// ---------------------------------------------------------------- explode, cost, build

/** A BOM and every active BOM below it that its make lines explode through (one query per level). */
async function loadTree(
  db: Executor,
  root: BillsOfMaterialsTable,
): Promise<{ root: BomWithLines; below: Map<string, BomWithLines> }> {
  const lines = await bomLines(db, root.id);
  const makes = (l: BomLineItemsTable) => l.supply_type === 'make';
  const below = await loadActiveBoms(
    db,
    lines.filter(makes).map((l) => l.component_sku),
    makes,
    root.sku,
  );
  return { root: { bom: root, lines }, below };
}

interface TreeNode {
  level: number;
  parent: BomWithLines;
  line: BomLineItemsTable;
  /** The active BOM the node explodes through, for make lines that have one. */
  child: BomWithLines | undefined;
  required: number;
  /** Units per unit of the top SKU, scrap included, unrounded. */
  perTopUnit: number;
}

/** Every node of the tree for `quantity` of the root, depth first; requirements rounded per the rule. */
function walkTree(tree: { root: BomWithLines; below: Map<string, BomWithLines> }, quantity: number): TreeNode[] {
  const nodes: TreeNode[] = [];
  const visit = (at: BomWithLines, parentQuantity: number, parentPerTop: number, level: number, path: string[]) => {
    for (const line of at.lines) {
      const child = line.supply_type === 'make' ? tree.below.get(line.component_sku) : undefined;
      const required = requiredQuantity(line, parentQuantity, Number(at.bom.output_quantity));
      const perTopUnit = parentPerTop * quantityPerUnit(line, Number(at.bom.output_quantity));
      nodes.push({ level, parent: at, line, child, required, perTopUnit });
      if (!child) continue;
      // Active BOMs are checked on every change; a loop here means data written around the API.
      if (path.includes(line.component_sku)) throw new BomCycleError([...path, line.component_sku]);
      visit(child, required, perTopUnit, level + 1, [...path, line.component_sku]);
    }
  };
  visit(tree.root, quantity, 1, 1, [tree.root.bom.sku]);
  return nodes;
}

async function stockAt(db: Executor, skus: string[], locationId: string) {
  const rows = skus.length
    ? await db
        .selectFrom('inventory_items')
        .select(['sku', 'on_hand', 'reserved', 'unit_cost'])
        .where('sku', 'in', [...new Set(skus)])
        .where('location_id', '=', locationId)
        .execute()
    : [];
  return new Map(rows.map((r) => [r.sku, r]));
}

async function locationOrDefault(db: Executor, idOrCode: string | undefined, param = 'location_id') {
  return idOrCode ? resolveLocationId(db, idOrCode, param) : defaultLocationId(db);
}

export async function explodeBom(
  db: DB,
  idOrNumber: string,
  query: { quantity: number; location_id?: string },
): Promise<Explosion> {
  const row = await findBomRow(db, idOrNumber);
  if (!row) throw new NotFoundError('bill of materials', idOrNumber);
  const locationId = await locationOrDefault(db, query.location_id);
  const tree = await loadTree(db, row);
  const nodes = walkTree(tree, query.quantity);
  const stock = await stockAt(
    db,
    nodes.map((n) => n.line.component_sku),
    locationId,
  );
  const stockOf = (sku: string) => {
    const s = stock.get(sku);
    return { on_hand: s ? Number(s.on_hand) : 0, available: s ? Number(s.on_hand) - Number(s.reserved) : 0 };
  };
  const components = nodes.map((n) => {
    const s = stockOf(n.line.component_sku);
    return {
      level: n.level,
      parent_sku: n.parent.bom.sku,
      sku: n.line.component_sku,
      bill_of_materials_line_item_id: n.line.id,
      quantity_per: Number(n.line.quantity),
      parent_output_quantity: Number(n.parent.bom.output_quantity),
      scrap_percent: Number(n.line.scrap_percent),
      uom: n.line.uom,
      supply_type: n.line.supply_type,
      bill_of_materials_id: n.child?.bom.id ?? null,
      required: n.required,
      ...s,
      shortage: Math.max(0, n.required - s.available),
    };
  });
  const bySku = new Map<string, Explosion['requirements'][number]>();
  for (const c of components) {
    const r = bySku.get(c.sku);
    if (r) {
      r.required += c.required;
      if (!r.levels.includes(c.level)) r.levels.push(c.level);
      if (c.supply_type === 'make') r.supply_type = 'make';
    } else
      bySku.set(c.sku, {
        sku: c.sku,
        supply_type: c.supply_type,
        levels: [c.level],
        required: c.required,
        on_hand: c.on_hand,
        available: c.available,
        shortage: 0,
      });
  }
  const requirements = [...bySku.values()].map((r) => ({ ...r, shortage: Math.max(0, r.required - r.available) }));
  return {
    object: 'bill_of_materials_explosion',
    bill_of_materials_id: row.id,
    sku: row.sku,
    quantity: query.quantity,
    location_id: locationId,
    rounding: ROUNDING_RULE,
    levels: nodes.reduce((m, n) => Math.max(m, n.level), 0),
    components,
    requirements,
    shortages: requirements.filter((r) => r.shortage > 0).map((r) => ({ sku: r.sku, shortage: r.shortage })),
  };
}

/**
 * Rolled-up standard cost per unit: each bought component at its inventory unit_cost (at the
 * location, else at any location that has one), each make component at its own BOM's rolled-up
 * cost; quantities per unit with scrap, unrounded; cents rounded half up once at the end.
 */
export async function costBom(
  db: DB,
  idOrNumber: string,
  query: { quantity: number; location_id?: string },
): Promise<BomCost> {
  const row = await findBomRow(db, idOrNumber);
  if (!row) throw new NotFoundError('bill of materials', idOrNumber);
  const locationId = await locationOrDefault(db, query.location_id);
  const tree = await loadTree(db, row);
  const nodes = walkTree(tree, 1);
  const leaves = nodes.filter((n) => !n.child);
  const skus = [...new Set(leaves.map((n) => n.line.component_sku))];
  const costRows = skus.length
    ? await db
        .selectFrom('inventory_items')
        .select(['sku', 'location_id', 'unit_cost'])
        .where('sku', 'in', skus)
        .where('unit_cost', 'is not', null)
        .orderBy('location_id')
        .execute()
    : [];
  const unitCost = new Map<string, number>();
  for (const c of costRows) if (c.location_id === locationId) unitCost.set(c.sku, Number(c.unit_cost));
  for (const c of costRows) if (!unitCost.has(c.sku)) unitCost.set(c.sku, Number(c.unit_cost));

  // A make node's cost is the sum of the leaves below it, per unit of the top SKU: walk back up.
  const extended = new Map<TreeNode, number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (!n.child) extended.set(n, n.perTopUnit * (unitCost.get(n.line.component_sku) ?? 0));
    else {
      let sum = 0;
      for (let j = i + 1; j < nodes.length && nodes[j].level > n.level; j++)
        if (nodes[j].level === n.level + 1) sum += extended.get(nodes[j])!;
      extended.set(n, sum);
    }
  }
  const total = nodes.filter((n) => n.level === 1).reduce((s, n) => s + extended.get(n)!, 0);
  const levelCosts = new Map<number, number>();
  for (const n of leaves) levelCosts.set(n.level, (levelCosts.get(n.level) ?? 0) + extended.get(n)!);
  const cents = (v: number) => Math.round(v + 1e-9);
  return {
    object: 'bill_of_materials_cost',
    bill_of_materials_id: row.id,
    sku: row.sku,
    quantity: query.quantity,
    location_id: locationId,
    currency: 'USD',
    unit_cost: cents(total),
    total_cost: cents(total * query.quantity),
    levels: [...levelCosts].sort(([a], [b]) => a - b).map(([level, cost]) => ({ level, material_cost: cents(cost) })),
    lines: nodes.map((n) => ({
      level: n.level,
      parent_sku: n.parent.bom.sku,
      sku: n.line.component_sku,
      quantity_per_unit: quantityPerUnit(n.line, Number(n.parent.bom.output_quantity)),
      unit_cost: n.child ? extended.get(n)! / n.perTopUnit : (unitCost.get(n.line.component_sku) ?? null),
      source: n.child ? 'bill_of_materials' : unitCost.has(n.line.component_sku) ? 'inventory' : 'missing',
      extended_cost: extended.get(n)!,
    })),
    missing_unit_costs: skus.filter((s) => !unitCost.has(s)),
  };
}

/**
 * Builds `quantity` of an active BOM's SKU at once: reserves every direct component (all or
 * nothing: 409 insufficient_inventory listing each shortage), consumes them (`production_consume`)
 * and adds the output (`build_to_stock`), in one transaction.
 */
export async function buildToStock(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  input: { quantity: number; location_id?: string },
) {
  return inTransaction(db, async (trx) => {
    const row = await lockBom(trx, idOrNumber);
    const { event } = bomMachine.transition('build', row.status);
    const locationId = await locationOrDefault(trx, input.location_id);
    const lines = await bomLines(trx, row.id);
    const items = await itemIdsFor(
      trx,
      lines.map((l) => ({ sku: l.component_sku, location_id: locationId })),
    );
    const needs: StockNeed[] = inItemOrder(
      lines.map((l) => ({
        lineId: l.id,
        sku: l.component_sku,
        locationId,
        quantity: requiredQuantity(l, input.quantity, Number(row.output_quantity)),
        itemId: items.get(stockKey(l.component_sku, locationId)),
      })),
      (n) => n.itemId,
    ).filter((n) => n.quantity > 0);
    const document = { type: 'bill_of_materials', id: row.id };
    const reservations = await namingLocations(trx, () => reserveForDocument(trx, ctx, document, needs));
    for (const n of needs)
      await consume(
        trx,
        ctx,
        reservations,
        n.lineId,
        n.quantity,
        { ...document, line_id: n.lineId },
        'production_consume',
      );
    const output = await findOrCreateItem(trx, row.sku, locationId, { uom: row.uom });
    await postMovement(trx, ctx, {
      itemId: output.id,
      quantity: input.quantity,
      reason: 'build_to_stock',
      reference: document,
    });
    const bom = toBom(row, lines);
    await recordEvent(trx, ctx, event, bom, undefined);
    return {
      object: 'build' as const,
      bill_of_materials: bom,
      sku: row.sku,
      quantity: input.quantity,
      location_id: locationId,
      consumed: needs.map((n) => ({ sku: n.sku, quantity: n.quantity, inventory_item_id: n.itemId! })),
      output_inventory_item_id: output.id,
    };
  });
}
