/** Kafka message headers every producer sets and every consumer may read. */
export const EventHeaders = {
  EventId: 'x-event-id',
  EventType: 'x-event-type',
  EventVersion: 'x-event-version',
  Producer: 'x-producer',
  /** W3C trace context, carried so one order is one trace across services. */
  TraceParent: 'traceparent',
  TraceState: 'tracestate',
} as const;

/** Extra headers on a dead-lettered message, next to the original ones. */
export const DeadLetterHeaders = {
  Error: 'x-dlq-error',
  SourceTopic: 'x-dlq-source-topic',
  SourcePartition: 'x-dlq-source-partition',
  SourceOffset: 'x-dlq-source-offset',
  Consumer: 'x-dlq-consumer',
  FailedAt: 'x-dlq-failed-at',
  Attempts: 'x-dlq-attempts',
} as const;
