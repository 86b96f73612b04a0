import { context, propagation } from '@opentelemetry/api';

/** W3C trace context of the active span, as Kafka headers (empty when tracing is off). */
export function currentTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}
