import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createEvent, EnvelopeOf, Services } from '@orders/events';
import {
  afterCommit,
  captureTraceContext,
  currentTraceHeaders,
  EventBatch,
  inSpan,
  MicroBatcher,
  OutboxEntry,
  queryRows,
  SERVICE_CONFIG,
  TraceContext,
  TransactionalEvents,
  withTimeout,
} from '@orders/platform';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { PaymentConfig } from '../config/payment.config';
import { ChargeResult, PAYMENT_PROVIDER, type PaymentProvider } from '../provider/payment-provider';
import { chargesInFlight, paymentOutcomes, providerLatency, recordSettlement } from './payment-metrics';
import { PaymentRow } from './payment-row';

const RECOVERY_INTERVAL_MS = 2_000;

/** A charge's outcome waiting to be recorded, with the trace of the charge that produced it. */
interface Settlement {
  paymentId: string;
  result: ChargeResult;
  trace: Record<string, string>;
}

/**
 * Charges reserved orders through the provider.
 *
 * Taking an order and charging it are separate steps: the consumer only records a
 * PENDING payment (fast, so the partition keeps moving), and charges run here with
 * bounded concurrency. A lease on each PENDING row means that after a crash, or a
 * provider that never answered, another attempt picks it up — never two at once.
 */
