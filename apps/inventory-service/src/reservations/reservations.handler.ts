import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EnvelopeOf, Events } from '@orders/events';
import { ReservationsService } from './reservations.service';

/** Saga events in, reservation use cases out. */
@Controller()
export class ReservationsHandler {
  constructor(private readonly reservations: ReservationsService) {}

  @EventPattern(Events.OrderCreated.type)
  onOrderCreated(@Payload() event: EnvelopeOf<'OrderCreated'>) {
    return this.reservations.reserveForOrder(event);
  }

  @EventPattern(Events.OrderPaid.type)
  onOrderPaid(@Payload() event: EnvelopeOf<'OrderPaid'>) {
    return this.reservations.commitForOrder(event);
  }

  @EventPattern(Events.OrderCancelled.type)
  onOrderCancelled(@Payload() event: EnvelopeOf<'OrderCancelled'>) {
    return this.reservations.releaseForOrder(event);
  }
}
