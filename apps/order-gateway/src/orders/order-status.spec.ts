import { canTransition, isCancellable, isTerminal, ORDER_STATUSES, OrderStatus, pathTo, pathVia } from './order-status';

describe('order state machine', () => {
  const allowed: Array<[OrderStatus, OrderStatus]> = [
    ['CREATED', 'RESERVED'],
    ['CREATED', 'CANCELLED'],
    ['RESERVED', 'PAID'],
    ['RESERVED', 'CANCELLED'],
    ['PAID', 'CONFIRMED'],
  ];

  it.each(ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as [OrderStatus, OrderStatus])))(
    'allows %s -> %s only when the contract does',
    (from, to) => {
      const expected = allowed.some(([a, b]) => a === from && b === to);
      expect(canTransition(from, to)).toBe(expected);
    },
  );

  it('has exactly two terminal statuses', () => {
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(['CONFIRMED', 'CANCELLED']);
  });

  it('lets only CREATED and RESERVED orders be cancelled', () => {
    expect(ORDER_STATUSES.filter(isCancellable)).toEqual(['CREATED', 'RESERVED']);
  });

  it('passes through RESERVED when a payment outcome arrives before the reservation', () => {
    expect(pathTo('CREATED', 'PAID')).toEqual(['RESERVED', 'PAID']);
    expect(pathTo('CREATED', 'CONFIRMED')).toEqual(['RESERVED', 'PAID', 'CONFIRMED']);
  });

  it('never moves an order backwards or out of a terminal status', () => {
    expect(pathTo('PAID', 'RESERVED')).toBeNull();
    expect(pathTo('RESERVED', 'RESERVED')).toBeNull();
    expect(pathTo('CANCELLED', 'PAID')).toBeNull();
    expect(pathTo('CONFIRMED', 'CANCELLED')).toBeNull();
    expect(pathTo('PAID', 'CANCELLED')).toBeNull();
  });

  it('cancels directly, never through another status', () => {
    expect(pathTo('CREATED', 'CANCELLED')).toEqual(['CANCELLED']);
    expect(pathTo('RESERVED', 'CANCELLED')).toEqual(['CANCELLED']);
  });

  it('records the reservation a payment failure implies, when the failure arrives first', () => {
    expect(pathVia('CREATED', 'RESERVED', 'CANCELLED')).toEqual(['RESERVED', 'CANCELLED']);
    expect(pathVia('RESERVED', 'RESERVED', 'CANCELLED')).toEqual(['CANCELLED']);
    expect(pathVia('CANCELLED', 'RESERVED', 'CANCELLED')).toBeNull();
    expect(pathVia('PAID', 'RESERVED', 'CANCELLED')).toBeNull();
  });
});
