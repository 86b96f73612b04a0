import { Injectable, Logger } from '@nestjs/common';
import { CancelReason, createEvent, EventEnvelope } from '@orders/events';
import { afterCommit } from '@orders/platform';
import { EntityManager } from 'typeorm';
import { orderSettleSeconds, recordTransition } from './order-metrics';
import { isTerminal, OrderStatus, pathTo, pathVia } from './order-status';

export interface LockedOrder {
  id: string;
  user_id: string;
  status: OrderStatus;
  total_cents: string;
  created_at: Date;
}

export interface TransitionCause {
  reason?: CancelReason;
  /** A status the order must have passed first (recorded if the event overtook it). */
  via?: OrderStatus;
  /** For OrderPaid: the payment that paid the order. */
  payment?: { paymentId: string; amountCents: number };
}

/**
 * Moves a locked order along the state machine, records every step in its history
 * and returns the events the move publishes. Null when the move is not allowed
 * (already there, past it, or terminal): callers treat that as "nothing to do".
 */
@Injectable()
export class OrderTransitions {
  private readonly logger = new Logger(OrderTransitions.name);

  async lock(manager: EntityManager, orderId: string): Promise<LockedOrder | undefined> {
    const [order]: LockedOrder[] = await manager.query('SELECT id, user_id, status, total_cents, created_at FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
    return order;
  }

  async move(manager: EntityManager, order: LockedOrder, target: OrderStatus, cause: TransitionCause = {}): Promise<EventEnvelope[] | null> {
    const path = cause.via ? pathVia(order.status, cause.via, target) : pathTo(order.status, target);
    if (!path) return null;
    // One clock for the history entries and the row's timestamps: this process's. Postgres's
    // now() is the transaction's start, earlier than `at`, so updatedAt could precede the last
    // history[].at by the transaction's length.
    const at = new Date().toISOString();
    const reason = target === 'CANCELLED' ? (cause.reason ?? null) : null;
    await manager.query(
      `UPDATE orders SET status = $2, cancel_reason = $3, history = history || $4::jsonb,
              status_changed_at = $5::timestamptz, updated_at = $5::timestamptz
        WHERE id = $1`,
      [order.id, target, reason, JSON.stringify(path.map((status) => ({ status, at }))), at],
    );
    afterCommit(() => {
      for (const status of path) recordTransition(status, status === 'CANCELLED' ? reason : null);
      if (isTerminal(target)) orderSettleSeconds.observe({ status: target }, (Date.now() - order.created_at.getTime()) / 1000);
    });
    this.logger.log({ order_id: order.id, from: order.status, to: target, reason }, `order ${order.status} -> ${target}`);
    return this.eventsFor(order, target, reason, cause);
  }

  private eventsFor(order: LockedOrder, target: OrderStatus, reason: CancelReason | null, cause: TransitionCause): EventEnvelope[] {
    const orderId = order.id;
    switch (target) {
      case 'PAID':
        return [createEvent('OrderPaid', { orderId, payload: cause.payment ?? { paymentId: 'unknown', amountCents: Number(order.total_cents) } })];
      case 'CONFIRMED':
        return [createEvent('OrderConfirmed', { orderId, payload: { totalCents: Number(order.total_cents) } })];
      case 'CANCELLED':
        return [createEvent('OrderCancelled', { orderId, payload: { reason: reason ?? 'USER_CANCELLED', previousStatus: order.status } })];
      default:
        // RESERVED is announced by inventory's OrderReserved; the gateway only records it.
        return [];
    }
  }
}
