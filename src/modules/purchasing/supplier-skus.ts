import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord, patchRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, refuseDuplicate } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import type { CreateSupplierSkuInput, SupplierSku, UpdateSupplierSkuInput } from './schemas.js';
import { findSupplierRow } from './suppliers.js';
import type { SupplierSkusTable } from './tables.js';

/**
 * Supplier SKUs: what a supplier sells of one of our SKUs, at what unit cost, minimum order
 * quantity, order multiple and lead time. Replenishment planning buys each SKU from its preferred
 * row (one per SKU: setting one unsets the others in the same transaction, and a partial unique
 * index refuses a second whatever races).
 */

export function toSupplierSku(row: SupplierSkusTable): SupplierSku {
  return {
    id: row.id,
    object: 'supplier_sku',
    supplier_id: row.supplier_id,
    sku: row.sku,
    supplier_sku: row.supplier_sku,
    description: row.description,
    unit_cost: Number(row.unit_cost),
    currency: row.currency,
    min_order_quantity: Number(row.min_order_quantity),
    order_multiple: Number(row.order_multiple),
    lead_time_days: row.lead_time_days === null ? null : Number(row.lead_time_days),
    preferred: Number(row.preferred) === 1,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export const supplierSkuListSpec: ListSpec = {
  table: 'supplier_skus',
  sortable: ['sku', 'unit_cost', 'updated_at'],
  updatedRange: true,
  filters: {
    supplier_id: { kind: 'exact', column: 'supplier_id', multi: true },
    sku: { kind: 'exact', column: 'sku', multi: true },
    preferred: {
      kind: 'custom',
      schema: z.enum(['true', 'false']).describe('true: only the preferred rows'),
      apply: (qb, v: string) => qb.where('preferred', '=', v === 'true' ? 1 : 0),
    },
  },
};

function alreadyListed(supplierId: string, sku: string): ConflictError {
  return new ConflictError(
    'already_exists',
    `Supplier ${supplierId} already has a supplier SKU for ${sku}; update it instead.`,
    undefined,
    'sku',
  );
}

/** Unsets the preferred flag of the SKU's other rows: the one being written becomes the only one. */
async function unsetOtherPreferred(trx: Trx, ctx: RequestContext, sku: string, keepId: string): Promise<void> {
  const others = await trx
    .selectFrom('supplier_skus')
    .selectAll()
    .where('sku', '=', sku)
    .where('preferred', '=', 1)
    .where('id', '!=', keepId)
    .execute();
  const now = nowIso();
  for (const other of others) {
    const next = { ...other, preferred: 0, version: other.version + 1, updated_at: now };
    await trx
      .updateTable('supplier_skus')
      .set({ preferred: 0, version: next.version, updated_at: now })
      .where('id', '=', other.id)
      .execute();
    await recordEvent(trx, ctx, 'supplier_sku.updated', toSupplierSku(next), { preferred: true });
  }
}

export async function createSupplierSku(
  db: DB,
  ctx: RequestContext,
  input: CreateSupplierSkuInput,
): Promise<SupplierSku> {
  return inTransaction(db, async (trx) => {
    const supplier = await findSupplierRow(trx, input.supplier_id, 'supplier_id');
    const now = nowIso();
    const row: SupplierSkusTable = {
      id: newId('ssk'),
      supplier_id: supplier.id,
      sku: input.sku,
      supplier_sku: input.supplier_sku ?? null,
      description: input.description ?? null,
      unit_cost: input.unit_cost,
      currency: input.currency ?? 'USD',
      min_order_quantity: input.min_order_quantity ?? 1,
      order_multiple: input.order_multiple ?? 1,
      lead_time_days: input.lead_time_days ?? null,
      preferred: input.preferred ? 1 : 0,
      metadata: toJson(input.metadata ?? {}),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    if (row.preferred) await unsetOtherPreferred(trx, ctx, row.sku, row.id);
    await refuseDuplicate(trx.insertInto('supplier_skus').values(row).execute(), () =>
      alreadyListed(supplier.id, input.sku),
    );
    const out = toSupplierSku(row);
    await recordEvent(trx, ctx, 'supplier_sku.created', out);
    return out;
  });
}

async function findSupplierSkuRow(db: Executor, id: string): Promise<SupplierSkusTable> {
  const row = await db.selectFrom('supplier_skus').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('supplier SKU', id);
  return row;
}

export async function getSupplierSku(db: Executor, id: string): Promise<SupplierSku> {
  return toSupplierSku(await findSupplierSkuRow(db, id));
}

export async function listSupplierSkus(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<SupplierSkusTable>(db, supplierSkuListSpec, query), toSupplierSku);
}

export async function updateSupplierSku(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateSupplierSkuInput,
  expected?: ExpectedVersion,
): Promise<SupplierSku> {
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'supplier_skus', 'supplier SKU', id, expected);
    if (input.preferred === true && Number(row.preferred) !== 1) await unsetOtherPreferred(trx, ctx, row.sku, row.id);
    return patchRecord(trx, ctx, {
      table: 'supplier_skus',
      before: toSupplierSku(row),
      input,
      fields: [
        'supplier_sku',
        'description',
        'unit_cost',
        'currency',
        'min_order_quantity',
        'order_multiple',
        'lead_time_days',
        'preferred',
      ],
      toRow: (next) => ({
        supplier_sku: next.supplier_sku,
        description: next.description,
        unit_cost: next.unit_cost,
        currency: next.currency,
        min_order_quantity: next.min_order_quantity,
        order_multiple: next.order_multiple,
        lead_time_days: next.lead_time_days,
        preferred: next.preferred ? 1 : 0,
        metadata: toJson(next.metadata),
        version: next.version,
        updated_at: next.updated_at,
      }),
      event: 'supplier_sku.updated',
    });
  });
}

