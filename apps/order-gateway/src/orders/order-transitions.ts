import { Injectable, Logger } from '@nestjs/common';
import { CancelReason, createEvent, EventEnvelope } from '@orders/events';
import { queryRows } from '@orders/platform-database';
import { afterCommit } from '@orders/platform-messaging';
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

/** One requested move of a batch: an order, where it should go, and why. */
export interface MoveRequest {
  orderId: string;
  target: OrderStatus;
  cause?: TransitionCause;
}

/** What came of one MoveRequest: moved (with the events to publish), not allowed, or no such order. */
export type MoveOutcome = { kind: 'moved'; from: OrderStatus; events: EventEnvelope[] } | { kind: 'ignored'; status: OrderStatus } | { kind: 'unknown' };

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
    const [order] = await queryRows<LockedOrder | undefined>(
      manager,
      'SELECT id, user_id, status, total_cents, created_at FROM orders WHERE id = $1 FOR UPDATE',
      [orderId],
    );
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
    await queryRows(
      manager,
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

  /**
   * The batch form of lock + move: locks every order of the batch in one statement (in id
   * order, so two batches cannot deadlock on each other), asks the state machine about each
   * request in order, and writes every allowed move in one UPDATE. Requests for one order are
   * applied one after the other against its status so far.
   */
  async moveMany(manager: EntityManager, requests: readonly MoveRequest[]): Promise<MoveOutcome[]> {
    if (requests.length === 0) return [];
    const ids = [...new Set(requests.map((request) => request.orderId))].sort();
    const locked = await queryRows<LockedOrder>(
      manager,
      'SELECT id, user_id, status, total_cents, created_at FROM orders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [ids],
    );
    const orders = new Map(locked.map((order) => [order.id, { ...order }]));
    const at = new Date().toISOString();
    const writes = new Map<string, { status: OrderStatus; reason: CancelReason | null; history: Array<{ status: OrderStatus; at: string }> }>();
    const settled: Array<{ path: OrderStatus[]; reason: CancelReason | null; target: OrderStatus; createdAt: Date }> = [];
    const outcomes = requests.map((request): MoveOutcome => {
      const order = orders.get(request.orderId);
      if (!order) return { kind: 'unknown' };
      const cause = request.cause ?? {};
      const path = cause.via ? pathVia(order.status, cause.via, request.target) : pathTo(order.status, request.target);
      if (!path) return { kind: 'ignored', status: order.status };
      const reason = request.target === 'CANCELLED' ? (cause.reason ?? null) : null;
      const write = writes.get(order.id) ?? { status: order.status, reason: null, history: [] };
      write.status = request.target;
      write.reason = reason;
      write.history.push(...path.map((status) => ({ status, at })));
      writes.set(order.id, write);
      settled.push({ path, reason, target: request.target, createdAt: order.created_at });
      const from = order.status;
      const events = this.eventsFor({ ...order }, request.target, reason, cause);
      order.status = request.target;
      return { kind: 'moved', from, events };
    });
    if (writes.size > 0) {
      const rows = [...writes];
      // updated_at on the same clock as history[].at (this process's), like `move`.
      await queryRows(
        manager,
        `UPDATE orders o SET status = u.status, cancel_reason = u.reason, history = o.history || u.history,
                status_changed_at = $5::timestamptz, updated_at = $5::timestamptz
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[]) AS u(id, status, reason, history)
          WHERE o.id = u.id`,
        [
          rows.map(([id]) => id),
          rows.map(([, write]) => write.status),
          rows.map(([, write]) => write.reason),
          rows.map(([, write]) => JSON.stringify(write.history)),
          at,
        ],
      );
    }
    afterCommit(() => {
      for (const { path, reason, target, createdAt } of settled) {
        for (const status of path) recordTransition(status, status === 'CANCELLED' ? reason : null);
        if (isTerminal(target)) orderSettleSeconds.observe({ status: target }, (Date.now() - createdAt.getTime()) / 1000);
      }
    });
    return outcomes;
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
