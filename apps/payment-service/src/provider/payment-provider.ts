import { isPaymentMethod, PaymentMethod } from '@orders/events';
import { randomUUID } from 'node:crypto';

interface ChargeRequest {
  paymentId: string;
  amountCents: number;
  currency: string;
  paymentMethod?: string;
}

export type ChargeResult = { approved: true; providerTxId: string } | { approved: false; reason: string };

/** The external payment provider, as the payment service sees it. */
export interface PaymentProvider {
  /** Idempotent per paymentId, like a real provider's idempotency key. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Idempotent per providerTxId: a refund tried again (its answer was lost) is made once. */
  refund(providerTxId: string, amountCents: number): Promise<{ refundId: string }>;
}

export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');

/** Test payment methods, like a provider's test cards (contract, "Payment"). */
const TestPaymentMethods = {
  AlwaysSucceeds: 'pm_card_ok',
  AlwaysDeclines: 'pm_card_declined',
  NeverAnswers: 'pm_card_timeout',
} as const satisfies Record<string, PaymentMethod>;

interface MockProviderSettings {
  successRate: number;
  delayMinMs: number;
  delayMaxMs: number;
  random?: () => number;
}

/**
 * The one mock of the platform, by design: a provider with a configurable approval
 * rate and latency. `pm_card_timeout` never answers.
 */
export class MockPaymentProvider implements PaymentProvider {
  private readonly random: () => number;

  constructor(private readonly settings: MockProviderSettings) {
    this.random = settings.random ?? Math.random;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    if (request.paymentMethod === TestPaymentMethods.NeverAnswers) return new Promise<never>(() => undefined);
    // The gateway refuses other methods; one that still arrives (an event from before) is never charged.
    if (request.paymentMethod !== undefined && !isPaymentMethod(request.paymentMethod)) return { approved: false, reason: 'unsupported_payment_method' };
    await this.delay();
    const approved =
      request.paymentMethod === TestPaymentMethods.AlwaysSucceeds ||
      (request.paymentMethod !== TestPaymentMethods.AlwaysDeclines && this.random() < this.settings.successRate);
    return approved ? { approved: true, providerTxId: `tx_${randomUUID()}` } : { approved: false, reason: 'card_declined' };
  }

  refund(_providerTxId: string, _amountCents: number): Promise<{ refundId: string }> {
    return Promise.resolve({ refundId: `re_${randomUUID()}` });
  }

  private delay(): Promise<void> {
    const { delayMinMs, delayMaxMs } = this.settings;
    const ms = delayMinMs + Math.floor(this.random() * (delayMaxMs - delayMinMs + 1));
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }
}
