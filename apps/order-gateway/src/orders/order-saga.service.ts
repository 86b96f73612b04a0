import { Injectable, Logger } from '@nestjs/common';
import { EventEnvelope } from '@orders/events';
import { EventBatch } from '@orders/platform';
import { OrderStatus } from './order-status';
import { OrderTransitions, TransitionCause } from './order-transitions';

/**
 * The gateway's side of the choreography: other services' events move orders, a batch at a
 * time (one lock statement and one update for the batch, inside the transport's unit of work).
 *
 * Logs: a normal forward move is logged at debug (the order's history and trace hold it); a
 * cancellation at info, and an event for an unknown order at warn — what an operator looks
 * for, with the order and event ids.
 */
@Injectable()
export class OrderSagaService {
  private readonly logger = new Logger(OrderSagaService.name);

  constructor(private readonly transitions: OrderTransitions) {}

  /** Moves every order of the batch to `target`; `causeOf` says why, per event. */
  async advance<E extends EventEnvelope>(batch: EventBatch<E>, target: OrderStatus, causeOf: (event: E) => TransitionCause = () => ({})): Promise<void> {
    const outcomes = await this.transitions.moveMany(
      batch.manager,
      batch.events.map((event) => ({ orderId: event.orderId!, target, cause: causeOf(event) })),
    );
    batch.events.forEach((event, index) => {
      const outcome = outcomes[index];
      const ids = { order_id: event.orderId, event_id: event.eventId };
      if (outcome.kind === 'unknown') {
        this.logger.warn(ids, `${event.eventType} for an unknown order`);
      } else if (outcome.kind === 'ignored') {
        this.logger.debug({ ...ids, status: outcome.status }, `${event.eventType} ignored: order is ${outcome.status}`);
      } else {
        const line = `order ${outcome.from} -> ${target}`;
        if (target === 'CANCELLED') this.logger.log({ ...ids, from: outcome.from, to: target, reason: causeOf(event).reason }, line);
        else this.logger.debug({ ...ids, from: outcome.from, to: target }, line);
        batch.emit(event, ...outcome.events);
      }
    });
  }
}
