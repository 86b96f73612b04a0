import { context, propagation, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { EventEnvelope } from '@orders/events';
import type { IHeaders } from 'kafkajs';

const TRACER = 'order-platform';
let contextReady = false;
const providers = new Map<string, NodeTracerProvider>();

export interface TracingOptions {
  serviceName: string;
  /** OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); tracing exports nothing without one. */
  otlpEndpoint?: string;
  /** Tests pass an in-memory exporter. */
  exporter?: SpanExporter;
}

/**
 * Context propagation is always on (so trace ids cross Kafka even when this process
 * does not export); spans are recorded only when an endpoint or exporter is given.
 */
export function startTracing(options: TracingOptions): NodeTracerProvider | null {
  if (!contextReady) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextReady = true;
  }
  const exporter = options.exporter ?? (options.otlpEndpoint ? new OTLPTraceExporter() : undefined);
  if (!exporter) return null;
  const existing = providers.get(options.serviceName);
  if (existing) return existing;
  const provider = new NodeTracerProvider({
    resource: new Resource({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  providers.set(options.serviceName, provider);
  if (providers.size === 1) trace.setGlobalTracerProvider(provider);
  return provider;
}

export async function stopTracing(): Promise<void> {
  await Promise.all([...providers.values()].map((provider) => provider.shutdown().catch(() => undefined)));
  providers.clear();
}

function tracerFor(service: string) {
  return (providers.get(service) ?? trace.getTracerProvider()).getTracer(TRACER);
}

/** Runs `work` in a span named like the design's hierarchy (CreateOrder, ReserveStock, ...). */
export async function inSpan<T>(service: string, name: string, work: (span: Span) => Promise<T>, attributes: Record<string, string | number> = {}): Promise<T> {
  return tracerFor(service).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Continues the producer's trace for one consumed event. */
export async function withConsumerSpan<T>(envelope: EventEnvelope, headers: IHeaders | undefined, service: string, work: () => Promise<T>): Promise<T> {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) carrier[key] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  const parent = propagation.extract(context.active(), carrier);
  return context.with(parent, () =>
    tracerFor(service).startActiveSpan(
      `Handle${envelope.eventType}`,
      { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'kafka', 'order.id': envelope.orderId ?? '', 'event.id': envelope.eventId, 'event.type': envelope.eventType } },
      async (span) => {
        try {
          return await work();
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    ),
  );
}

/** Trace and span ids of the active span, for log lines. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
