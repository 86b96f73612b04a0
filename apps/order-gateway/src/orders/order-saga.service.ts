import { Injectable, Logger } from '@nestjs/common';
import { CancelReason, EnvelopeOf, EventEnvelope } from '@orders/events';
import { TransactionalEvents } from '@orders/platform';
import { OrderStatus } from './order-status';
import { OrderTransitions, TransitionCause } from './order-transitions';

/** The gateway's side of the choreography: other services' events move orders. */
@Injectable()
export class OrderSagaService {
  private readonly logger = new Logger(OrderSagaService.name);

  constructor(
    private readonly events: TransactionalEvents,
    private readonly transitions: OrderTransitions,
  ) {}

  onReserved(event: EnvelopeOf<'OrderReserved'>) {
    return this.advance('order-reserved', event, 'RESERVED');
  }

  onReservationFailed(event: EnvelopeOf<'InventoryReservationFailed'>) {
    return this.advance('reservation-failed', event, 'CANCELLED', { reason: 'OUT_OF_STOCK' });
  }

  onPaymentSucceeded(event: EnvelopeOf<'PaymentSuccess'>) {
    // For an order already cancelled nothing moves: the payment service refunds the charge.
    return this.advance('payment-succeeded', event, 'PAID', { payment: { paymentId: event.payload.paymentId, amountCents: event.payload.amountCents } });
  }

  onPaymentFailed(event: EnvelopeOf<'PaymentFailed'>) {
    return this.advance('payment-failed', event, 'CANCELLED', { reason: 'PAYMENT_FAILED' satisfies CancelReason, via: 'RESERVED' });
  }

  onStockCommitted(event: EnvelopeOf<'StockCommitted'>) {
    return this.advance('stock-committed', event, 'CONFIRMED');
  }

  onPaymentRefunded(event: EnvelopeOf<'PaymentRefunded'>) {
    this.logger.log({ order_id: event.orderId, event_id: event.eventId }, 'payment refunded for a cancelled order');
  }

  private async advance(consumer: string, event: EventEnvelope, target: OrderStatus, cause: TransitionCause = {}): Promise<void> {
    await this.events.handleOnce(consumer, event, async (manager) => {
      const order = await this.transitions.lock(manager, event.orderId!);
      if (!order) {
        this.logger.warn({ order_id: event.orderId, event_id: event.eventId }, `${event.eventType} for an unknown order`);
        return [];
      }
      const emitted = await this.transitions.move(manager, order, target, cause);
      if (!emitted) {
        this.logger.log({ order_id: order.id, event_id: event.eventId, status: order.status }, `${event.eventType} ignored: order is ${order.status}`);
        return [];
      }
      return emitted;
    });
  }
}
