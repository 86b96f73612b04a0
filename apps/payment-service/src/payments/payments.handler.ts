import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type EnvelopeOf } from '@orders/events';
import { EventBatch, OnEventBatch } from '@orders/platform-messaging';
import { PaymentsService } from './payments.service';

@Controller()
export class PaymentsHandler {
  constructor(private readonly payments: PaymentsService) {}

  @OnEventBatch('OrderReserved', 'start-payment')
  onOrderReserved(@Payload() batch: EventBatch<EnvelopeOf<'OrderReserved'>>) {
    return this.payments.acceptReservedOrders(batch);
  }

  @OnEventBatch('OrderCancelled', 'void-payment')
  onOrderCancelled(@Payload() batch: EventBatch<EnvelopeOf<'OrderCancelled'>>) {
    return this.payments.voidForCancelledOrders(batch);
  }
}
