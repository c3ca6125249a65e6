import { sql } from 'kysely';
import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import { preparedQuery } from '../../db/prepared.js';
import { trxOf, write, type Writer } from '../../db/write-batch.js';
import type { CustomersTable } from './tables.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord } from '../../platform/db-helpers.js';
import {
  ConflictError,
  isForeignKeyViolation,
  NotFoundError,
  refuseDuplicate,
  ValidationError,
} from '../../platform/errors.js';
import { changedAttributes, recordEvent, rewriteStoredEvents } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson, tagsIndex, toJson } from '../../platform/json.js';
import { containsText, runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { applyAliases, mergeMetadata } from '../../platform/schemas.js';
import {
  CUSTOMER_ALIASES,
  CUSTOMER_STATUSES,
  type CreateCustomerInput,
  type Customer,
  type UpdateCustomerInput,
} from './schemas.js';
import { inTransaction } from '../../db/transaction.js';

export function toCustomer(row: CustomersTable): Customer {
  return {
    id: row.id,
    object: 'customer',
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    phone: row.phone,
    company: row.company,
    stripe_customer_id: row.stripe_customer_id,
    addresses: parseJson(row.addresses, []),
    default_shipping_address: parseJson(row.default_shipping_address, null),
    default_billing_address: parseJson(row.default_billing_address, null),
    tags: parseJson(row.tags, []),
    notes: row.notes,
    status: row.status,
    activation_date: row.activation_date,
    order_count: Number(row.order_count),
    lifetime_value: Number(row.lifetime_value),
    metadata: parseJson(row.metadata, {}),
    anonymized_at: row.anonymized_at,
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

function searchText(c: {
  email: string;
  first_name?: string | null;
  last_name?: string | null;
  company?: string | null;
}): string {
  return [c.first_name, c.last_name, c.email, c.company].filter(Boolean).join(' ').toLowerCase();
}

function idTaken(id: string): ConflictError {
  return new ConflictError('already_exists', `A customer with id "${id}" already exists.`, undefined, 'id');
}

function emailTaken(email: string): ConflictError {
  return new ConflictError('already_exists', `A customer with email "${email}" already exists.`, undefined, 'email');
}

export const customerListSpec: ListSpec = {
  table: 'customers',
  sortable: ['updated_at', 'email', 'lifetime_value', 'order_count'],
  updatedRange: true,
  filters: {
    email: { kind: 'exact', column: 'email_normalized', normalize: normalizeEmail },
    status: { kind: 'exact', column: 'status', multi: true, values: CUSTOMER_STATUSES },
    tag: {
      kind: 'custom',
      schema: z.string().min(1),
      apply: (qb, tag: string) => qb.where(containsText('tags_index', `|${tag}|`)),
    },
    search: {
      kind: 'custom',
      schema: z.string().min(1),
      apply: (qb, term: string) => qb.where(containsText('search_text', term)),
    },
  },
};

export async function createCustomer(db: DB, ctx: RequestContext, raw: CreateCustomerInput): Promise<Customer> {
  const input = applyAliases(raw, CUSTOMER_ALIASES);
  return inTransaction(db, (trx) => insertCustomer(trx, ctx, input));
}

/** Inserts a customer inside the caller's transaction; a taken email is a 409. */
export async function insertCustomer(trx: Trx, ctx: RequestContext, input: CreateCustomerInput): Promise<Customer> {
  const row = newCustomerRow(input);
  if (input.id && (await trx.selectFrom('customers').select('id').where('id', '=', input.id).executeTakeFirst()))
    throw idTaken(input.id);
  await refuseDuplicate(trx.insertInto('customers').values(row).execute(), () => emailTaken(input.email));
  const customer = toCustomer(row);
  await recordEvent(trx, ctx, 'customer.created', customer);
  return customer;
}

/**
 * The customer with this email, created when there is none (orders name customers inline). Two
 * transactions creating the same new customer at once both get it: the second waits for the first
 * (ON CONFLICT DO NOTHING on PostgreSQL) and then reads the row it made.
 */
export async function findOrCreateCustomer(
  trx: Trx,
  ctx: RequestContext,
  input: CreateCustomerInput,
): Promise<CustomersTable> {
  const existing = await findCustomerByEmail(trx, input.email);
  if (existing) return existing;
  const row = newCustomerRow(input);
  const inserted = await trx
    .insertInto('customers')
    .values(row)
    .onConflict((oc) => oc.column('email_normalized').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return (await findCustomerByEmail(trx, input.email))!;
  await recordEvent(trx, ctx, 'customer.created', toCustomer(row));
  return row;
}

function newCustomerRow(input: CreateCustomerInput): CustomersTable {
  const now = nowIso();
  const tags = input.tags ?? [];
  return {
    id: input.id ?? newId('cus'),
    email: input.email.trim(),
    email_normalized: normalizeEmail(input.email),
    first_name: input.first_name ?? null,
    last_name: input.last_name ?? null,
    phone: input.phone ?? null,
    company: input.company ?? null,
    stripe_customer_id: input.stripe_customer_id ?? null,
    addresses: toJson(input.addresses ?? []),
    default_shipping_address: input.default_shipping_address ? toJson(input.default_shipping_address) : null,
    default_billing_address: input.default_billing_address ? toJson(input.default_billing_address) : null,
    tags: toJson(tags),
    tags_index: tagsIndex(tags),
    search_text: searchText(input),
    notes: input.notes ?? null,
    status: input.status ?? 'active',
    activation_date: input.activation_date ?? now,
    metadata: toJson(input.metadata ?? {}),
    order_count: 0,
    lifetime_value: 0,
    anonymized_at: null,
    version: 1,
    created_at: now,
    updated_at: now,
  };
}

export async function getCustomer(db: Executor, id: string): Promise<Customer> {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('customer', id);
  return toCustomer(row);
}

export async function findCustomerByEmail(db: Executor, email: string): Promise<CustomersTable | undefined> {
  return (await customerByEmail(db, { email: normalizeEmail(email) })).rows[0];
}

// Orders with an inline customer look it up on every create.
const customerByEmail = preparedQuery<{ email: string }, CustomersTable>((db, param) =>
  db.selectFrom('customers').selectAll().where('email_normalized', '=', param('email')),
);

export async function listCustomers(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<CustomersTable>(db, customerListSpec, query), toCustomer);
}

export async function updateCustomer(
  db: DB,
  ctx: RequestContext,
  id: string,
  raw: UpdateCustomerInput,
  expected?: ExpectedVersion,
): Promise<Customer> {
  const input = applyAliases(raw, CUSTOMER_ALIASES);
  // StateSet's update repeats the id in the body; an id never changes, so it must be this one.
  if (input.id !== undefined && input.id !== id) {
    throw new ValidationError(
      `id in the body ("${input.id}") must equal the id in the path ("${id}"); a customer's id cannot change.`,
      [
        {
          path: 'id',
          code: 'id_mismatch',
          message: `id must equal the id in the path (got ${JSON.stringify(input.id)})`,
        },
      ],
    );
  }
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'customers', 'customer', id, expected);
    const before = toCustomer(row);
    const next = { ...before };
    for (const key of [
      'first_name',
      'last_name',
      'phone',
      'company',
      'stripe_customer_id',
      'notes',
      'status',
      'activation_date',
      'addresses',
      'default_shipping_address',
      'default_billing_address',
      'tags',
    ] as const) {
      if (input[key] !== undefined) (next as any)[key] = input[key];
    }
    if (input.email !== undefined) next.email = input.email.trim();
    next.metadata = mergeMetadata(before.metadata, input.metadata);
    const previous = changedAttributes(before, next);
    if (Object.keys(previous).length === 0) return before;
    next.version = row.version + 1;
    next.updated_at = nowIso();
    await refuseDuplicate(
      trx
        .updateTable('customers')
        .set({
          email: next.email,
          email_normalized: normalizeEmail(next.email),
          first_name: next.first_name,
          last_name: next.last_name,
          phone: next.phone,
          company: next.company,
          stripe_customer_id: next.stripe_customer_id,
          addresses: toJson(next.addresses),
          default_shipping_address: next.default_shipping_address ? toJson(next.default_shipping_address) : null,
          default_billing_address: next.default_billing_address ? toJson(next.default_billing_address) : null,
          tags: toJson(next.tags),
          tags_index: tagsIndex(next.tags),
          search_text: searchText(next),
          notes: next.notes,
          status: next.status,
          activation_date: next.activation_date,
          metadata: toJson(next.metadata),
          version: next.version,
          updated_at: next.updated_at,
        })
        .where('id', '=', id)
        .execute(),
      () => emailTaken(next.email),
    );
    await recordEvent(trx, ctx, 'customer.updated', next, previous);
    return next;
  });
}

