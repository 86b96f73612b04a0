import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EnvelopeOf, Events } from '@orders/events';
import { OrderSagaService } from './order-saga.service';

@Controller()
export class OrderSagaHandler {
  constructor(private readonly saga: OrderSagaService) {}

  @EventPattern(Events.OrderReserved.type)
  onOrderReserved(@Payload() event: EnvelopeOf<'OrderReserved'>) {
    return this.saga.onReserved(event);
  }

  @EventPattern(Events.InventoryReservationFailed.type)
  onReservationFailed(@Payload() event: EnvelopeOf<'InventoryReservationFailed'>) {
    return this.saga.onReservationFailed(event);
  }

  @EventPattern(Events.PaymentSuccess.type)
  onPaymentSuccess(@Payload() event: EnvelopeOf<'PaymentSuccess'>) {
    return this.saga.onPaymentSucceeded(event);
  }

  @EventPattern(Events.PaymentFailed.type)
  onPaymentFailed(@Payload() event: EnvelopeOf<'PaymentFailed'>) {
    return this.saga.onPaymentFailed(event);
  }

  @EventPattern(Events.StockCommitted.type)
  onStockCommitted(@Payload() event: EnvelopeOf<'StockCommitted'>) {
    return this.saga.onStockCommitted(event);
  }

  @EventPattern(Events.PaymentRefunded.type)
  onPaymentRefunded(@Payload() event: EnvelopeOf<'PaymentRefunded'>) {
    return this.saga.onPaymentRefunded(event);
  }
}
