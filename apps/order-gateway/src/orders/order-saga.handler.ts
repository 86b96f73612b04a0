import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type EnvelopeOf } from '@orders/events';
import { OnEvent } from '@orders/platform';
import { OrderSagaService } from './order-saga.service';

@Controller()
export class OrderSagaHandler {
  constructor(private readonly saga: OrderSagaService) {}

  @OnEvent('OrderReserved')
  onOrderReserved(@Payload() event: EnvelopeOf<'OrderReserved'>) {
    return this.saga.onReserved(event);
  }

  @OnEvent('InventoryReservationFailed')
  onReservationFailed(@Payload() event: EnvelopeOf<'InventoryReservationFailed'>) {
    return this.saga.onReservationFailed(event);
  }

  @OnEvent('PaymentSuccess')
  onPaymentSuccess(@Payload() event: EnvelopeOf<'PaymentSuccess'>) {
    return this.saga.onPaymentSucceeded(event);
  }

  @OnEvent('PaymentFailed')
  onPaymentFailed(@Payload() event: EnvelopeOf<'PaymentFailed'>) {
    return this.saga.onPaymentFailed(event);
  }

  @OnEvent('StockCommitted')
  onStockCommitted(@Payload() event: EnvelopeOf<'StockCommitted'>) {
    return this.saga.onStockCommitted(event);
  }

  @OnEvent('PaymentRefunded')
  onPaymentRefunded(@Payload() event: EnvelopeOf<'PaymentRefunded'>) {
    return this.saga.onPaymentRefunded(event);
  }
}
