import { z } from 'zod';
import type { DB, Executor } from '../../db/connection.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord, patchRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, refuseDuplicate } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { containsText, runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { SUPPLIER_STATUSES, type CreateSupplierInput, type Supplier, type UpdateSupplierInput } from './schemas.js';
import type { SuppliersTable } from './tables.js';

export function toSupplier(row: SuppliersTable): Supplier {
  return {
    id: row.id,
    object: 'supplier',
    name: row.name,
    code: row.code,
    email: row.email,
    phone: row.phone,
    address: parseJson(row.address, null),
    payment_terms: row.payment_terms,
    lead_time_days: row.lead_time_days === null ? null : Number(row.lead_time_days),
    status: row.status,
    notes: row.notes,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const searchText = (s: Pick<Supplier, 'name' | 'code' | 'email'>) =>
  [s.name, s.code ?? '', s.email ?? ''].join(' ').toLowerCase();

function codeTaken(code: string | null | undefined): ConflictError {
  return new ConflictError('already_exists', `A supplier with code "${code}" already exists.`, undefined, 'code');
}

export const supplierListSpec: ListSpec = {
  table: 'suppliers',
  sortable: ['name', 'updated_at'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', values: SUPPLIER_STATUSES },
    code: { kind: 'exact', column: 'code', multi: true },
    search: {
      kind: 'custom',
      schema: z.string().min(1).max(200).describe('Matches name, code or email'),
      apply: (qb, term: string) => qb.where(containsText('search_text', term)),
    },
  },
};

export async function createSupplier(db: DB, ctx: RequestContext, input: CreateSupplierInput): Promise<Supplier> {
  return inTransaction(db, async (trx) => {
    const now = nowIso();
    const row: SuppliersTable = {
      id: newId('sup'),
      name: input.name,
      code: input.code ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      address: input.address ? toJson(input.address) : null,
      payment_terms: input.payment_terms ?? null,
      lead_time_days: input.lead_time_days ?? null,
      status: input.status ?? 'active',
      notes: input.notes ?? null,
      metadata: toJson(input.metadata ?? {}),
      search_text: '',
      version: 1,
      created_at: now,
      updated_at: now,
    };
    row.search_text = searchText(row);
    await refuseDuplicate(trx.insertInto('suppliers').values(row).execute(), () => codeTaken(input.code));
    const supplier = toSupplier(row);
    await recordEvent(trx, ctx, 'supplier.created', supplier);
    return supplier;
  });
}

/** A supplier by id or by its code. */
export async function findSupplierRow(db: Executor, idOrCode: string, param = 'id'): Promise<SuppliersTable> {
  const rows = await db
    .selectFrom('suppliers')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrCode), eb('code', '=', idOrCode)]))
    .execute();
  const row = rows.find((r) => r.id === idOrCode) ?? rows[0];
  if (!row) throw new NotFoundError('supplier', idOrCode, param);
  return row;
}

export async function getSupplier(db: Executor, idOrCode: string): Promise<Supplier> {
  return toSupplier(await findSupplierRow(db, idOrCode));
}

export async function listSuppliers(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<SuppliersTable>(db, supplierListSpec, query), toSupplier);
}

export async function updateSupplier(
  db: DB,
  ctx: RequestContext,
  idOrCode: string,
  input: UpdateSupplierInput,
  expected?: ExpectedVersion,
): Promise<Supplier> {
  return inTransaction(db, async (trx) => {
    const { id } = await findSupplierRow(trx, idOrCode);
    const row = await lockRecord(trx, 'suppliers', 'supplier', id, expected);
    return patchRecord(trx, ctx, {
      table: 'suppliers',
      before: toSupplier(row),
      input,
      fields: ['name', 'code', 'email', 'phone', 'address', 'payment_terms', 'lead_time_days', 'status', 'notes'],
      toRow: (next) => ({
        name: next.name,
        code: next.code,
        email: next.email,
        phone: next.phone,
        address: next.address ? toJson(next.address) : null,
        payment_terms: next.payment_terms,
        lead_time_days: next.lead_time_days,
        status: next.status,
        notes: next.notes,
        metadata: toJson(next.metadata),
        search_text: searchText(next),
        version: next.version,
        updated_at: next.updated_at,
      }),
      event: 'supplier.updated',
      onDuplicate: () => codeTaken(input.code),
    });
  });
}

/** Deletes a supplier no purchase order names; one that has any is deactivated instead (409 says so). */
export async function deleteSupplier(db: DB, ctx: RequestContext, idOrCode: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const { id } = await findSupplierRow(trx, idOrCode);
    const row = await lockRecord(trx, 'suppliers', 'supplier', id, expected);
    const used = await trx
      .selectFrom('purchase_orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('supplier_id', '=', id)
      .executeTakeFirstOrThrow();
    if (Number(used.n) > 0)
      throw new ConflictError(
        'supplier_has_purchase_orders',
        `Supplier ${id} has ${used.n} purchase order(s); set status=inactive to retire it instead.`,
        { purchase_orders: Number(used.n) },
      );
    // What it sold goes with it: supplier SKUs describe the supplier, nothing else names them.
    await trx.deleteFrom('supplier_skus').where('supplier_id', '=', id).execute();
    await trx.deleteFrom('suppliers').where('id', '=', id).execute();
    await recordEvent(trx, ctx, 'supplier.deleted', toSupplier(row));
    return { id, object: 'supplier' as const, deleted: true as const };
  });
}
