import { counter, gauge, histogram, LATENCY_BUCKETS } from '@orders/platform-observability';

export const paymentOutcomes = counter({ name: 'payments_total', help: 'Payment attempts by outcome', labelNames: ['outcome'] });
const paymentSuccessRate = gauge({ name: 'payment_success_rate', help: 'Share of settled charges approved by the provider (since start)' });
export const providerLatency = histogram({
  name: 'payment_provider_latency_seconds',
  help: 'Provider charge call latency',
  labelNames: ['outcome'],
  buckets: LATENCY_BUCKETS,
});
export const chargesInFlight = gauge({ name: 'payment_charges_in_flight', help: 'Calls waiting for the provider (charges, and the rarer refunds)' });

let approved = 0;
let settled = 0;
export function recordSettlement(wasApproved: boolean): void {
  settled += 1;
  if (wasApproved) approved += 1;
  paymentSuccessRate.set(approved / settled);
  paymentOutcomes.inc({ outcome: wasApproved ? 'succeeded' : 'failed' });
}
