import { EventPattern } from '@nestjs/microservices';
import { EnvelopeOf, EventName, Events } from '@orders/events';

/** A method that handles one event type: its first parameter is that event's envelope. */
type EventHandlerDecorator<N extends EventName> = <M extends (event: EnvelopeOf<N>) => unknown>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * `@EventPattern` for one registered event, typed by its name. Nest 12's typed
 * `EventPattern<Map>(key)` types the payload as the union of the map's values, so a
 * handler of one event type could not declare its own envelope; this keeps that type.
 */
export function OnEvent<N extends EventName>(name: N): EventHandlerDecorator<N> {
  return EventPattern(Events[name].type) as EventHandlerDecorator<N>;
}
