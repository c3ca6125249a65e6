import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { newId, nowIso } from '../../db/ids.js';
import { inTransaction } from '../../db/transaction.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord } from '../../platform/db-helpers.js';
import { NotFoundError, ValidationError } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { containsText, runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { applyAliases, mergeMetadata } from '../../platform/schemas.js';
import { getCustomer } from '../customers/index.js';
import { getOrder } from '../orders/index.js';
import { getReturn } from '../returns/index.js';
import {
  CASE_ALIASES,
  CASE_PRIORITIES,
  type Case,
  type CaseNote,
  type CreateCaseInput,
  type UpdateCaseInput,
} from './schemas.js';
import type { CaseNotesTable, CasePriority, CasesTable } from './tables.js';
import { CASE_STATUSES, caseMachine, type CaseAction } from './transitions.js';

function toNote(n: CaseNotesTable): CaseNote {
  return {
    id: n.id,
    object: 'case_note',
    case_id: n.case_id,
    body: n.body,
    author: n.author,
    created_at: n.created_at,
  };
}

export function toCase(row: CasesTable, notes: CaseNotesTable[]): Case {
  return {
    id: row.id,
    object: 'case',
    case_number: row.case_number,
    subject: row.subject,
    description: row.description,
    customer_id: row.customer_id,
    order_id: row.order_id,
    return_id: row.return_id,
    status: row.status,
    priority: row.priority,
    assignee: row.assignee,
    submitter: row.submitter,
    resolver: row.resolver,
    resolution: row.resolution,
    escalation_level: Number(row.escalation_level),
    notes: notes.map(toNote),
    metadata: parseJson(row.metadata, {}),
    resolved_at: row.resolved_at,
    closed_at: row.closed_at,
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toRow(c: Case): Omit<CasesTable, 'id'> {
  const { id: _id, object: _object, notes: _notes, metadata, ...fields } = c;
  return {
    ...fields,
    metadata: toJson(metadata),
    search_text: [c.case_number, c.subject, c.description].filter(Boolean).join(' ').toLowerCase(),
  };
}

async function notesOf(db: Executor, caseIds: string[]): Promise<CaseNotesTable[]> {
  if (caseIds.length === 0) return [];
  return db.selectFrom('case_notes').selectAll().where('case_id', 'in', caseIds).orderBy('id').execute();
}

async function render(db: Executor, rows: CasesTable[]): Promise<Case[]> {
  const notes = await notesOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) =>
    toCase(
      r,
      notes.filter((n) => n.case_id === r.id),
    ),
  );
}

const isCaseNumber = (v: string) => /^CASE-\d+$/i.test(v);

async function caseIdOf(db: Executor, idOrNumber: string): Promise<string> {
  if (!isCaseNumber(idOrNumber)) return idOrNumber;
  const row = await db
    .selectFrom('cases')
    .select('id')
    .where('case_number', '=', idOrNumber.toUpperCase())
    .executeTakeFirst();
  if (!row) throw new NotFoundError('case', idOrNumber);
  return row.id;
}

export async function getCase(db: Executor, idOrNumber: string): Promise<Case> {
  const id = await caseIdOf(db, idOrNumber);
  const row = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('case', idOrNumber);
  return (await render(db, [row]))[0];
}

export const caseListSpec: ListSpec = {
  table: 'cases',
  sortable: ['updated_at'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: CASE_STATUSES },
    priority: { kind: 'exact', column: 'priority', multi: true, values: CASE_PRIORITIES },
    assignee: { kind: 'exact', column: 'assignee' },
    customer_id: { kind: 'exact', column: 'customer_id' },
    order_id: { kind: 'exact', column: 'order_id' },
    return_id: { kind: 'exact', column: 'return_id' },
    search: {
      kind: 'custom',
      schema: z.string().min(1).max(200).describe('Case number, subject or description'),
      apply: (qb, term: string) => qb.where(containsText('search_text', term)),
    },
  },
};

export async function listCases(db: DB, query: Record<string, unknown>) {
  const result = await runList<CasesTable>(db, caseListSpec, query);
  return { ...toEnvelope(result, (r) => r), data: await render(db, result.rows) };
}

/** A 404 naming the request field whose record is missing (order_id, say). */
async function linked<T>(lookup: Promise<T>, objectName: string, id: string, param: string): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(objectName, id, param);
    throw err;
  }
}

