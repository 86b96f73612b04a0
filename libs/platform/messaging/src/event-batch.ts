import { EventPattern } from '@nestjs/microservices';
import { context, Context, propagation } from '@opentelemetry/api';
import { type EnvelopeOf, type EventEnvelope, type EventName, Events } from '@orders/events';
import type { EntityManager } from 'typeorm';
import { withLogFields } from '@orders/platform-observability';

/** What a batch handler's pattern carries besides the event type. */
export interface BatchHandlerExtras {
  /** The inbox (processed_events.consumer) its events are recorded under: one name per use case. */
  inbox: string;
}

/** A method that handles batches of one event type: its first parameter is an EventBatch of that event. */
type BatchHandlerDecorator<N extends EventName> = <M extends (batch: EventBatch<EnvelopeOf<N>>) => unknown>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Declares the batch handler of one event type (a Nest `@EventPattern` with extras, typed like
 * `@OnEvent`): the transport hands it, inside the unit of work's one transaction, every event of
 * that type from one lane batch that this service has not processed yet, recorded in the inbox
 * under `inbox` (one name per use case). Duplicates never reach it.
 */
export function OnEventBatch<N extends EventName>(name: N, inbox: string): BatchHandlerDecorator<N> {
  return EventPattern(Events[name].type, { inbox } satisfies BatchHandlerExtras) as BatchHandlerDecorator<N>;
}

/** An event the unit of work writes to the outbox, with the trace context it continues. */
export interface OutboxEntry {
  event: EventEnvelope;
  trace: Record<string, string>;
}

/**
 * The payload of a batch handler: the new events of one type (in offset order, at most one
 * per key), the transaction they share, and the unit's outbox. Whatever the handler writes
 * through `manager` and `emit`s commits or rolls back with the whole unit.
 */
export class EventBatch<E extends EventEnvelope = EventEnvelope> {
  constructor(
    readonly events: readonly E[],
    readonly manager: EntityManager,
    private readonly traces: ReadonlyMap<string, Context>,
    private readonly outbox: OutboxEntry[],
  ) {}

  /**
   * Queues `events` for the unit's single outbox insert. `cause` is the consumed event they
   * answer: they continue its trace (one trace per order across the services).
   */
  emit(cause: EventEnvelope, ...events: EventEnvelope[]): void {
    if (events.length === 0) return;
    const trace: Record<string, string> = {};
    propagation.inject(this.traceOf(cause), trace);
    for (const event of events) this.outbox.push({ event, trace });
  }

  /** The trace context of the consumed event's `Handle<EventType>` span. */
  traceOf(event: EventEnvelope): Context {
    return this.traces.get(event.eventId) ?? context.active();
  }

  /** Runs per-event work in that event's span and log fields (child spans, log lines). */
  within<T>(event: EventEnvelope, work: () => T): T {
    const fields = { order_id: event.orderId ?? undefined, event_id: event.eventId, event_type: event.eventType };
    return context.with(this.traceOf(event), () => withLogFields(fields, work));
  }
}
