import { Logger } from '@nestjs/common';
import { Services } from '@orders/events';
import { captureTraceContext, inSpan, TraceContext } from '@orders/platform-observability';
import { chargesInFlight } from './payment-metrics';

/** One call to the provider for one payment: a charge or a refund. */
export interface ProviderCall {
  kind: 'charge' | 'refund';
  paymentId: string;
  run: () => Promise<void>;
}

const SPAN_OF = { charge: 'ProcessPayment', refund: 'RefundPayment' } as const;

/**
 * Calls to the provider, at most `concurrency` at once in this process; the rest wait in
 * arrival order. A call already waiting or running is not queued twice. Each runs in a span
 * that continues the trace which queued it (the queue runs it in another async context). A
 * call that throws is logged: its payment keeps its lease, and is tried again when it expires.
 */
export class ProviderCalls {
  private readonly logger = new Logger(ProviderCalls.name);
  private readonly running = new Set<string>();
  private readonly waiting = new Map<string, { call: ProviderCall; trace: TraceContext }>();
  private stopped = false;

  constructor(private readonly concurrency: number) {}

  enqueue(call: ProviderCall, trace: TraceContext = captureTraceContext()): void {
    const key = keyOf(call);
    if (this.running.has(key) || this.waiting.has(key)) return;
    this.waiting.set(key, { call, trace });
    this.drain();
  }

  /** Starts nothing more (shutdown); calls already running finish. */
  stop(): void {
    this.stopped = true;
  }

  private drain(): void {
    for (const [key, { call, trace }] of this.waiting) {
      if (this.stopped || this.running.size >= this.concurrency) return;
      this.waiting.delete(key);
      this.running.add(key);
      chargesInFlight.set(this.running.size);
      void inSpan(Services.PaymentService, SPAN_OF[call.kind], call.run, { 'payment.id': call.paymentId }, trace)
        .catch((error: unknown) => {
          this.logger.warn({ payment_id: call.paymentId, err: error }, `${call.kind} failed; its lease will expire and it is retried`);
        })
        .finally(() => {
          this.running.delete(key);
          chargesInFlight.set(this.running.size);
          this.drain();
        });
    }
  }
}

const keyOf = (call: ProviderCall) => `${call.kind}:${call.paymentId}`;
