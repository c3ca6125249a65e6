import { InvalidTransitionError } from '../../platform/errors.js';
import { defineStateMachine, type TransitionTable } from '../../platform/state-machine.js';
import type { WarrantyStatus } from './tables.js';

export const WARRANTY_STATUSES = [
  'submitted',
  'inspecting',
  'approved',
  'in_repair',
  'replacement_sent',
  'resolved',
  'rejected',
  'closed',
] as const satisfies readonly WarrantyStatus[];

export type WarrantyAction =
  'update' | 'edit_lines' | 'inspect' | 'approve' | 'reject' | 'repair' | 'replace' | 'resolve' | 'close' | 'reopen';

/**
 * submitted -> approved -> (in_repair | replacement_sent) -> resolved -> closed; inspecting between
 * submitted and approved when an inspection is requested; rejected from submitted/inspecting;
 * reopen closed/rejected -> submitted. An approved claim may be resolved directly (a refund, or
 * nothing to do).
 */
export const warrantyTransitions: TransitionTable<WarrantyStatus, WarrantyAction> = {
  update: { from: ['submitted', 'inspecting', 'approved'], to: 'same', event: 'warranty.updated' },
  edit_lines: { from: ['submitted', 'inspecting'], to: 'same', event: 'warranty.updated' },
  inspect: { from: ['submitted', 'inspecting'], to: 'inspecting', event: 'warranty.inspected' },
  approve: { from: ['submitted', 'inspecting'], to: 'approved', event: 'warranty.approved' },
  reject: { from: ['submitted', 'inspecting'], to: 'rejected', event: 'warranty.rejected' },
  repair: { from: ['approved', 'in_repair'], to: 'in_repair', event: 'warranty.repair_started' },
  replace: { from: ['approved'], to: 'replacement_sent', event: 'warranty.replaced' },
  resolve: { from: ['approved', 'in_repair', 'replacement_sent'], to: 'resolved', event: 'warranty.resolved' },
  close: { from: ['resolved', 'rejected'], to: 'closed', event: 'warranty.closed' },
  reopen: { from: ['closed', 'rejected'], to: 'submitted', event: 'warranty.reopened' },
};

export const warrantyMachine = defineStateMachine<WarrantyStatus, WarrantyAction>('warranty', warrantyTransitions);

export function transitionWarranty(action: WarrantyAction, row: { status: WarrantyStatus }, as?: string) {
  if (!warrantyMachine.can(action, row.status))
    throw new InvalidTransitionError('a warranty', as ?? action, row.status);
  return warrantyMachine.transition(action, row.status);
}
