import { createEvent, EnvelopeOf, EventEnvelope } from '@orders/events';
import { ChargeResult } from '../provider/payment-provider';
import { nextStatus, PaymentTrigger } from './payment-status';
import { PaymentMove, PaymentRow } from './payment-store';

/** What the provider answered for one payment. */
export type ProviderAnswer = { kind: 'charge'; result: ChargeResult } | { kind: 'refund'; refundId: string };

/** What an answer does to a payment: its move (the status it reaches, the columns it sets) and the event that announces it. */
interface Settlement {
  move: PaymentMove;
  event: EventEnvelope;
}

/**
 * The settlement of `answer` for `payment` as the state machine sees it, or null when the
 * answer changes nothing (a payment settled already). A charge approved after its order was
 * cancelled is still announced: the order's history shows the money taken, then returned.
 */
export function settlementOf(payment: PaymentRow, answer: ProviderAnswer): Settlement | null {
  const to = nextStatus(payment.status, triggerOf(answer));
  if (!to) return null;
  const id = payment.id;
  if (answer.kind === 'refund') return { move: { id, to, refundId: answer.refundId }, event: paymentRefunded(payment, answer.refundId) };
  const { result } = answer;
  if (result.approved) return { move: { id, to, providerTxId: result.providerTxId }, event: paymentSucceeded(payment, result.providerTxId) };
  return { move: { id, to, failureReason: result.reason }, event: paymentFailed(payment, result.reason) };
}

function triggerOf(answer: ProviderAnswer): PaymentTrigger {
  if (answer.kind === 'refund') return 'refundIssued';
  return answer.result.approved ? 'chargeApproved' : 'chargeDeclined';
}

function paymentSucceeded(payment: PaymentRow, providerTxId: string): EnvelopeOf<'PaymentSuccess'> {
  return createEvent('PaymentSuccess', {
    orderId: payment.order_id,
    payload: { paymentId: payment.id, amountCents: Number(payment.amount_cents), currency: payment.currency, providerTxId },
  });
}

function paymentFailed(payment: PaymentRow, reason: string): EnvelopeOf<'PaymentFailed'> {
  return createEvent('PaymentFailed', { orderId: payment.order_id, payload: { paymentId: payment.id, amountCents: Number(payment.amount_cents), reason } });
}

function paymentRefunded(payment: PaymentRow, refundId: string): EnvelopeOf<'PaymentRefunded'> {
  return createEvent('PaymentRefunded', { orderId: payment.order_id, payload: { paymentId: payment.id, amountCents: Number(payment.amount_cents), refundId } });
}
