import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, refuseDuplicate } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { containsText, runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { applyAliases, mergeMetadata } from '../../platform/schemas.js';
import { findOrCreateCustomer, normalizeEmail } from '../customers/index.js';
import { LEAD_ALIASES, LEAD_SOURCES, type CreateLeadInput, type Lead, type UpdateLeadInput } from './schemas.js';
import type { LeadsTable } from './tables.js';
import { LEAD_STATUSES, leadMachine, type LeadAction } from './transitions.js';

export function toLead(row: LeadsTable): Lead {
  return {
    id: row.id,
    object: 'lead',
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    phone: row.phone,
    company: row.company,
    title: row.title,
    source: row.source,
    status: row.status,
    owner: row.owner,
    description: row.description,
    address: parseJson(row.address, null),
    do_not_call: Number(row.do_not_call) === 1,
    email_opt_out: Number(row.email_opt_out) === 1,
    rejection_reason: row.rejection_reason,
    converted_customer_id: row.converted_customer_id,
    converted_at: row.converted_at,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toRow(lead: Lead): Omit<LeadsTable, 'id'> {
  return {
    first_name: lead.first_name,
    last_name: lead.last_name,
    email: lead.email,
    email_normalized: normalizeEmail(lead.email),
    phone: lead.phone,
    company: lead.company,
    title: lead.title,
    source: lead.source,
    status: lead.status,
    owner: lead.owner,
    description: lead.description,
    address: lead.address ? toJson(lead.address) : null,
    do_not_call: lead.do_not_call ? 1 : 0,
    email_opt_out: lead.email_opt_out ? 1 : 0,
    rejection_reason: lead.rejection_reason,
    converted_customer_id: lead.converted_customer_id,
    converted_at: lead.converted_at,
    metadata: toJson(lead.metadata),
    search_text: [lead.first_name, lead.last_name, lead.email, lead.company].filter(Boolean).join(' ').toLowerCase(),
    version: lead.version,
    created_at: lead.created_at,
    updated_at: lead.updated_at,
  };
}

const emailTaken = (email: string) =>
  new ConflictError('already_exists', `A lead with email "${email}" already exists.`, undefined, 'email');

export const leadListSpec: ListSpec = {
  table: 'leads',
  sortable: ['updated_at'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: LEAD_STATUSES },
    source: { kind: 'exact', column: 'source', multi: true, values: LEAD_SOURCES },
    owner: { kind: 'exact', column: 'owner' },
    email: { kind: 'exact', column: 'email_normalized', normalize: normalizeEmail },
    search: {
      kind: 'custom',
      schema: z.string().min(1).max(200).describe('Name, email or company'),
      apply: (qb, term: string) => qb.where(containsText('search_text', term)),
    },
  },
};

export async function listLeads(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<LeadsTable>(db, leadListSpec, query), toLead);
}

export async function getLead(db: Executor, id: string): Promise<Lead> {
  const row = await db.selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('lead', id);
  return toLead(row);
}

export async function createLead(db: DB, ctx: RequestContext, raw: CreateLeadInput): Promise<Lead> {
  const input = applyAliases(raw, LEAD_ALIASES);
  const now = nowIso();
  const lead: Lead = {
    id: newId('lead'),
    object: 'lead',
    first_name: input.first_name ?? null,
    last_name: input.last_name ?? null,
    email: input.email.trim(),
    phone: input.phone ?? null,
    company: input.company ?? null,
    title: input.title ?? null,
    source: input.source ?? 'other',
    status: 'new',
    owner: input.owner ?? null,
    description: input.description ?? null,
    address: input.address ?? null,
    do_not_call: input.do_not_call ?? false,
    email_opt_out: input.email_opt_out ?? false,
    rejection_reason: null,
    converted_customer_id: null,
    converted_at: null,
    metadata: input.metadata ?? {},
    version: 1,
    created_at: now,
    updated_at: now,
  };
  return inTransaction(db, async (trx) => {
    await refuseDuplicate(
      trx
        .insertInto('leads')
        .values({ id: lead.id, ...toRow(lead) })
        .execute(),
      () => emailTaken(lead.email),
    );
    await recordEvent(trx, ctx, 'lead.created', lead);
    return lead;
  });
}

/**
 * One lead command: the lead locked, If-Match checked, the transition checked against the table;
 * `change` edits a copy; the row and the event (with the previous values) are written.
 */
async function leadCommand(
  db: DB,
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion,
  action: LeadAction,
  change: (trx: Trx, next: Lead) => Promise<void> | void,
): Promise<Lead> {
  return inTransaction(db, async (trx) => {
    const before = toLead(await lockRecord(trx, 'leads', 'lead', id, expected));
    const { to, event } = leadMachine.transition(action, before.status);
    const next: Lead = { ...before, status: to };
    await change(trx, next);
    const previous = changedAttributes(before, next);
    if (action === 'update' && Object.keys(previous).length === 0) return before;
    next.version = before.version + 1;
    next.updated_at = nowIso();
    // Conditional on the status read (a convert racing another finds nothing to update).
    const updated = await refuseDuplicate(
      trx
        .updateTable('leads')
        .set(toRow(next))
        .where('id', '=', id)
        .where('status', '=', before.status)
        .where('version', '=', before.version)
        .executeTakeFirst(),
      () => emailTaken(next.email),
    );
    if (Number(updated.numUpdatedRows) === 0) {
      const now = await getLead(trx, id);
      leadMachine.transition(action, now.status);
      throw new ConflictError('concurrent_update', `Lead ${id} changed while this request ran; retry.`);
    }
    await recordEvent(trx, ctx, event, next, previous);
    return next;
  });
}

export function updateLead(db: DB, ctx: RequestContext, id: string, raw: UpdateLeadInput, expected?: ExpectedVersion) {
  const input = applyAliases(raw, LEAD_ALIASES);
  return leadCommand(db, ctx, id, expected, 'update', (_trx, next) => {
    for (const key of [
      'first_name',
      'last_name',
      'phone',
      'company',
      'title',
      'source',
      'owner',
      'description',
      'address',
      'do_not_call',
      'email_opt_out',
    ] as const) {
      if (input[key] !== undefined) (next as any)[key] = input[key];
    }
    if (input.email !== undefined) next.email = input.email.trim();
    next.metadata = mergeMetadata(next.metadata, input.metadata);
  });
}

export function acceptLead(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  return leadCommand(db, ctx, id, expected, 'accept', () => {});
}

export function rejectLead(db: DB, ctx: RequestContext, id: string, reason: string, expected?: ExpectedVersion) {
  return leadCommand(db, ctx, id, expected, 'reject', (_trx, next) => {
    next.rejection_reason = reason;
  });
}

/**
 * Converts a lead once: the customer with the lead's email is linked, or created from the lead
 * (name, phone, company, address). The status change is conditional, so of two converts at once
 * one converts and the other is a 409 invalid_transition (converted), with one customer.
 */
export function convertLead(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  return leadCommand(db, ctx, id, expected, 'convert', async (trx, next) => {
    const customer = await findOrCreateCustomer(trx, ctx, {
      email: next.email,
      first_name: next.first_name,
      last_name: next.last_name,
      phone: next.phone,
      company: next.company,
      ...(next.address ? { default_shipping_address: next.address, addresses: [next.address] } : {}),
      metadata: { lead_id: next.id },
    } as Parameters<typeof findOrCreateCustomer>[2]);
    next.converted_customer_id = customer.id;
    next.converted_at = nowIso();
  });
}

/** Deletes a lead (nothing depends on one: a converted lead's customer stays). */
export async function deleteLead(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const lead = toLead(await lockRecord(trx, 'leads', 'lead', id, expected));
    await trx.deleteFrom('leads').where('id', '=', id).execute();
    await recordEvent(trx, ctx, 'lead.deleted', lead);
    return { id, object: 'lead' as const, deleted: true as const };
  });
}
