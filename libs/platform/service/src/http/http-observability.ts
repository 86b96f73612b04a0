import { Context, context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { histogram, LATENCY_BUCKETS, tracerOf } from '@orders/platform-observability';

const requestSeconds = histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP requests by route template, method and status',
  labelNames: ['service', 'route', 'method', 'status'],
  buckets: LATENCY_BUCKETS,
});

/** Requests no route matched: one bucket, never the raw URL (unbounded label values). */
const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Probes and scrapes are measured but not traced: they would bury the traces that matter. */
const UNTRACED_ROUTES = new Set(['/health', '/ready', '/metrics']);

interface Observation {
  startedAt: bigint;
  span: Span | null;
  context: Context;
}

const observations = new WeakMap<FastifyRequest, Observation>();

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/**
 * Per request: `http_request_duration_seconds{service,route,method,status}` with the
 * route template (`/orders/:id`), and a server span (`POST /orders`) that the use case
 * spans (CreateOrder, ...) and the request's log lines belong to. An incoming W3C
 * traceparent is continued.
 */
export function observeHttp(app: INestApplication, service: string): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const tracer = tracerOf(service);

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = routeOf(request);
    if (UNTRACED_ROUTES.has(route)) {
      observations.set(request, { startedAt: process.hrtime.bigint(), span: null, context: context.active() });
      done();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    observations.set(request, { startedAt: process.hrtime.bigint(), span, context: active });
    context.with(active, done);
  });

  // Body parsing runs in the socket's async context, not the request's: re-enter the
  // request's context for the handler (and so for its spans and log lines).
  fastify.addHook('preHandler', (request, _reply, done) => {
    const observation = observations.get(request);
    if (!observation) {
      done();
      return;
    }
    context.with(observation.context, done);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const observation = observations.get(request);
    if (observation) {
      const route = routeOf(request);
      const method = METHODS.has(request.method) ? request.method : 'OTHER';
      const seconds = Number(process.hrtime.bigint() - observation.startedAt) / 1e9;
      requestSeconds.observe({ service, route, method, status: String(reply.statusCode) }, seconds);
      const span = observation.span;
      if (span) {
        span.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    }
    done();
  });

  fastify.addHook('onRequestAbort', (request, done) => {
    const span = observations.get(request)?.span;
    span?.setStatus({ code: SpanStatusCode.ERROR, message: 'client aborted' });
    span?.end();
    done();
  });
}
