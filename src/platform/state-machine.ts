import { InvalidTransitionError } from './errors.js';

/**
 * A resource's status machine as data: action -> statuses it may start from -> status it ends in,
 * and the event it emits. `to: 'previous'` means "the status saved when the record was put on hold";
 * `to: 'same'` is an action that keeps the status but is only allowed from `from` (editing lines,
 * paying, refunding...), so every refusal still comes from the one table.
 */
export interface Transition<S extends string> {
  from: readonly S[];
  to: S | 'previous' | 'same';
  event: string;
}

export type TransitionTable<S extends string, A extends string> = Record<A, Transition<S>>;

export interface StateMachine<S extends string, A extends string> {
  readonly objectName: string;
  readonly table: TransitionTable<S, A>;
  /** The transition for `action` from `current`, or a 409 invalid_transition naming both. */
  transition(action: A, current: S, previous?: S | null): { to: S; event: string };
  can(action: A, current: S): boolean;
}

export function defineStateMachine<S extends string, A extends string>(
  objectName: string,
  table: TransitionTable<S, A>,
): StateMachine<S, A> {
  return {
    objectName,
    table,
    can: (action, current) => table[action].from.includes(current),
    transition(action, current, previous) {
      const t = table[action];
      if (!t.from.includes(current))
        throw new InvalidTransitionError(`an ${objectName}`.replace(/^an ([^aeiou])/, 'a $1'), action, current);
      const to = t.to === 'previous' ? previous : t.to === 'same' ? current : t.to;
      if (!to) throw new InvalidTransitionError(objectName, action, current);
      return { to, event: t.event };
    },
  };
}