/**
 * Deletes a customer with no orders. One with orders is kept for the orders' sake: refused (409)
 * unless `force`, which anonymises the personal data instead.
 */
export async function deleteCustomer(
  db: DB,
  ctx: RequestContext,
  id: string,
  force: boolean,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    const row = await lockRecord(trx, 'customers', 'customer', id, expected);
    const customer = toCustomer(row);
    if (row.anonymized_at) throw new NotFoundError('customer', id);
    if (Number(row.order_count) > 0) {
      if (!force) {
        throw new ConflictError(
          'customer_has_orders',
          `Customer ${id} has ${row.order_count} order(s); pass force=true to anonymise it instead.`,
          { order_count: Number(row.order_count) },
        );
      }
      const now = nowIso();
      await trx
        .updateTable('customers')
        .set({
          email: `deleted+${id}@anonymized.invalid`,
          email_normalized: `deleted+${id}@anonymized.invalid`,
          first_name: null,
          last_name: null,
          phone: null,
          company: null,
          stripe_customer_id: null,
          addresses: '[]',
          default_shipping_address: null,
          default_billing_address: null,
          notes: null,
          search_text: '',
          status: 'inactive',
          metadata: '{}',
          anonymized_at: now,
          updated_at: now,
          version: sql`version + 1`,
        })
        .where('id', '=', id)
        .execute();
      // The event carries the anonymised record: publishing the erased personal data again in a
      // new event (and to webhooks) would undo the anonymisation.
      const anonymised = await trx.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      await eraseCustomerFromEvents(trx, id);
      await recordEvent(trx, ctx, 'customer.deleted', toCustomer(anonymised));
    } else {
      // Other documents (wholesale orders, cases) keep their customer: deleting it is then a 409.
      await trx
        .deleteFrom('customers')
        .where('id', '=', id)
        .execute()
        .catch((err) => {
          if (!isForeignKeyViolation(err)) throw err;
          throw new ConflictError(
            'customer_has_records',
            `Customer ${id} has records that name it (wholesale orders or cases); it cannot be deleted.`,
          );
        });
      await eraseCustomerFromEvents(trx, id);
      await recordEvent(trx, ctx, 'customer.deleted', { ...customer, ...erasedPersonalFields(id) });
    }
    return { id, object: 'customer' as const, deleted: true as const };
  });
}

