import { InvalidTransitionError } from '../../platform/errors.js';
import { defineStateMachine, type TransitionTable } from '../../platform/state-machine.js';
import type { OrderStatus } from './tables.js';

export const ORDER_STATUSES = [
  'pending',
  'processing',
  'on_hold',
  'partially_shipped',
  'shipped',
  'delivered',
  'cancelled',
  'merged',
] as const satisfies readonly OrderStatus[];

/** Nothing shipped yet and still open: the order's contents and money may change. */
const EDITABLE = ['pending', 'processing', 'on_hold'] as const;
const HAS_SHIPPED = ['partially_shipped', 'shipped', 'delivered'] as const;
const NOT_MERGED = [
  'pending',
  'processing',
  'on_hold',
  'partially_shipped',
  'shipped',
  'delivered',
  'cancelled',
] as const;

export type OrderAction =
  | 'update'
  | 'add_line_item'
  | 'remove_line_item'
  | 'add_discount'
  | 'remove_discount'
  | 'apply_promotion'
  | 'remove_promotion'
  | 'pay'
  | 'confirm_payment'
  | 'hold'
  | 'release'
  | 'cancel'
  | 'ship'
  | 'ship_partially'
  | 'cancel_shipment'
  | 'cancel_shipment_partially'
  | 'deliver'
  | 'return'
  | 'exchange'
  | 'refund'
  | 'split'
  | 'split_leaving_shipped'
  | 'merge'
  | 'merge_into'
  | 'tag'
  | 'untag';

/**
 * Every order action: the statuses it may start from, the status it leads to and its event. An
 * action not allowed from the current status is a 409 invalid_transition naming both.
 * A held order cannot be paid, shipped, split or merged; it can still be edited (a hold is often
 * "fix the address first") and cancelled.
 */
export const orderTransitions: TransitionTable<OrderStatus, OrderAction> = {
  update: { from: EDITABLE, to: 'same', event: 'order.updated' },
  add_line_item: { from: EDITABLE, to: 'same', event: 'order.line_item_added' },
  remove_line_item: { from: EDITABLE, to: 'same', event: 'order.line_item_removed' },
  add_discount: { from: EDITABLE, to: 'same', event: 'order.discount_added' },
  remove_discount: { from: EDITABLE, to: 'same', event: 'order.discount_removed' },
  apply_promotion: { from: EDITABLE, to: 'same', event: 'order.promotion_applied' },
  remove_promotion: { from: EDITABLE, to: 'same', event: 'order.promotion_removed' },
  pay: {
    from: ['pending', 'processing', 'partially_shipped', 'shipped', 'delivered'],
    to: 'same',
    event: 'order.paid',
  },
  /** A pending order whose money is all in (by paying, or by a change that lowered its total). */
  confirm_payment: { from: ['pending'], to: 'processing', event: 'order.paid' },
  hold: { from: ['pending', 'processing'], to: 'on_hold', event: 'order.held' },
  release: { from: ['on_hold'], to: 'previous', event: 'order.released' },
  cancel: { from: EDITABLE, to: 'cancelled', event: 'order.cancelled' },
  ship: { from: ['processing', 'partially_shipped'], to: 'shipped', event: 'order.shipped' },
  ship_partially: {
    from: ['processing', 'partially_shipped'],
    to: 'partially_shipped',
    event: 'order.partially_shipped',
  },
  /** A cancelled shipment leaves nothing shipped... */
  cancel_shipment: { from: ['partially_shipped', 'shipped'], to: 'processing', event: 'order.updated' },
  /** ...or some of the order still shipped. */
  cancel_shipment_partially: {
    from: ['partially_shipped', 'shipped'],
    to: 'partially_shipped',
    event: 'order.updated',
  },
  deliver: { from: ['shipped'], to: 'delivered', event: 'order.delivered' },
  return: { from: HAS_SHIPPED, to: 'same', event: 'order.returned' },
  exchange: { from: HAS_SHIPPED, to: 'same', event: 'order.exchanged' },
  refund: { from: NOT_MERGED, to: 'same', event: 'order.refunded' },
  /** Only unshipped units move, so a partially shipped order can split off what it has not shipped... */
  split: { from: ['pending', 'processing', 'partially_shipped'], to: 'same', event: 'order.split' },
  /** ...and is shipped once everything left on it has shipped. */
  split_leaving_shipped: { from: ['partially_shipped'], to: 'shipped', event: 'order.split' },
  /** The order others are merged into... */
  merge: { from: ['pending', 'processing'], to: 'same', event: 'order.merged' },
  /** ...and each order merged away. */
  merge_into: { from: ['pending', 'processing'], to: 'merged', event: 'order.merged' },
  tag: { from: ORDER_STATUSES, to: 'same', event: 'order.tagged' },
  untag: { from: ORDER_STATUSES, to: 'same', event: 'order.untagged' },
};

export const orderMachine = defineStateMachine<OrderStatus, OrderAction>('order', orderTransitions);

/**
 * The transition for `action`, or a 409 naming the current status and the action as the caller
 * knows it (`ship` for ship_partially, `merge` for merge_into, ...). `who` names a particular order
 * when several are involved (a merge).
 */
export function transitionOrder(
  action: OrderAction,
  order: { status: OrderStatus; previousStatus?: OrderStatus | null },
  opts: { as?: string; who?: string } = {},
): { to: OrderStatus; event: string } {
  if (!orderMachine.can(action, order.status))
    throw new InvalidTransitionError(opts.who ?? 'an order', opts.as ?? action, order.status);
  return orderMachine.transition(action, order.status, order.previousStatus);
}
