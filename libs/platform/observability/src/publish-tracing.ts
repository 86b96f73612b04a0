import { propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { EventHeaders } from '@orders/events';
import type { Message, Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { stringHeaders, tracerOf } from './tracing';

/**
 * `producer.sendBatch` with one `Publish<EventType>` producer span per message.
 *
 * The outbox relay publishes long after, and in another async context than, the
 * transaction that wrote the event; the traceparent stored with the row at write
 * time is the producing span. Each publish span is that span's child, and the
 * message leaves with the publish span's own traceparent, so the consumer's
 * `Handle<EventType>` span is in turn the publish span's child:
 * CreateOrder → PublishOrderCreated → HandleOrderCreated → ...
 */
export async function sendBatchTraced(producer: Producer, service: string, batch: ProducerBatch): Promise<RecordMetadata[]> {
  const spans: Span[] = [];
  const tracer = tracerOf(service);
  const publish = (topic: string, message: Message): Message => {
    const headers = stringHeaders(message.headers);
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    const span = tracer.startSpan(
      `Publish${headers[EventHeaders.EventType] ?? 'Event'}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': topic,
          'messaging.kafka.message.key': message.key === null || message.key === undefined ? '' : String(message.key),
          'event.id': headers[EventHeaders.EventId] ?? '',
          'event.type': headers[EventHeaders.EventType] ?? '',
        },
      },
      parent,
    );
    spans.push(span);
    // The message leaves with the publish span's own trace context in place of the one it came with.
    const { [EventHeaders.TraceParent]: _traceParent, [EventHeaders.TraceState]: _traceState, ...outgoing } = headers;
    propagation.inject(trace.setSpan(parent, span), outgoing);
    return { ...message, headers: outgoing };
  };
  const traced: ProducerBatch = {
    ...batch,
    topicMessages: (batch.topicMessages ?? []).map(({ topic, messages }) => ({ topic, messages: messages.map((message) => publish(topic, message)) })),
  };
  try {
    return await producer.sendBatch(traced);
  } catch (error) {
    for (const span of spans) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    }
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}
