import { canTransition, INITIAL_RESERVATION_STATE, isOpen, RESERVATION_STATES, ReservationState, SQL_IS_OPEN, sqlMayMoveTo } from './reservation-status';

describe('reservation state machine', () => {
  const allowed: Array<[ReservationState, ReservationState]> = [
    ['RESERVED', 'COMMITTED'],
    ['RESERVED', 'RELEASED'],
  ];

  it.each(RESERVATION_STATES.flatMap((from) => RESERVATION_STATES.map((to) => [from, to] as [ReservationState, ReservationState])))(
    'allows %s -> %s only when the ledger does',
    (from, to) => {
      const expected = allowed.some(([a, b]) => a === from && b === to);
      expect(canTransition(from, to)).toBe(expected);
    },
  );

  it('records a reservation as RESERVED, the only open state', () => {
    expect(INITIAL_RESERVATION_STATE).toBe('RESERVED');
    expect(RESERVATION_STATES.filter(isOpen)).toEqual(['RESERVED']);
  });

  it('guards the SQL with the states the table allows', () => {
    expect(sqlMayMoveTo('COMMITTED')).toBe("state IN ('RESERVED')");
    expect(sqlMayMoveTo('RELEASED')).toBe("state IN ('RESERVED')");
    expect(SQL_IS_OPEN).toBe("state IN ('RESERVED')");
  });

  it('refuses to build a guard no row could pass', () => {
    expect(() => sqlMayMoveTo('RESERVED')).toThrow('no reservation state');
  });
});
