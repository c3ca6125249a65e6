import { defineStateMachine, type TransitionTable } from '../../platform/state-machine.js';
import type { PurchaseOrderStatus } from './tables.js';

export type PurchaseOrderAction =
  | 'update'
  | 'edit_lines'
  | 'delete'
  | 'submit'
  | 'approve'
  | 'receive'
  | 'receive_all'
  | 'finance'
  | 'complete'
  | 'cancel';

const OPEN = ['draft', 'submitted', 'approved', 'partially_received'] as const;
const RECEIVING = ['approved', 'partially_received'] as const;

/**
 * Every purchase order action. Lines and money change only in draft; approval puts the open
 * quantities on the items' `incoming`; receipts take them off; cancel is refused once anything
 * was received (complete closes a partly received order short instead).
 */
export const purchaseOrderTransitions: TransitionTable<PurchaseOrderStatus, PurchaseOrderAction> = {
  update: { from: OPEN, to: 'same', event: 'purchase_order.updated' },
  edit_lines: { from: ['draft'], to: 'same', event: 'purchase_order.updated' },
  delete: { from: ['draft'], to: 'same', event: 'purchase_order.deleted' },
  submit: { from: ['draft'], to: 'submitted', event: 'purchase_order.submitted' },
  approve: { from: ['submitted'], to: 'approved', event: 'purchase_order.approved' },
  /** A receipt that leaves something open... */
  receive: { from: RECEIVING, to: 'partially_received', event: 'purchase_order.received' },
  /** ...or the one that brings in the rest. */
  receive_all: { from: RECEIVING, to: 'received', event: 'purchase_order.received' },
  finance: {
    from: ['submitted', 'approved', 'partially_received', 'received', 'completed'],
    to: 'same',
    event: 'purchase_order.financed',
  },
  complete: { from: ['partially_received', 'received'], to: 'completed', event: 'purchase_order.completed' },
  cancel: { from: ['draft', 'submitted', 'approved'], to: 'cancelled', event: 'purchase_order.cancelled' },
};

export const purchaseOrderMachine = defineStateMachine('purchase order', purchaseOrderTransitions);
