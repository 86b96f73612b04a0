export const PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'REFUNDING', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** What happens to a payment: the provider's answers, and the cancellation of its order. */
export const PAYMENT_TRIGGERS = ['chargeApproved', 'chargeDeclined', 'orderCancelled', 'refundIssued'] as const;
export type PaymentTrigger = (typeof PAYMENT_TRIGGERS)[number];

/**
 * The payment state machine, as data: where each trigger takes a payment in each status
 * (absent: the trigger changes nothing). A payment starts PENDING, or CANCELLED when its
 * order was cancelled before the reservation arrived (a tombstone: it is never charged).
 */
const NEXT: Record<PaymentStatus, Partial<Record<PaymentTrigger, PaymentStatus>>> = {
  PENDING: { chargeApproved: 'SUCCEEDED', chargeDeclined: 'FAILED', orderCancelled: 'CANCELLED' },
  // Paid, then the order was cancelled (the payment timed out at the gateway): the money goes back.
  SUCCEEDED: { orderCancelled: 'REFUNDING' },
  FAILED: {},
  // Cancelled while the provider was charging, and the charge went through: the money goes back.
  CANCELLED: { chargeApproved: 'REFUNDING' },
  REFUNDING: { refundIssued: 'REFUNDED' },
  REFUNDED: {},
};

/**
 * The statuses that wait for a call to the provider, under a lease: the attempt that holds
 * it makes the call; when the lease expires (a crash, no answer) another attempt does.
 */
export const CHARGE_OWED = 'PENDING' satisfies PaymentStatus;
export const REFUND_OWED = 'REFUNDING' satisfies PaymentStatus;

/** Where `trigger` takes a payment in status `from`, or null when it changes nothing. */
export function nextStatus(from: PaymentStatus, trigger: PaymentTrigger): PaymentStatus | null {
  return NEXT[from][trigger] ?? null;
}

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return Object.values(NEXT[from]).includes(to);
}

/** The statuses a payment may reach `to` from: the guard of the SQL that moves payments to `to`. */
export function statusesBefore(to: PaymentStatus): PaymentStatus[] {
  return PAYMENT_STATUSES.filter((from) => canTransition(from, to));
}
