export const RESERVATION_STATES = ['RESERVED', 'COMMITTED', 'RELEASED'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/**
 * The reservation state machine, as data: a ledger row (one per order and sku) is written
 * RESERVED and moves once, to COMMITTED (paid: the units are sold) or RELEASED (cancelled
 * or expired: the units are available again). The SQL guards below are built from it.
 */
const NEXT: Record<ReservationState, readonly ReservationState[]> = {
  RESERVED: ['COMMITTED', 'RELEASED'],
  COMMITTED: [],
  RELEASED: [],
};

/** The state a reservation is recorded in. */
export const INITIAL_RESERVATION_STATE: ReservationState = 'RESERVED';

export function canTransition(from: ReservationState, to: ReservationState): boolean {
  return NEXT[from].includes(to);
}

/** Open: the reservation still holds its units (it can still move). */
export function isOpen(state: ReservationState): boolean {
  return NEXT[state].length > 0;
}

/** SQL condition on a row's `state`: the row may move to `to`. */
export function sqlMayMoveTo(to: ReservationState): string {
  return sqlStateIn(RESERVATION_STATES.filter((from) => canTransition(from, to)));
}

/** SQL condition on a row's `state`: the reservation is open. */
export const SQL_IS_OPEN = sqlStateIn(RESERVATION_STATES.filter(isOpen));

/** The states are constants of this module, never input: safe to write into SQL. */
function sqlStateIn(states: readonly ReservationState[]): string {
  if (states.length === 0) throw new Error('no reservation state satisfies the condition');
  return `state IN (${states.map((state) => `'${state}'`).join(', ')})`;
}
