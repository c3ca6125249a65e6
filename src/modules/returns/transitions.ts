import { InvalidTransitionError } from '../../platform/errors.js';
import { defineStateMachine, type TransitionTable } from '../../platform/state-machine.js';
import type { ReturnStatus } from './tables.js';

export const RETURN_STATUSES = [
  'requested',
  'approved',
  'received',
  'inspected',
  'completed',
  'rejected',
  'cancelled',
  'closed',
] as const satisfies readonly ReturnStatus[];

export type ReturnAction =
  | 'update'
  | 'edit_lines'
  | 'approve'
  | 'reject'
  | 'cancel'
  | 'receive'
  | 'inspect'
  | 'restock'
  | 'refund'
  | 'refund_in_advance'
  | 'exchange'
  | 'exchange_in_advance'
  | 'complete'
  | 'close'
  | 'reopen';

/** The goods are in: what a return must be for its refund to complete it. */
const GOODS_IN = ['received', 'inspected'] as const;
export const GOODS_IN_STATUSES: readonly ReturnStatus[] = GOODS_IN;
const OPEN = ['requested', 'approved', 'received', 'inspected'] as const;

/**
 * Every return action: statuses it may start from, the status it leads to, its event.
 * requested -> approved -> received -> inspected -> completed; rejected from requested/approved;
 * cancelled from requested/approved; closed from completed/rejected; reopen closed -> requested.
 * A refund completes a return whose goods are in; money paid back earlier (refund_in_advance: before
 * the goods arrive, or part of it) keeps the status. An exchange does the same, and `complete`
 * settles a return whose money was all paid back (or credited) before its goods came in.
 */
export const returnTransitions: TransitionTable<ReturnStatus, ReturnAction> = {
  update: { from: ['requested'], to: 'same', event: 'return.updated' },
  edit_lines: { from: ['requested'], to: 'same', event: 'return.updated' },
  approve: { from: ['requested'], to: 'approved', event: 'return.approved' },
  reject: { from: ['requested', 'approved'], to: 'rejected', event: 'return.rejected' },
  cancel: { from: ['requested', 'approved'], to: 'cancelled', event: 'return.cancelled' },
  receive: { from: ['approved', 'received'], to: 'received', event: 'return.received' },
  inspect: { from: GOODS_IN, to: 'inspected', event: 'return.inspected' },
  restock: { from: ['received', 'inspected', 'completed'], to: 'same', event: 'return.restocked' },
  refund: { from: GOODS_IN, to: 'completed', event: 'return.refunded' },
  refund_in_advance: { from: OPEN, to: 'same', event: 'return.refunded' },
  exchange: { from: GOODS_IN, to: 'completed', event: 'return.exchanged' },
  exchange_in_advance: { from: OPEN, to: 'same', event: 'return.exchanged' },
  complete: { from: GOODS_IN, to: 'completed', event: 'return.completed' },
  close: { from: ['completed', 'rejected'], to: 'closed', event: 'return.closed' },
  reopen: { from: ['closed'], to: 'requested', event: 'return.reopened' },
};

export const returnMachine = defineStateMachine<ReturnStatus, ReturnAction>('return', returnTransitions);

/** The transition for `action`, or a 409 invalid_transition naming the current status and the action as the caller knows it. */
export function transitionReturn(
  action: ReturnAction,
  row: { status: ReturnStatus },
  as?: string,
): { to: ReturnStatus; event: string } {
  if (!returnMachine.can(action, row.status)) throw new InvalidTransitionError('a return', as ?? action, row.status);
  return returnMachine.transition(action, row.status);
}
