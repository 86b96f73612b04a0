import { Injectable, Logger } from '@nestjs/common';
import { EventEnvelope, orderIdOf } from '@orders/events';
import { EventBatch } from '@orders/platform-messaging';
import { isTerminal, OrderStatus } from './order-status';
import { OrderTransitions, TransitionCause } from './order-transitions';

/**
 * The gateway's side of the choreography: other services' events move orders, a batch at a
 * time (one lock statement and one update for the batch, inside the transport's unit of work).
 *
 * Logs (one line per order and outcome, not per step): an order that settles — CONFIRMED or
 * CANCELLED — at info, an event for an unknown order at warn, each with the order id, the event
 * id and the trace; intermediate moves (RESERVED, PAID) and ignored events only at debug (the
 * order's history and its trace hold them).
 */
@Injectable()
export class OrderSagaService {
  private readonly logger = new Logger(OrderSagaService.name);

  constructor(private readonly transitions: OrderTransitions) {}

  /** Moves every order of the batch to `target`; `causeOf` says why, per event. */
  async advance<E extends EventEnvelope>(batch: EventBatch<E>, target: OrderStatus, causeOf: (event: E) => TransitionCause = () => ({})): Promise<void> {
    const outcomes = await this.transitions.moveMany(
      batch.manager,
      batch.events.map((event) => ({ orderId: orderIdOf(event), target, cause: causeOf(event) })),
    );
    const settles = isTerminal(target);
    batch.events.forEach((event, index) => {
      const outcome = outcomes[index];
      if (outcome.kind === 'moved') batch.emit(event, ...outcome.events);
      // Log lines carry the event's ids and trace (withLogFields), like any line inside a handler.
      batch.within(event, () => {
        if (outcome.kind === 'unknown') this.logger.warn(`${event.eventType} for an unknown order`);
        else if (outcome.kind === 'ignored') this.logger.debug({ status: outcome.status }, `${event.eventType} ignored: order is ${outcome.status}`);
        else if (settles) this.logger.log({ from: outcome.from, to: target, reason: causeOf(event).reason }, `order ${outcome.from} -> ${target}`);
        else this.logger.debug({ from: outcome.from, to: target }, `order ${outcome.from} -> ${target}`);
      });
    });
  }
}
