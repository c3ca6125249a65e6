import { defineStateMachine, type TransitionTable } from '../../platform/state-machine.js';
import type { CycleCountStatus } from './tables.js';

export type CycleCountAction = 'update' | 'delete' | 'start' | 'count' | 'complete' | 'reconcile' | 'cancel';

/** draft -> in_progress -> completed -> reconciled; cancelled any time before reconciled. */
export const cycleCountTransitions: TransitionTable<CycleCountStatus, CycleCountAction> = {
  update: { from: ['draft', 'in_progress', 'completed'], to: 'same', event: 'cycle_count.updated' },
  delete: { from: ['draft'], to: 'same', event: 'cycle_count.deleted' },
  start: { from: ['draft'], to: 'in_progress', event: 'cycle_count.started' },
  count: { from: ['in_progress'], to: 'same', event: 'cycle_count.counted' },
  complete: { from: ['in_progress'], to: 'completed', event: 'cycle_count.completed' },
  reconcile: { from: ['completed'], to: 'reconciled', event: 'cycle_count.reconciled' },
  cancel: { from: ['draft', 'in_progress', 'completed'], to: 'cancelled', event: 'cycle_count.cancelled' },
};

export const cycleCountMachine = defineStateMachine('cycle count', cycleCountTransitions);
