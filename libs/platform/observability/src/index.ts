// Metrics (one process-wide Prometheus registry), traces (OpenTelemetry, one provider per
// service) and the JSON log lines that carry both.
export { counter, gauge, histogram, LATENCY_BUCKETS } from './metrics';
export {
  captureTraceContext,
  type ConsumerSpan,
  inSpan,
  startConsumerSpan,
  startSpan,
  startTracing,
  stopTracing,
  type TraceContext,
  tracerOf,
  withConsumerSpan,
} from './tracing';
export { currentTraceHeaders } from './trace-propagation';
export { sendBatchTraced } from './publish-tracing';
export { withLogFields } from './log-fields';
export { AppLogScope, requestIdOf, ServiceLogModule } from './logging';
export { ScrapeTimeFigures } from './scrape-time-figures';
