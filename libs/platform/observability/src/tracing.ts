import { Context, context, ProxyTracerProvider, propagation, Span, SpanKind, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { EventEnvelope } from '@orders/events';
import type { IHeaders } from 'kafkajs';
import { withLogFields } from './log-fields';

const TRACER = 'order-platform';
let contextReady = false;
const providers = new Map<string, NodeTracerProvider>();
// A service without a provider of its own records nothing, but still carries the
// incoming trace context on (a non-recording span keeps the parent's ids).
// eslint-disable-next-line @typescript-eslint/no-deprecated -- the api's only public no-op tracer (NoopTracer is internal)
const noopTracer = new ProxyTracerProvider().getTracer(TRACER);

interface TracingOptions {
  serviceName: string;
  /** OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); tracing exports nothing without one. */
  otlpEndpoint?: string;
  /** Tests pass an in-memory exporter. */
  exporter?: SpanExporter;
}

/**
 * Context propagation is always on (so trace ids cross Kafka even when this process
 * does not export); spans are recorded only when an endpoint or exporter is given.
 * One provider per service, so that spans carry their service's name even when the
 * e2e tests run the three services in one process.
 */
export function startTracing(options: TracingOptions): NodeTracerProvider | null {
  if (!contextReady) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextReady = true;
  }
  // The OTLP exporter reads the other standard OTEL_EXPORTER_OTLP_* variables itself.
  const exporter = options.exporter ?? (options.otlpEndpoint ? new OTLPTraceExporter() : undefined);
  if (!exporter) return null;
  const existing = providers.get(options.serviceName);
  if (existing) return existing;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  providers.set(options.serviceName, provider);
  if (providers.size === 1) trace.setGlobalTracerProvider(provider);
  return provider;
}

/** Flushes and stops one service's provider (all of them without a name). */
export async function stopTracing(serviceName?: string): Promise<void> {
  const names = serviceName ? [serviceName] : [...providers.keys()];
  const stopping = names.flatMap((name) => providers.get(name) ?? []);
  await Promise.all(stopping.map((provider) => provider.shutdown().catch(() => undefined)));
  for (const name of names) providers.delete(name);
}

/** The tracer of one service (a non-recording one when that service does not trace). */
export function tracerOf(service: string): Tracer {
  return providers.get(service)?.getTracer(TRACER) ?? noopTracer;
}

export type TraceContext = Context;

/** The active trace context, to continue it later from another async context (queues, timers). */
export function captureTraceContext(): TraceContext {
  return context.active();
}

/**
 * Runs `work` in a span named like the design's hierarchy (CreateOrder, ReserveStock, ...),
 * a child of the active span, or of `parent` when given.
 */
export async function inSpan<T>(
  service: string,
  name: string,
  work: (span: Span) => T | Promise<T>,
  attributes: Record<string, string | number> = {},
  parent: Context = context.active(),
): Promise<T> {
  return tracerOf(service).startActiveSpan(name, { attributes }, parent, async (span) => {
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

/** Header values of a Kafka message (or an outbox row) as strings. */
export function stringHeaders(headers: IHeaders | Record<string, string> | undefined): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value != null) carrier[key] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return carrier;
}

/**
 * Continues the producer's trace for one consumed event: `Handle<EventType>` is a child
 * of the `Publish<EventType>` span whose context travelled in the message headers, and
 * every log line written while handling it carries the order id and event id.
 */
export async function withConsumerSpan<T>(envelope: EventEnvelope, headers: IHeaders | undefined, service: string, work: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(context.active(), stringHeaders(headers));
  const fields = { order_id: envelope.orderId ?? undefined, event_id: envelope.eventId, event_type: envelope.eventType };
  return withLogFields(fields, () =>
    tracerOf(service).startActiveSpan(
      `Handle${envelope.eventType}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: { 'messaging.system': 'kafka', 'order.id': envelope.orderId ?? '', 'event.id': envelope.eventId, 'event.type': envelope.eventType },
      },
      parent,
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

/** A consumed event's `Handle<EventType>` span, started before its unit of work and ended after it. */
export interface ConsumerSpan {
  context: Context;
  end(error?: unknown): void;
}

/** A span started now and ended by the caller (work for many orders interleaves in a batch). */
interface OpenSpan extends ConsumerSpan {
  span: Span;
}

/** Starts `name` as a child of `parent`, not active: run child work with `context.with(open.context, …)`. */
export function startSpan(service: string, name: string, parent: Context, attributes: Record<string, string | number> = {}): OpenSpan {
  const span = tracerOf(service).startSpan(name, { attributes }, parent);
  return {
    span,
    context: trace.setSpan(parent, span),
    end(error?: unknown) {
      if (error !== undefined) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      }
      span.end();
    },
  };
}

/**
 * Like `withConsumerSpan`, for a batch: the span of one consumed event (a child of its
 * `Publish<EventType>` span), not made active; the unit of work runs the event's own work
 * and writes its outbox rows in `context`, so each order keeps one trace across services.
 */
export function startConsumerSpan(envelope: EventEnvelope, headers: IHeaders | undefined, service: string): ConsumerSpan {
  const parent = propagation.extract(context.active(), stringHeaders(headers));
  const span = tracerOf(service).startSpan(
    `Handle${envelope.eventType}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'kafka', 'order.id': envelope.orderId ?? '', 'event.id': envelope.eventId, 'event.type': envelope.eventType },
    },
    parent,
  );
  return {
    context: trace.setSpan(parent, span),
    end(error?: unknown) {
      if (error !== undefined) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
}

/** Trace and span ids of the active span, for log lines. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
