import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EnvelopeOf, Events } from '@orders/events';
import { PaymentsService } from './payments.service';

@Controller()
export class PaymentsHandler {
  constructor(private readonly payments: PaymentsService) {}

  @EventPattern(Events.OrderReserved.type)
  onOrderReserved(@Payload() event: EnvelopeOf<'OrderReserved'>) {
    return this.payments.acceptReservedOrder(event);
  }

  @EventPattern(Events.OrderCancelled.type)
  onOrderCancelled(@Payload() event: EnvelopeOf<'OrderCancelled'>) {
    return this.payments.voidForCancelledOrder(event);
  }
}