export async function deleteSupplierSku(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'supplier_skus', 'supplier SKU', id, expected);
    await trx.deleteFrom('supplier_skus').where('id', '=', id).execute();
    await recordEvent(trx, ctx, 'supplier_sku.deleted', toSupplierSku(row));
    return { id, object: 'supplier_sku' as const, deleted: true as const };
  });
}

/** What planning needs of every supplier SKU: its terms and its supplier's lead time and status. */
export interface SupplierTerms {
  id: string;
  supplier_id: string;
  sku: string;
  unit_cost: number;
  min_order_quantity: number;
  order_multiple: number;
  /** The row's lead time, else the supplier's, else 0. */
  lead_time_days: number;
  preferred: boolean;
}

/**
 * The supplier terms planning buys each SKU on, in one query: the preferred row of an active
 * supplier, else the cheapest row of an active supplier (ties: shortest lead time, then id).
 */
export async function buyingTermsBySku(db: Executor, skus?: readonly string[]): Promise<Map<string, SupplierTerms>> {
  let query = db
    .selectFrom('supplier_skus as s')
    .innerJoin('suppliers as p', 'p.id', 's.supplier_id')
    .select([
      's.id',
      's.supplier_id',
      's.sku',
      's.unit_cost',
      's.min_order_quantity',
      's.order_multiple',
      's.lead_time_days',
      's.preferred',
      'p.lead_time_days as supplier_lead_time_days',
    ])
    .where('p.status', '=', 'active');
  if (skus) query = query.where('s.sku', 'in', skus.length ? [...skus] : ['']);
  const best = new Map<string, SupplierTerms>();
  const better = (a: SupplierTerms, b: SupplierTerms) =>
    a.preferred !== b.preferred
      ? a.preferred
      : a.unit_cost !== b.unit_cost
        ? a.unit_cost < b.unit_cost
        : a.lead_time_days !== b.lead_time_days
          ? a.lead_time_days < b.lead_time_days
          : a.id < b.id;
  for (const r of await query.execute()) {
    const terms: SupplierTerms = {
      id: r.id,
      supplier_id: r.supplier_id,
      sku: r.sku,
      unit_cost: Number(r.unit_cost),
      min_order_quantity: Number(r.min_order_quantity),
      order_multiple: Number(r.order_multiple),
      lead_time_days: Number(r.lead_time_days ?? r.supplier_lead_time_days ?? 0),
      preferred: Number(r.preferred) === 1,
    };
    const current = best.get(r.sku);
    if (!current || better(terms, current)) best.set(r.sku, terms);
  }
  return best;
}
