import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type EnvelopeOf } from '@orders/events';
import { OnEvent } from '@orders/platform';
import { PaymentsService } from './payments.service';

@Controller()
export class PaymentsHandler {
  constructor(private readonly payments: PaymentsService) {}

  @OnEvent('OrderReserved')
  onOrderReserved(@Payload() event: EnvelopeOf<'OrderReserved'>) {
    return this.payments.acceptReservedOrder(event);
  }

  @OnEvent('OrderCancelled')
  onOrderCancelled(@Payload() event: EnvelopeOf<'OrderCancelled'>) {
    return this.payments.voidForCancelledOrder(event);
  }
}
