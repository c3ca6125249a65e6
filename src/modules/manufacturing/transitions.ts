import { defineStateMachine, type TransitionTable } from '../../platform/state-machine.js';
import type { BomStatus, ManufactureOrderStatus, WorkOrderStatus } from './tables.js';

export const BOM_STATUSES = ['draft', 'active', 'obsolete'] as const satisfies readonly BomStatus[];
export const WORK_ORDER_STATUSES = [
  'planned',
  'released',
  'in_progress',
  'on_hold',
  'completed',
  'cancelled',
] as const satisfies readonly WorkOrderStatus[];
export const MANUFACTURE_ORDER_STATUSES = [
  'planned',
  'in_production',
  'completed',
  'cancelled',
] as const satisfies readonly ManufactureOrderStatus[];

export type BomAction = 'update' | 'edit_lines' | 'activate' | 'obsolete' | 'supersede' | 'delete' | 'build';

/**
 * Bills of materials. Lines may change while a BOM is draft or active (each change is checked for
 * cycles); an obsolete BOM is history. Activating a BOM supersedes the SKU's active one, which
 * becomes obsolete. Only an active BOM builds, and only a BOM no work has used may be deleted.
 */
export const bomTransitions: TransitionTable<BomStatus, BomAction> = {
  update: { from: ['draft', 'active'], to: 'same', event: 'bill_of_materials.updated' },
  edit_lines: { from: ['draft', 'active'], to: 'same', event: 'bill_of_materials.updated' },
  activate: { from: ['draft', 'obsolete'], to: 'active', event: 'bill_of_materials.activated' },
  obsolete: { from: ['draft', 'active'], to: 'obsolete', event: 'bill_of_materials.obsoleted' },
  supersede: { from: ['active'], to: 'obsolete', event: 'bill_of_materials.obsoleted' },
  delete: { from: ['draft', 'obsolete'], to: 'same', event: 'bill_of_materials.deleted' },
  build: { from: ['active'], to: 'same', event: 'bill_of_materials.built' },
};
export const bomMachine = defineStateMachine<BomStatus, BomAction>('bill of materials', bomTransitions);

export type WorkOrderAction =
  | 'update'
  | 'release'
  | 'start'
  | 'issue'
  | 'complete'
  | 'complete_partially'
  | 'hold'
  | 'resume'
  | 'cancel'
  | 'assign'
  | 'delete';

const OPEN_WORK = ['planned', 'released', 'in_progress', 'on_hold'] as const;

/** planned -> released -> in_progress -> completed; on_hold from released/in_progress; cancelled from planned/released/on_hold. */
export const workOrderTransitions: TransitionTable<WorkOrderStatus, WorkOrderAction> = {
  update: { from: OPEN_WORK, to: 'same', event: 'work_order.updated' },
  release: { from: ['planned'], to: 'released', event: 'work_order.released' },
  start: { from: ['released'], to: 'in_progress', event: 'work_order.started' },
  issue: { from: ['released', 'in_progress'], to: 'same', event: 'work_order.issued' },
  complete: { from: ['in_progress'], to: 'completed', event: 'work_order.completed' },
  complete_partially: { from: ['in_progress'], to: 'same', event: 'work_order.partially_completed' },
  hold: { from: ['released', 'in_progress'], to: 'on_hold', event: 'work_order.held' },
  resume: { from: ['on_hold'], to: 'previous', event: 'work_order.resumed' },
  cancel: { from: ['planned', 'released', 'on_hold'], to: 'cancelled', event: 'work_order.cancelled' },
  assign: { from: OPEN_WORK, to: 'same', event: 'work_order.assigned' },
  delete: { from: ['planned'], to: 'same', event: 'work_order.deleted' },
};
export const workOrderMachine = defineStateMachine<WorkOrderStatus, WorkOrderAction>(
  'work order',
  workOrderTransitions,
);

export type ManufactureOrderAction = 'update' | 'plan' | 'start' | 'complete' | 'cancel' | 'delete';

/** planned -> in_production -> completed; cancelled before completion. Plan happens once, while planned. */
export const manufactureOrderTransitions: TransitionTable<ManufactureOrderStatus, ManufactureOrderAction> = {
  update: { from: ['planned', 'in_production'], to: 'same', event: 'manufacture_order.updated' },
  plan: { from: ['planned'], to: 'same', event: 'manufacture_order.planned' },
  start: { from: ['planned'], to: 'in_production', event: 'manufacture_order.started' },
  complete: { from: ['in_production'], to: 'completed', event: 'manufacture_order.completed' },
  cancel: { from: ['planned', 'in_production'], to: 'cancelled', event: 'manufacture_order.cancelled' },
  delete: { from: ['planned'], to: 'same', event: 'manufacture_order.deleted' },
};
export const manufactureOrderMachine = defineStateMachine<ManufactureOrderStatus, ManufactureOrderAction>(
  'manufacture order',
  manufactureOrderTransitions,
);
