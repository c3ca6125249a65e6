import { defineStateMachine, type TransitionTable } from '../../platform/state-machine.js';
import type { PackingListStatus } from './tables.js';

export type PackingListAction =
  'update' | 'edit_items' | 'delete' | 'submit' | 'ship' | 'arrive' | 'arrive_all' | 'verify' | 'cancel';

/** draft -> submitted -> shipped -> (partially_arrived) -> arrived -> verified; cancelled before shipped. */
export const packingListTransitions: TransitionTable<PackingListStatus, PackingListAction> = {
  update: {
    from: ['draft', 'submitted', 'shipped', 'partially_arrived', 'arrived'],
    to: 'same',
    event: 'packing_list.updated',
  },
  edit_items: { from: ['draft'], to: 'same', event: 'packing_list.updated' },
  delete: { from: ['draft'], to: 'same', event: 'packing_list.deleted' },
  submit: { from: ['draft'], to: 'submitted', event: 'packing_list.submitted' },
  ship: { from: ['submitted'], to: 'shipped', event: 'packing_list.shipped' },
  /** An arrival that leaves something to come... */
  arrive: { from: ['shipped', 'partially_arrived'], to: 'partially_arrived', event: 'packing_list.arrived' },
  /** ...or the one that brings the rest. */
  arrive_all: { from: ['shipped', 'partially_arrived'], to: 'arrived', event: 'packing_list.arrived' },
  verify: { from: ['arrived'], to: 'verified', event: 'packing_list.verified' },
  cancel: { from: ['draft', 'submitted'], to: 'cancelled', event: 'packing_list.cancelled' },
};

export const packingListMachine = defineStateMachine('packing list', packingListTransitions);
