import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Currency } from '@orders/events';
import { MicroBatcher } from '@orders/platform-async';
import { queryRows } from '@orders/platform-database';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { PaymentConfig } from '../config/payment.config';
import { CHARGE_OWED, PaymentStatus, REFUND_OWED, statusesBefore } from './payment-status';

export interface PaymentRow {
  id: string;
  order_id: string;
  amount_cents: string;
  /** Written only from OrderReserved, whose contract admits nothing else (tombstones keep the default). */
  currency: Currency;
  payment_method: string | null;
  status: PaymentStatus;
  provider_tx_id: string | null;
}

/** A payment to charge, from the OrderReserved of its order. */
export interface NewPayment {
  id: string;
  orderId: string;
  userId: string;
  amountCents: number;
  currency: Currency;
  paymentMethod: string | null;
}

/** One payment's move to status `to`, with the columns it sets (those left out keep their values). */
export interface PaymentMove {
  id: string;
  to: PaymentStatus;
  providerTxId?: string;
  failureReason?: string;
  refundId?: string;
}

/**
 * All SQL of the payments table. Moves are guarded by the state machine: a payment moves to a
 * status only from one that allows it. A payment that waits for the provider (a charge or a
 * refund owed) holds a lease: the provider's timeout plus a margin.
 */
@Injectable()
export class PaymentStore {
  private readonly leaseMs: number;
  /** Charges that start together read their payment rows with one statement. */
  private readonly reads = new MicroBatcher<string, PaymentRow | undefined>(async (ids) => {
    const rows = await queryRows<PaymentRow>(this.dataSource, 'SELECT * FROM payments WHERE id = ANY($1::uuid[])', [ids]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: PaymentConfig,
  ) {
    this.leaseMs = config.PAYMENT_PROVIDER_TIMEOUT_MS + 5_000;
  }

  find(paymentId: string): Promise<PaymentRow | undefined> {
    return this.reads.submit(paymentId);
  }

  /** Records PENDING payments, leased; returns the ids inserted (an order that has a payment, or its tombstone, keeps it). */
  async insertPending(manager: EntityManager, payments: readonly NewPayment[]): Promise<Set<string>> {
    const inserted = await queryRows<{ id: string }>(
      manager,
      `INSERT INTO payments (id, order_id, user_id, amount_cents, currency, payment_method, status, lease_until)
       SELECT u.id, u.order_id, u.user_id, u.amount_cents, u.currency, u.payment_method, $7::text, now() + $8 * interval '1 millisecond'
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::text[]) AS u(id, order_id, user_id, amount_cents, currency, payment_method)
       ON CONFLICT (order_id) DO NOTHING RETURNING id`,
      [
        payments.map((payment) => payment.id),
        payments.map((payment) => payment.orderId),
        payments.map((payment) => payment.userId),
        payments.map((payment) => payment.amountCents),
        payments.map((payment) => payment.currency),
        payments.map((payment) => payment.paymentMethod),
        CHARGE_OWED,
        this.leaseMs,
      ],
    );
    return new Set(inserted.map((row) => row.id));
  }

  /** Records that these orders were cancelled before any payment: a late OrderReserved charges nothing. */
  async insertTombstones(manager: EntityManager, orderIds: readonly string[]): Promise<void> {
    await queryRows(
      manager,
      `INSERT INTO payments (id, order_id, amount_cents, status)
       SELECT u.id, u.order_id, 0, $3::text FROM unnest($1::uuid[], $2::uuid[]) AS u(id, order_id) ON CONFLICT (order_id) DO NOTHING`,
      [orderIds.map(() => randomUUID()), orderIds, 'CANCELLED' satisfies PaymentStatus],
    );
  }

  /** Locks the payments of these orders (in order id order, so two batches cannot deadlock). */
  lockByOrder(manager: EntityManager, orderIds: readonly string[]): Promise<PaymentRow[]> {
    return queryRows<PaymentRow>(manager, 'SELECT * FROM payments WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE', [orderIds]);
  }

  /** Locks these payments (in id order, so two batches cannot deadlock). */
  lockByIds(manager: EntityManager, paymentIds: readonly string[]): Promise<PaymentRow[]> {
    return queryRows<PaymentRow>(manager, 'SELECT * FROM payments WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [paymentIds]);
  }

  /**
   * Moves payments, one statement per status reached, each payment only from a status the state
   * machine allows; a move to a status that owes a provider call takes a fresh lease.
   */
  async move(manager: EntityManager, moves: readonly PaymentMove[]): Promise<void> {
    for (const to of new Set(moves.map((move) => move.to))) {
      await this.moveTo(
        manager,
        to,
        moves.filter((move) => move.to === to),
      );
    }
  }

  private async moveTo(manager: EntityManager, to: PaymentStatus, moves: readonly PaymentMove[]): Promise<void> {
    const leaseMs = to === CHARGE_OWED || to === REFUND_OWED ? this.leaseMs : null;
    await queryRows(
      manager,
      `UPDATE payments p
          SET status = $5, provider_tx_id = coalesce(u.provider_tx_id, p.provider_tx_id),
              failure_reason = coalesce(u.failure_reason, p.failure_reason), refund_id = coalesce(u.refund_id, p.refund_id),
              lease_until = coalesce(now() + $7::integer * interval '1 millisecond', p.lease_until), updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(id, provider_tx_id, failure_reason, refund_id)
        WHERE p.id = u.id AND p.status = ANY($6::text[])`,
      [
        moves.map((move) => move.id),
        moves.map((move) => move.providerTxId ?? null),
        moves.map((move) => move.failureReason ?? null),
        moves.map((move) => move.refundId ?? null),
        to,
        statusesBefore(to),
        leaseMs,
      ],
    );
  }

  /**
   * Takes over up to 100 payments in `status` whose lease expired (the attempt died with its
   * process, or the provider never answered): a new lease, one more attempt. Returns their ids.
   */
  async claimExpiredLeases(status: typeof CHARGE_OWED | typeof REFUND_OWED): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `UPDATE payments SET lease_until = now() + $1 * interval '1 millisecond', attempts = attempts + 1
        WHERE id IN (SELECT id FROM payments WHERE status = $2 AND lease_until < now()
                      ORDER BY lease_until LIMIT 100 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [this.leaseMs, status],
    );
    return rows.map((row) => row.id);
  }
}
