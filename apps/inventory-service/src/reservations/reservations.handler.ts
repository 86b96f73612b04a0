import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type EnvelopeOf } from '@orders/events';
import { EventBatch, OnEventBatch } from '@orders/platform-messaging';
import { ReservationsService } from './reservations.service';

/** Saga events in (a batch of one type at a time), reservation use cases out. */
@Controller()
export class ReservationsHandler {
  constructor(private readonly reservations: ReservationsService) {}

  @OnEventBatch('OrderCreated', 'reserve-stock')
  onOrderCreated(@Payload() batch: EventBatch<EnvelopeOf<'OrderCreated'>>) {
    return this.reservations.reserveForOrders(batch);
  }

  @OnEventBatch('OrderPaid', 'commit-stock')
  onOrderPaid(@Payload() batch: EventBatch<EnvelopeOf<'OrderPaid'>>) {
    return this.reservations.commitForOrders(batch);
  }

  @OnEventBatch('OrderCancelled', 'release-stock')
  onOrderCancelled(@Payload() batch: EventBatch<EnvelopeOf<'OrderCancelled'>>) {
    return this.reservations.releaseForOrders(batch);
  }
}
