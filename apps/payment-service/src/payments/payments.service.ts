import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EnvelopeOf, orderIdOf } from '@orders/events';
import { afterCommit, EventBatch, OutboxEntry, TransactionalEvents } from '@orders/platform-messaging';
import { captureTraceContext, currentTraceHeaders, TraceContext } from '@orders/platform-observability';
import { MicroBatcher, withTimeout } from '@orders/platform-async';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { randomUUID } from 'node:crypto';
import { PaymentConfig } from '../config/payment.config';
import { ChargeResult, PAYMENT_PROVIDER, type PaymentProvider } from '../provider/payment-provider';
import { paymentOutcomes, providerLatency, recordSettlement } from './payment-metrics';
import { ProviderAnswer, settlementOf } from './payment-settlement';
import { CHARGE_OWED, nextStatus, REFUND_OWED } from './payment-status';
import { NewPayment, PaymentMove, PaymentRow, PaymentStore } from './payment-store';
import { ProviderCall, ProviderCalls } from './provider-calls';

const RECOVERY_INTERVAL_MS = 2_000;

/** A provider's answer waiting to be recorded, with the trace of the call that produced it. */
interface ReceivedAnswer {
  paymentId: string;
  answer: ProviderAnswer;
  /** For the events it publishes. */
  trace: Record<string, string>;
  /** For the refund it may owe. */
  context: TraceContext;
}

/**
 * Charges reserved orders through the provider, and refunds them when their order is cancelled.
 *
 * Recording what the provider must do and doing it are separate steps: a consumer only records
 * a payment that owes a charge (PENDING) or a refund (REFUNDING), fast, so the partition keeps
 * moving and no row lock is held across a provider call; the calls run here with bounded
 * concurrency, and their answers are recorded in short transactions of their own. A lease on
 * each row that owes a call means that after a crash, or a provider that never answered,
 * another attempt picks it up — never two at once.
 */
