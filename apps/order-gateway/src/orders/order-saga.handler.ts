import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { type EnvelopeOf } from '@orders/events';
import { EventBatch, OnEventBatch } from '@orders/platform-messaging';
import { OrderSagaService } from './order-saga.service';

/** Batch handlers: each receives the new events of its type from one unit of work. Kafka, not HTTP: not in the OpenAPI document. */
@ApiExcludeController()
@Controller()
export class OrderSagaHandler {
  private readonly logger = new Logger(OrderSagaHandler.name);

  constructor(private readonly saga: OrderSagaService) {}

  @OnEventBatch('OrderReserved', 'order-reserved')
  onOrderReserved(@Payload() batch: EventBatch<EnvelopeOf<'OrderReserved'>>) {
    return this.saga.advance(batch, 'RESERVED');
  }

  @OnEventBatch('InventoryReservationFailed', 'reservation-failed')
  onReservationFailed(@Payload() batch: EventBatch<EnvelopeOf<'InventoryReservationFailed'>>) {
    return this.saga.advance(batch, 'CANCELLED', () => ({ reason: 'OUT_OF_STOCK' }));
  }

  @OnEventBatch('PaymentSuccess', 'payment-succeeded')
  onPaymentSuccess(@Payload() batch: EventBatch<EnvelopeOf<'PaymentSuccess'>>) {
    // For an order already cancelled nothing moves: the payment service refunds the charge.
    return this.saga.advance(batch, 'PAID', (event) => ({ payment: { paymentId: event.payload.paymentId, amountCents: event.payload.amountCents } }));
  }

  @OnEventBatch('PaymentFailed', 'payment-failed')
  onPaymentFailed(@Payload() batch: EventBatch<EnvelopeOf<'PaymentFailed'>>) {
    return this.saga.advance(batch, 'CANCELLED', () => ({ reason: 'PAYMENT_FAILED', via: 'RESERVED' }));
  }

  @OnEventBatch('StockCommitted', 'stock-committed')
  onStockCommitted(@Payload() batch: EventBatch<EnvelopeOf<'StockCommitted'>>) {
    return this.saga.advance(batch, 'CONFIRMED');
  }

  @OnEventBatch('PaymentRefunded', 'payment-refunded')
  onPaymentRefunded(@Payload() batch: EventBatch<EnvelopeOf<'PaymentRefunded'>>) {
    for (const event of batch.events) this.logger.log({ order_id: event.orderId, event_id: event.eventId }, 'payment refunded for a cancelled order');
  }
}