@Injectable()
export class PaymentsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PaymentsService.name);
  private readonly inFlight = new Set<string>();
  private readonly waiting: string[] = [];
  /** The trace of the event that queued each charge (the queue runs it in another async context). */
  private readonly traceOf = new Map<string, TraceContext>();
  private recoveryTimer: NodeJS.Timeout | null = null;
  private readonly settlements = new MicroBatcher<Settlement>((batch) => this.settleBatch(batch));
  /** Charges that start together read their payment rows with one statement. */
  private readonly paymentReads = new MicroBatcher<string, PaymentRow | undefined>(async (ids) => {
    const rows = await queryRows<PaymentRow>(this.dataSource, 'SELECT * FROM payments WHERE id = ANY($1::uuid[])', [ids]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: TransactionalEvents,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @Inject(SERVICE_CONFIG) private readonly config: PaymentConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.recoveryTimer = setInterval(() => void this.recoverExpiredLeases(), RECOVERY_INTERVAL_MS);
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
  }

  private get leaseMs(): number {
    return this.config.PAYMENT_PROVIDER_TIMEOUT_MS + 5_000;
  }

  /**
   * OrderReserved, a batch at a time: one insert records the payment of every order (once per
   * order); charging starts once that commits, each charge continuing its order's trace.
   */
  async acceptReservedOrders(batch: EventBatch<EnvelopeOf<'OrderReserved'>>): Promise<void> {
    const paymentIds = batch.events.map(() => randomUUID());
    // ON CONFLICT: a payment (or the tombstone of a cancellation) already exists for the order.
    const inserted = await queryRows<{ id: string }>(
      batch.manager,
      `INSERT INTO payments (id, order_id, user_id, amount_cents, currency, payment_method, status, lease_until)
       SELECT u.id, u.order_id, u.user_id, u.amount_cents, u.currency, u.payment_method, 'PENDING', now() + $7 * interval '1 millisecond'
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::text[]) AS u(id, order_id, user_id, amount_cents, currency, payment_method)
       ON CONFLICT (order_id) DO NOTHING RETURNING id`,
      [
        paymentIds,
        batch.events.map((event) => event.orderId),
        batch.events.map((event) => event.payload.userId),
        batch.events.map((event) => event.payload.totalCents),
        batch.events.map((event) => event.payload.currency),
        batch.events.map((event) => event.payload.paymentMethod ?? null),
        this.leaseMs,
      ],
    );
    const accepted = new Set(inserted.map((row) => row.id));
    const toCharge = batch.events.flatMap((event, index) =>
      accepted.has(paymentIds[index]) ? [{ paymentId: paymentIds[index], trace: batch.traceOf(event) }] : [],
    );
    afterCommit(() => {
      for (const { paymentId, trace } of toCharge) this.schedule(paymentId, trace);
    });
  }

  /** OrderCancelled: stop or undo the charge (per order: cancellations are the rarer path). */
  async voidForCancelledOrders(batch: EventBatch<EnvelopeOf<'OrderCancelled'>>): Promise<void> {
    const { manager } = batch;
    const payments = await queryRows<PaymentRow>(manager, 'SELECT * FROM payments WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE', [
      batch.events.map((event) => event.orderId),
    ]);
    const byOrder = new Map(payments.map((payment) => [payment.order_id, payment]));
    const tombstones = batch.events.filter((event) => !byOrder.has(event.orderId!));
    if (tombstones.length > 0) {
      await manager.query(
        `INSERT INTO payments (id, order_id, amount_cents, status)
         SELECT u.id, u.order_id, 0, 'CANCELLED' FROM unnest($1::uuid[], $2::uuid[]) AS u(id, order_id) ON CONFLICT (order_id) DO NOTHING`,
        [tombstones.map(() => randomUUID()), tombstones.map((event) => event.orderId)],
      );
    }
    // The charge may still be at the provider; if it succeeds, settle() refunds it.
    const pending = payments.filter((payment) => payment.status === 'PENDING').map((payment) => payment.id);
    if (pending.length > 0) await manager.query(`UPDATE payments SET status = 'CANCELLED', updated_at = now() WHERE id = ANY($1::uuid[])`, [pending]);
    for (const event of batch.events) {
      const payment = byOrder.get(event.orderId!);
      if (payment?.status === 'SUCCEEDED') batch.emit(event, await this.refund(manager, payment));
    }
  }

  private schedule(paymentId: string, trace: TraceContext = captureTraceContext()): void {
    if (this.inFlight.has(paymentId) || this.traceOf.has(paymentId)) return;
    this.waiting.push(paymentId);
    this.traceOf.set(paymentId, trace);
    this.drain();
  }

  private drain(): void {
    while (!this.stopping && this.inFlight.size < this.config.PAYMENT_CONCURRENCY && this.waiting.length > 0) {
      const paymentId = this.waiting.shift()!;
      this.inFlight.add(paymentId);
      chargesInFlight.set(this.inFlight.size);
      const trace = this.traceOf.get(paymentId);
      this.traceOf.delete(paymentId);
      void inSpan(Services.PaymentService, 'ProcessPayment', () => this.charge(paymentId), { 'payment.id': paymentId }, trace)
        .catch((error) => this.logger.warn({ payment_id: paymentId, err: error }, 'charge failed; its lease will expire and it is retried'))
        .finally(() => {
          this.inFlight.delete(paymentId);
          chargesInFlight.set(this.inFlight.size);
          this.drain();
        });
    }
  }

  private async charge(paymentId: string): Promise<void> {
    const payment = await this.paymentReads.submit(paymentId);
    if (!payment || payment.status !== 'PENDING') return;
    const stopTimer = providerLatency.startTimer();
    let result: ChargeResult;
    try {
      result = await withTimeout(
        this.provider.charge({
          paymentId,
          amountCents: Number(payment.amount_cents),
          currency: payment.currency,
          paymentMethod: payment.payment_method ?? undefined,
        }),
        this.config.PAYMENT_PROVIDER_TIMEOUT_MS,
        'payment provider',
      );
      stopTimer({ outcome: result.approved ? 'approved' : 'declined' });
    } catch (error) {
      stopTimer({ outcome: 'no_answer' });
      paymentOutcomes.inc({ outcome: 'no_answer' });
      // Outcome unknown: the payment stays PENDING and is tried again when its lease expires.
      this.logger.warn({ order_id: payment.order_id, payment_id: paymentId }, `provider did not answer: ${(error as Error).message}`);
      return;
    }
    await this.settle(paymentId, result);
  }

  /**
   * Records a charge's outcome and emits its event. Outcomes that arrive together (charges run
   * concurrently) are settled together: one lock statement, one update per outcome kind, one
   * outbox insert and one commit for the batch; the caller's promise resolves after it.
   */
  private settle(paymentId: string, result: ChargeResult): Promise<void> {
    // Captured in the charge's ProcessPayment span: the event continues the order's trace.
    return this.settlements.submit({ paymentId, result, trace: currentTraceHeaders() });
  }

  private async settleBatch(settlements: Settlement[]): Promise<void[]> {
    await this.events.runTraced(async (manager) => {
      const rows = await queryRows<PaymentRow>(manager, 'SELECT * FROM payments WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [
        settlements.map((settlement) => settlement.paymentId),
      ]);
      const byId = new Map(rows.map((payment) => [payment.id, payment]));
      const succeeded: Array<{ id: string; providerTxId: string }> = [];
      const failed: Array<{ id: string; reason: string }> = [];
      const entries: OutboxEntry[] = [];
      for (const { paymentId, result, trace } of settlements) {
        const payment = byId.get(paymentId);
        if (!payment) continue;
        const amountCents = Number(payment.amount_cents);
        const orderId = payment.order_id;
        if (payment.status === 'PENDING') {
          afterCommit(() => recordSettlement(result.approved));
          if (result.approved) {
            succeeded.push({ id: paymentId, providerTxId: result.providerTxId });
            entries.push({
              event: createEvent('PaymentSuccess', { orderId, payload: { paymentId, amountCents, currency: 'USD', providerTxId: result.providerTxId } }),
              trace,
            });
          } else {
            failed.push({ id: paymentId, reason: result.reason });
            entries.push({ event: createEvent('PaymentFailed', { orderId, payload: { paymentId, amountCents, reason: result.reason } }), trace });
          }
        } else if (payment.status === 'CANCELLED' && result.approved) {
          // The order was cancelled while the provider was charging: the money goes back.
          await manager.query(`UPDATE payments SET provider_tx_id = $2 WHERE id = $1`, [paymentId, result.providerTxId]);
          entries.push({
            event: createEvent('PaymentSuccess', { orderId, payload: { paymentId, amountCents, currency: 'USD', providerTxId: result.providerTxId } }),
            trace,
          });
          entries.push({ event: await this.refund(manager, { ...payment, provider_tx_id: result.providerTxId }), trace });
        }
      }
      if (succeeded.length > 0) {
        await manager.query(
          `UPDATE payments p SET status = 'SUCCEEDED', provider_tx_id = u.tx, updated_at = now()
             FROM unnest($1::uuid[], $2::text[]) AS u(id, tx) WHERE p.id = u.id`,
          [succeeded.map((row) => row.id), succeeded.map((row) => row.providerTxId)],
        );
      }
      if (failed.length > 0) {
        await manager.query(
          `UPDATE payments p SET status = 'FAILED', failure_reason = u.reason, updated_at = now()
             FROM unnest($1::uuid[], $2::text[]) AS u(id, reason) WHERE p.id = u.id`,
          [failed.map((row) => row.id), failed.map((row) => row.reason)],
        );
      }
      return entries;
    });
    return settlements.map(() => undefined);
  }

  private async refund(manager: EntityManager, payment: PaymentRow): Promise<EnvelopeOf<'PaymentRefunded'>> {
    const amountCents = Number(payment.amount_cents);
    const { refundId } = await this.provider.refund(payment.provider_tx_id!, amountCents);
    await manager.query(`UPDATE payments SET status = 'REFUNDED', refund_id = $2, updated_at = now() WHERE id = $1`, [payment.id, refundId]);
    afterCommit(() => paymentOutcomes.inc({ outcome: 'refunded' }));
    this.logger.log({ order_id: payment.order_id, payment_id: payment.id }, 'payment refunded: the order was cancelled');
    return createEvent('PaymentRefunded', { orderId: payment.order_id, payload: { paymentId: payment.id, amountCents, refundId } });
  }

  /** Picks up PENDING payments whose attempt died with its process or got no answer. */
  private async recoverExpiredLeases(): Promise<void> {
    if (this.stopping) return;
    try {
      const rows = await queryRows<{ id: string }>(
        this.dataSource,
        `UPDATE payments SET lease_until = now() + $1 * interval '1 millisecond', attempts = attempts + 1
          WHERE id IN (SELECT id FROM payments WHERE status = 'PENDING' AND lease_until < now()
                        ORDER BY lease_until LIMIT 100 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [this.leaseMs],
      );
      for (const row of rows) this.schedule(row.id);
    } catch (error) {
      this.logger.warn(`payment recovery skipped: ${(error as Error).message}`);
    }
  }
}