@Injectable()
export class PaymentsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PaymentsService.name);
  private readonly calls: ProviderCalls;
  private readonly answers = new MicroBatcher<ReceivedAnswer>((answers) => this.recordAnswers(answers));
  private recoveryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: PaymentStore,
    private readonly events: TransactionalEvents,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @Inject(SERVICE_CONFIG) private readonly config: PaymentConfig,
  ) {
    this.calls = new ProviderCalls(config.PAYMENT_CONCURRENCY);
  }

  onApplicationBootstrap(): void {
    this.recoveryTimer = setInterval(() => void this.recoverExpiredLeases(), RECOVERY_INTERVAL_MS);
  }

  beforeApplicationShutdown(): void {
    this.calls.stop();
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
  }

  /**
   * OrderReserved, a batch at a time: one insert records the payment of every order (once per
   * order); charging starts once that commits, each charge continuing its order's trace.
   */
  async acceptReservedOrders(batch: EventBatch<EnvelopeOf<'OrderReserved'>>): Promise<void> {
    const payments = batch.events.map((event): NewPayment => ({
      id: randomUUID(),
      orderId: orderIdOf(event),
      userId: event.payload.userId,
      amountCents: event.payload.totalCents,
      currency: event.payload.currency,
      paymentMethod: event.payload.paymentMethod ?? null,
    }));
    const accepted = await this.store.insertPending(batch.manager, payments);
    const charges = batch.events.flatMap((event, index) =>
      accepted.has(payments[index].id) ? [{ paymentId: payments[index].id, trace: batch.traceOf(event) }] : [],
    );
    afterCommit(() => {
      for (const { paymentId, trace } of charges) this.calls.enqueue(this.chargeCall(paymentId), trace);
    });
  }

  /**
   * OrderCancelled: a payment still PENDING is cancelled (its charge may be at the provider: if
   * it goes through, the answer owes a refund); a payment that succeeded owes a refund, made
   * once this commits. An order without a payment gets a tombstone.
   */
  async voidForCancelledOrders(batch: EventBatch<EnvelopeOf<'OrderCancelled'>>): Promise<void> {
    const { manager } = batch;
    const orderIds = batch.events.map((event) => orderIdOf(event));
    const payments = await this.store.lockByOrder(manager, orderIds);
    const byOrder = new Map(payments.map((payment) => [payment.order_id, payment]));
    const unpaid = orderIds.filter((orderId) => !byOrder.has(orderId));
    if (unpaid.length > 0) await this.store.insertTombstones(manager, unpaid);
    const moves: PaymentMove[] = [];
    const refunds: Array<{ paymentId: string; trace: TraceContext }> = [];
    for (const [index, event] of batch.events.entries()) {
      const payment = byOrder.get(orderIds[index]);
      const to = payment && nextStatus(payment.status, 'orderCancelled');
      if (!payment || !to) continue;
      moves.push({ id: payment.id, to });
      if (to === REFUND_OWED) refunds.push({ paymentId: payment.id, trace: batch.traceOf(event) });
    }
    await this.store.move(manager, moves);
    afterCommit(() => {
      for (const { paymentId, trace } of refunds) this.calls.enqueue(this.refundCall(paymentId), trace);
    });
  }

  /** Takes over the payments whose call died with its process or got no answer. */
  async recoverExpiredLeases(): Promise<void> {
    try {
      for (const paymentId of await this.store.claimExpiredLeases(CHARGE_OWED)) this.calls.enqueue(this.chargeCall(paymentId));
      for (const paymentId of await this.store.claimExpiredLeases(REFUND_OWED)) this.calls.enqueue(this.refundCall(paymentId));
    } catch (error) {
      this.logger.warn(`payment recovery skipped: ${(error as Error).message}`);
    }
  }

  private chargeCall(paymentId: string): ProviderCall {
    return { kind: 'charge', paymentId, run: () => this.charge(paymentId) };
  }

  private refundCall(paymentId: string): ProviderCall {
    return { kind: 'refund', paymentId, run: () => this.refund(paymentId) };
  }

  private async charge(paymentId: string): Promise<void> {
    const payment = await this.store.find(paymentId);
    if (payment?.status !== CHARGE_OWED) return;
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
    await this.record(paymentId, { kind: 'charge', result });
  }

  /** Like the charge: the provider is called with no row locked; no answer, and the lease expiry retries it. */
  private async refund(paymentId: string): Promise<void> {
    const payment = await this.store.find(paymentId);
    if (payment?.status !== REFUND_OWED || !payment.provider_tx_id) return;
    const { refundId } = await withTimeout(
      this.provider.refund(payment.provider_tx_id, Number(payment.amount_cents)),
      this.config.PAYMENT_PROVIDER_TIMEOUT_MS,
      'payment provider',
    );
    await this.record(paymentId, { kind: 'refund', refundId });
  }

  /**
   * Records a provider's answer and publishes its event. Answers that arrive together (calls
   * run concurrently) are recorded together: one lock statement, one update per status reached,
   * one outbox insert and one commit for the batch; the caller's promise resolves after it.
   */
  private record(paymentId: string, answer: ProviderAnswer): Promise<void> {
    // Captured in the call's span: the event, and a refund the answer owes, continue the order's trace.
    return this.answers.submit({ paymentId, answer, trace: currentTraceHeaders(), context: captureTraceContext() });
  }

  private async recordAnswers(answers: ReceivedAnswer[]): Promise<undefined[]> {
    await this.events.runTraced(async (manager) => {
      const locked = await this.store.lockByIds(
        manager,
        answers.map((received) => received.paymentId),
      );
      const byId = new Map(locked.map((payment) => [payment.id, payment]));
      const moves: PaymentMove[] = [];
      const entries: OutboxEntry[] = [];
      for (const { paymentId, answer, trace, context } of answers) {
        const payment = byId.get(paymentId);
        const settlement = payment && settlementOf(payment, answer);
        if (!payment || !settlement) continue;
        moves.push(settlement.move);
        entries.push({ event: settlement.event, trace });
        afterCommit(() => {
          this.recorded(payment, answer, settlement.move, context);
        });
      }
      await this.store.move(manager, moves);
      return entries;
    });
    return answers.map(() => undefined);
  }

  /** Once an answer is committed: its metrics, and the refund it may owe. */
  private recorded(payment: PaymentRow, answer: ProviderAnswer, move: PaymentMove, context: TraceContext): void {
    if (answer.kind === 'refund') {
      paymentOutcomes.inc({ outcome: 'refunded' });
      this.logger.log({ order_id: payment.order_id, payment_id: payment.id }, 'payment refunded: the order was cancelled');
      return;
    }
    if (payment.status === CHARGE_OWED) recordSettlement(answer.result.approved);
    // The order was cancelled while the provider was charging, and the charge went through.
    if (move.to === REFUND_OWED) this.calls.enqueue(this.refundCall(payment.id), context);
  }
}
