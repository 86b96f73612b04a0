import { CancelReason } from '@orders/events';
import { counter, histogram } from '@orders/platform-observability';
import { OrderStatus } from './order-status';

export const ordersCreated = counter({ name: 'orders_created_total', help: 'Orders accepted by the gateway' });
const ordersPaid = counter({ name: 'orders_paid_total', help: 'Orders whose payment succeeded' });
const ordersConfirmed = counter({ name: 'orders_confirmed_total', help: 'Orders completed (stock sold)' });
const ordersFailed = counter({ name: 'orders_failed_total', help: 'Orders cancelled, by reason', labelNames: ['reason'] });
const orderTransitions = counter({ name: 'order_transitions_total', help: 'Order status changes', labelNames: ['to'] });

export const orderSettleSeconds = histogram({
  name: 'order_settle_duration_seconds',
  help: 'Time from order creation to a terminal status, by outcome',
  labelNames: ['status'],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
});

export function recordTransition(to: OrderStatus, reason: CancelReason | null): void {
  orderTransitions.inc({ to });
  if (to === 'PAID') ordersPaid.inc();
  if (to === 'CONFIRMED') ordersConfirmed.inc();
  if (to === 'CANCELLED' && reason) ordersFailed.inc({ reason });
}
