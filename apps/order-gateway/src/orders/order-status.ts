import { CancelReason } from '@orders/events';

export const ORDER_STATUSES = ['CREATED', 'RESERVED', 'PAID', 'CONFIRMED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The order state machine, as data. */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  CREATED: ['RESERVED', 'CANCELLED'],
  RESERVED: ['PAID', 'CANCELLED'],
  PAID: ['CONFIRMED'],
  CONFIRMED: [],
  CANCELLED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

export function isTerminal(status: OrderStatus): boolean {
  return NEXT[status].length === 0;
}

export function isCancellable(status: OrderStatus): boolean {
  return canTransition(status, 'CANCELLED');
}

/**
 * The statuses an order passes through to reach `target`, or null when it cannot
 * (already there, past it, or terminal). Events of different topics can arrive out of
 * order — a PaymentSuccess before the OrderReserved it follows — so CREATED -> PAID
 * goes through RESERVED, as it did in reality. CANCELLED is never a stepping stone.
 */
export function pathTo(from: OrderStatus, target: OrderStatus): OrderStatus[] | null {
  const queue: Array<{ status: OrderStatus; path: OrderStatus[] }> = [{ status: from, path: [] }];
  const seen = new Set<OrderStatus>([from]);
  for (let head = 0; head < queue.length; head++) {
    const { status, path } = queue[head];
    for (const next of NEXT[status]) {
      if (seen.has(next)) continue;
      const nextPath = [...path, next];
      if (next === target) return nextPath;
      if (next === 'CANCELLED') continue;
      seen.add(next);
      queue.push({ status: next, path: nextPath });
    }
  }
  return null;
}

/**
 * Like `pathTo`, but through `via` when the order has not reached it yet: a payment
 * outcome implies the reservation before it, so a PaymentFailed that overtakes its
 * OrderReserved still records CREATED > RESERVED > CANCELLED.
 */
export function pathVia(from: OrderStatus, via: OrderStatus, target: OrderStatus): OrderStatus[] | null {
  const first = pathTo(from, via);
  if (!first) return pathTo(from, target);
  const rest = pathTo(via, target);
  return rest ? [...first, ...rest] : null;
}

export type { CancelReason };
