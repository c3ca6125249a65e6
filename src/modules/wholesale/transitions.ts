import { defineStateMachine, type TransitionTable } from '../../platform/state-machine.js';
import type { WholesaleOrderStatus } from './tables.js';

export const WHOLESALE_ORDER_STATUSES = [
  'draft',
  'submitted',
  'approved',
  'partially_shipped',
  'shipped',
  'invoiced',
  'paid',
  'cancelled',
] as const satisfies readonly WholesaleOrderStatus[];

/** Lines, terms and location may change until the order is approved (its stock is then reserved). */
const EDITABLE = ['draft', 'submitted'] as const;

export type WholesaleOrderAction =
  'update' | 'edit_lines' | 'delete' | 'submit' | 'approve' | 'ship' | 'ship_partially' | 'invoice' | 'pay' | 'cancel';

/**
 * draft -> submitted -> approved -> (partially_shipped) -> shipped -> invoiced -> paid; cancelled
 * before anything ships. An action not allowed from the current status is a 409 invalid_transition.
 */
export const wholesaleOrderTransitions: TransitionTable<WholesaleOrderStatus, WholesaleOrderAction> = {
  update: { from: EDITABLE, to: 'same', event: 'wholesale_order.updated' },
  edit_lines: { from: EDITABLE, to: 'same', event: 'wholesale_order.updated' },
  delete: { from: ['draft'], to: 'same', event: 'wholesale_order.deleted' },
  submit: { from: ['draft'], to: 'submitted', event: 'wholesale_order.submitted' },
  approve: { from: ['submitted'], to: 'approved', event: 'wholesale_order.approved' },
  ship: { from: ['approved', 'partially_shipped'], to: 'shipped', event: 'wholesale_order.shipped' },
  ship_partially: {
    from: ['approved', 'partially_shipped'],
    to: 'partially_shipped',
    event: 'wholesale_order.shipped',
  },
  invoice: { from: ['shipped'], to: 'invoiced', event: 'wholesale_order.invoiced' },
  pay: { from: ['invoiced'], to: 'paid', event: 'wholesale_order.paid' },
  cancel: { from: ['draft', 'submitted', 'approved'], to: 'cancelled', event: 'wholesale_order.cancelled' },
};

export const wholesaleOrderMachine = defineStateMachine('wholesale order', wholesaleOrderTransitions);
