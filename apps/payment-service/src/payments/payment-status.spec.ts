import { canTransition, nextStatus, PAYMENT_STATUSES, PAYMENT_TRIGGERS, PaymentStatus, PaymentTrigger, statusesBefore } from './payment-status';

describe('payment state machine', () => {
  const moves: Array<[PaymentStatus, PaymentTrigger, PaymentStatus]> = [
    ['PENDING', 'chargeApproved', 'SUCCEEDED'],
    ['PENDING', 'chargeDeclined', 'FAILED'],
    ['PENDING', 'orderCancelled', 'CANCELLED'],
    ['SUCCEEDED', 'orderCancelled', 'REFUNDING'],
    ['CANCELLED', 'chargeApproved', 'REFUNDING'],
    ['REFUNDING', 'refundIssued', 'REFUNDED'],
  ];

  it.each(PAYMENT_STATUSES.flatMap((from) => PAYMENT_STATUSES.map((to) => [from, to] as [PaymentStatus, PaymentStatus])))(
    'allows %s -> %s only when a trigger leads there',
    (from, to) => {
      const expected = moves.some(([a, , b]) => a === from && b === to);
      expect(canTransition(from, to)).toBe(expected);
    },
  );

  it.each(PAYMENT_STATUSES.flatMap((from) => PAYMENT_TRIGGERS.map((trigger) => [from, trigger] as [PaymentStatus, PaymentTrigger])))(
    'takes a %s payment on %s only where the table says',
    (from, trigger) => {
      const expected = moves.find(([a, t]) => a === from && t === trigger)?.[2] ?? null;
      expect(nextStatus(from, trigger)).toBe(expected);
    },
  );

  it('never charges or refunds a payment whose order was cancelled before it was charged', () => {
    expect(nextStatus('CANCELLED', 'orderCancelled')).toBeNull();
    expect(nextStatus('CANCELLED', 'chargeDeclined')).toBeNull();
    expect(nextStatus('CANCELLED', 'refundIssued')).toBeNull();
  });

  it('has exactly two terminal statuses: FAILED and REFUNDED', () => {
    const terminal = PAYMENT_STATUSES.filter((from) => PAYMENT_STATUSES.every((to) => !canTransition(from, to)));
    expect(terminal).toEqual(['FAILED', 'REFUNDED']);
  });

  it('guards each move in SQL with exactly the statuses it may come from', () => {
    expect(statusesBefore('SUCCEEDED')).toEqual(['PENDING']);
    expect(statusesBefore('FAILED')).toEqual(['PENDING']);
    expect(statusesBefore('CANCELLED')).toEqual(['PENDING']);
    expect(statusesBefore('REFUNDING')).toEqual(['SUCCEEDED', 'CANCELLED']);
    expect(statusesBefore('REFUNDED')).toEqual(['REFUNDING']);
    expect(statusesBefore('PENDING')).toEqual([]);
  });
});