function mismatch(param: string, message: string): ValidationError {
  return new ValidationError(message, [{ path: param, code: 'link_mismatch', message }]);
}

/**
 * Checks the records a case links, through their modules: each must exist (404 naming its field),
 * and an order or return must belong to the case's customer. A missing customer is taken from the
 * return, else the order. Order numbers and RMAs are stored as the record's id.
 */
async function resolveLinks(
  trx: Trx,
  links: { customer_id: string | null; order_id: string | null; return_id: string | null },
) {
  const out = { ...links };
  const ret = links.return_id
    ? await linked(getReturn(trx, links.return_id), 'return', links.return_id, 'return_id')
    : null;
  const order = links.order_id
    ? await linked(getOrder(trx, links.order_id), 'order', links.order_id, 'order_id')
    : null;
  const customer = links.customer_id
    ? await linked(getCustomer(trx, links.customer_id), 'customer', links.customer_id, 'customer_id')
    : null;
  if (ret) out.return_id = ret.id;
  if (order) out.order_id = order.id;
  if (ret && order && ret.order_id !== order.id)
    throw mismatch('return_id', `Return ${ret.rma} belongs to order ${ret.order_id}, not ${order.id}.`);
  if (!order && ret) out.order_id = ret.order_id;
  const owner = ret?.customer_id ?? order?.customer_id ?? null;
  if (customer && owner && owner !== customer.id)
    throw mismatch(
      ret ? 'return_id' : 'order_id',
      `That ${ret ? 'return' : 'order'} belongs to customer ${owner}, not ${customer.id}.`,
    );
  out.customer_id = customer?.id ?? owner;
  return out;
}

