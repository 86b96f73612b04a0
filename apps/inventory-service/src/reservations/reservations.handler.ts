import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type EnvelopeOf } from '@orders/events';
import { OnEvent } from '@orders/platform';
import { ReservationsService } from './reservations.service';

/** Saga events in, reservation use cases out. */
@Controller()
export class ReservationsHandler {
  constructor(private readonly reservations: ReservationsService) {}

  @OnEvent('OrderCreated')
  onOrderCreated(@Payload() event: EnvelopeOf<'OrderCreated'>) {
    return this.reservations.reserveForOrder(event);
  }

  @OnEvent('OrderPaid')
  onOrderPaid(@Payload() event: EnvelopeOf<'OrderPaid'>) {
    return this.reservations.commitForOrder(event);
  }

  @OnEvent('OrderCancelled')
  onOrderCancelled(@Payload() event: EnvelopeOf<'OrderCancelled'>) {
    return this.reservations.releaseForOrder(event);
  }
}