/** A customer's personal fields and what erasing them leaves (the values anonymisation writes). */
function erasedPersonalFields(id: string): Partial<Customer> {
  return {
    email: `deleted+${id}@anonymized.invalid`,
    first_name: null,
    last_name: null,
    phone: null,
    company: null,
    stripe_customer_id: null,
    addresses: [],
    default_shipping_address: null,
    default_billing_address: null,
    notes: null,
    metadata: {},
  };
}

/**
 * Erases a deleted or anonymised customer's personal data from stored events, in the deleting
 * transaction: their own customer.* events, and the customer snapshot and addresses that orders
 * (and any record carrying their customer_id next to a `customer`) embed in theirs. Old values in
 * previous_attributes go too.
 */
async function eraseCustomerFromEvents(trx: Trx, id: string): Promise<void> {
  const erased = erasedPersonalFields(id);
  const embedded = {
    customer: { email: erased.email, first_name: null, last_name: null, phone: null },
    shipping_address: null,
    billing_address: null,
  };
  await rewriteStoredEvents(trx, id, ({ object_type, object_id, data }) => {
    let changed = false;
    const overwrite = (target: unknown, fields: Record<string, unknown>) => {
      if (!target || typeof target !== 'object') return;
      const record = target as Record<string, unknown>;
      for (const [key, value] of Object.entries(fields)) {
        if (key in record && JSON.stringify(record[key]) !== JSON.stringify(value)) {
          record[key] = value;
          changed = true;
        }
      }
    };
    if (object_type === 'customer' && object_id === id) {
      overwrite(data.object, erased);
      overwrite(data.previous_attributes, erased);
    } else if ((data.object as { customer_id?: unknown } | null)?.customer_id === id) {
      overwrite(data.object, embedded);
      overwrite(data.previous_attributes, embedded);
    }
    return changed;
  });
}

// ---------------------------------------------------------------- order statistics

/** Order count and lifetime value (paid minus refunded) on the customer, kept in the orders' transaction. */
export async function adjustOrderStats(
  w: Writer,
  customerId: string,
  change: { orders?: number; value?: number },
): Promise<void> {
  const orders = change.orders ?? 0;
  const value = change.value ?? 0;
  if (orders === 0 && value === 0) return;
  await write(w, addToCustomerStats.query(trxOf(w), { customerId, orders, value }));
}

const addToCustomerStats = preparedQuery<{ customerId: string; orders: number; value: number }, never>((trx, param) =>
  trx
    .updateTable('customers')
    .set({
      order_count: sql`order_count + ${param('orders')}`,
      lifetime_value: sql`lifetime_value + ${param('value')}`,
    })
    .where('id', '=', param('customerId')),
);

/** What an order copies from its customer. */
export type CustomerForOrder = Pick<
  CustomersTable,
  'id' | 'email' | 'first_name' | 'last_name' | 'phone' | 'default_shipping_address'
>;

export function findCustomerForOrder(trx: Trx, id: string): Promise<CustomerForOrder | undefined> {
  return trx
    .selectFrom('customers')
    .select(['id', 'email', 'first_name', 'last_name', 'phone', 'default_shipping_address'])
    .where('id', '=', id)
    .executeTakeFirst();
}