export async function createCase(db: DB, ctx: RequestContext, raw: CreateCaseInput): Promise<Case> {
  const input = applyAliases(raw, CASE_ALIASES);
  if (!input.subject)
    throw new ValidationError('subject is required (or caseName).', [
      { path: 'subject', code: 'invalid_type', message: 'subject is required' },
    ]);
  return inTransaction(db, async (trx) => {
    const links = await resolveLinks(trx, {
      customer_id: input.customer_id ?? null,
      order_id: input.order_id ?? null,
      return_id: input.return_id ?? null,
    });
    const now = nowIso();
    const kase: Case = {
      id: newId('case'),
      object: 'case',
      case_number: formatNumber('CASE', await nextNumber(trx, 'case')),
      subject: input.subject!,
      description: input.description ?? null,
      ...links,
      status: input.status ?? 'new',
      priority: input.priority ?? 'medium',
      assignee: input.assignee ?? null,
      submitter: input.submitter ?? null,
      resolver: null,
      resolution: null,
      escalation_level: 0,
      notes: [],
      metadata: input.metadata ?? {},
      resolved_at: null,
      closed_at: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await trx
      .insertInto('cases')
      .values({ id: kase.id, ...toRow(kase) })
      .execute();
    await recordEvent(trx, ctx, 'case.created', kase);
    return kase;
  });
}

/**
 * One case command: locked, If-Match checked, transition checked against the table; `change` edits
 * a copy (and may add notes); the row and the event with the previous values are written.
 */
async function caseCommand(
  db: DB,
  ctx: RequestContext,
  idOrNumber: string,
  expected: ExpectedVersion,
  action: CaseAction,
  change: (trx: Trx, next: Case) => Promise<CaseAction | void> | CaseAction | void,
): Promise<Case> {
  return inTransaction(db, async (trx) => {
    const id = await caseIdOf(trx, idOrNumber);
    const before = (await render(trx, [await lockRecord(trx, 'cases', 'case', id, expected)]))[0];
    caseMachine.transition(action, before.status);
    const next: Case = { ...before };
    const finalAction = (await change(trx, next)) ?? action;
    const { to, event } = caseMachine.transition(finalAction, before.status);
    next.status = to;
    const previous = changedAttributes(before, next);
    if (action === 'update' && Object.keys(previous).length === 0) return before;
    next.version = before.version + 1;
    next.updated_at = nowIso();
    await trx.updateTable('cases').set(toRow(next)).where('id', '=', id).execute();
    await recordEvent(trx, ctx, event, next, previous);
    return next;
  });
}

export function updateCase(db: DB, ctx: RequestContext, id: string, raw: UpdateCaseInput, expected?: ExpectedVersion) {
  const input = applyAliases(raw, CASE_ALIASES);
  return caseCommand(db, ctx, id, expected, 'update', async (trx, next) => {
    for (const key of ['subject', 'description', 'priority', 'assignee', 'submitter', 'resolver'] as const) {
      if (input[key] !== undefined) (next as any)[key] = input[key];
    }
    if (input.customer_id !== undefined || input.order_id !== undefined || input.return_id !== undefined) {
      Object.assign(
        next,
        await resolveLinks(trx, {
          customer_id: input.customer_id !== undefined ? input.customer_id : next.customer_id,
          order_id: input.order_id !== undefined ? input.order_id : next.order_id,
          return_id: input.return_id !== undefined ? input.return_id : next.return_id,
        }),
      );
    }
    next.metadata = mergeMetadata(next.metadata, input.metadata);
    if (input.status && input.status !== next.status)
      return input.status === 'in_progress' ? 'start' : 'await_customer';
  });
}

export function assignCase(db: DB, ctx: RequestContext, id: string, assignee: string, expected?: ExpectedVersion) {
  return caseCommand(db, ctx, id, expected, 'assign', (_trx, next) => {
    next.assignee = assignee;
  });
}

/** Raises the priority (to the one given, else one step up) and the escalation level. */
export function escalateCase(
  db: DB,
  ctx: RequestContext,
  id: string,
  priority: CasePriority | undefined,
  expected?: ExpectedVersion,
) {
  return caseCommand(db, ctx, id, expected, 'escalate', (_trx, next) => {
    const current = CASE_PRIORITIES.indexOf(next.priority);
    const wanted = priority ? CASE_PRIORITIES.indexOf(priority) : Math.min(current + 1, CASE_PRIORITIES.length - 1);
    if (wanted < current)
      throw new ValidationError(`Escalating cannot lower the priority from ${next.priority} to ${priority}.`, [
        { path: 'priority', code: 'priority_lower', message: `Must be ${next.priority} or higher` },
      ]);
    next.priority = CASE_PRIORITIES[wanted];
    next.escalation_level += 1;
  });
}

export function resolveCase(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { resolution: string; resolver?: string | null },
  expected?: ExpectedVersion,
) {
  return caseCommand(db, ctx, id, expected, 'resolve', (_trx, next) => {
    next.resolution = input.resolution;
    if (input.resolver !== undefined) next.resolver = input.resolver;
    next.resolved_at = nowIso();
  });
}

export function closeCase(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  return caseCommand(db, ctx, id, expected, 'close', (_trx, next) => {
    next.closed_at = nowIso();
  });
}

export function reopenCase(db: DB, ctx: RequestContext, id: string, expected?: ExpectedVersion) {
  return caseCommand(db, ctx, id, expected, 'reopen', (_trx, next) => {
    next.resolved_at = null;
    next.closed_at = null;
  });
}

/** Adds a note (not to a closed case: reopen it first); the case's event carries the note. */
export async function addCaseNote(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { body: string; author?: string | null },
): Promise<CaseNote> {
  let note: CaseNotesTable | undefined;
  await caseCommand(db, ctx, id, undefined, 'add_note', async (trx, next) => {
    note = {
      id: newId('cnt'),
      case_id: next.id,
      body: input.body,
      author: input.author ?? null,
      created_at: nowIso(),
    };
    await trx.insertInto('case_notes').values(note).execute();
    next.notes = [...next.notes, toNote(note)];
  });
  return toNote(note!);
}

export const caseNoteListSpec: ListSpec = { table: 'case_notes', filters: {} };

export async function listCaseNotes(db: DB, id: string, query: Record<string, unknown>) {
  const kase = await getCase(db, id);
  return toEnvelope(
    await runList<CaseNotesTable>(db, caseNoteListSpec, query, (qb) => qb.where('case_id', '=', kase.id)),
    toNote,
  );
}

/** Deletes a case and its notes (nothing depends on a case). */
export async function deleteCase(db: DB, ctx: RequestContext, idOrNumber: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const id = await caseIdOf(trx, idOrNumber);
    const kase = (await render(trx, [await lockRecord(trx, 'cases', 'case', id, expected)]))[0];
    await trx.deleteFrom('case_notes').where('case_id', '=', id).execute();
    await trx.deleteFrom('cases').where('id', '=', id).execute();
    await recordEvent(trx, ctx, 'case.deleted', kase);
    return { id, object: 'case' as const, deleted: true as const };
  });
}
