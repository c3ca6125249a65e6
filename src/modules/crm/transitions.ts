import { defineStateMachine, type TransitionTable } from '../../platform/state-machine.js';
import type { CaseStatus, LeadStatus } from './tables.js';

export const LEAD_STATUSES = ['new', 'accepted', 'rejected', 'converted'] as const satisfies readonly LeadStatus[];
export const CASE_STATUSES = [
  'new',
  'in_progress',
  'pending_customer',
  'resolved',
  'closed',
] as const satisfies readonly CaseStatus[];

export type LeadAction = 'update' | 'accept' | 'reject' | 'convert';

/** new -> accepted | rejected; converted (once) from new or accepted. A converted lead is final. */
export const leadTransitions: TransitionTable<LeadStatus, LeadAction> = {
  update: { from: ['new', 'accepted', 'rejected'], to: 'same', event: 'lead.updated' },
  accept: { from: ['new'], to: 'accepted', event: 'lead.accepted' },
  reject: { from: ['new', 'accepted'], to: 'rejected', event: 'lead.rejected' },
  convert: { from: ['new', 'accepted'], to: 'converted', event: 'lead.converted' },
};
export const leadMachine = defineStateMachine('lead', leadTransitions);

export type CaseAction =
  'update' | 'start' | 'await_customer' | 'assign' | 'escalate' | 'add_note' | 'resolve' | 'close' | 'reopen';

const OPEN = ['new', 'in_progress', 'pending_customer'] as const;

/**
 * new -> in_progress -> pending_customer -> resolved -> closed; reopen (resolved or closed) goes
 * back to in_progress. Assigning an open case puts it in progress; `status` on update moves between
 * in_progress and pending_customer (start, await_customer).
 */
export const caseTransitions: TransitionTable<CaseStatus, CaseAction> = {
  update: { from: [...OPEN, 'resolved'], to: 'same', event: 'case.updated' },
  start: { from: ['new', 'pending_customer'], to: 'in_progress', event: 'case.updated' },
  await_customer: { from: ['new', 'in_progress'], to: 'pending_customer', event: 'case.updated' },
  assign: { from: OPEN, to: 'in_progress', event: 'case.assigned' },
  escalate: { from: OPEN, to: 'same', event: 'case.escalated' },
  add_note: { from: [...OPEN, 'resolved'], to: 'same', event: 'case.note_added' },
  resolve: { from: OPEN, to: 'resolved', event: 'case.resolved' },
  close: { from: ['resolved'], to: 'closed', event: 'case.closed' },
  reopen: { from: ['resolved', 'closed'], to: 'in_progress', event: 'case.reopened' },
};
export const caseMachine = defineStateMachine('case', caseTransitions);
