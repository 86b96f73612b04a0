import type { INestApplication } from '@nestjs/common';
import { ServiceLogger, withLogger } from '@orders/platform-observability';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * The access log (one line per request, by pino-http) and the request's own lines: what the
 * handler writes goes to the request's child logger (request id, method, path), which names
 * this app's service.
 */
export function logRequests(app: INestApplication, logs: ServiceLogger): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  fastify.addHook('onRequest', (request, reply, done) => {
    logs.logRequest(request.raw, reply.raw);
    withLogger(request.raw.log, done);
  });
  // Body parsing runs in the socket's async context, not the request's: re-enter the
  // request's logger for the handler.
  fastify.addHook('preHandler', (request, _reply, done) => {
    withLogger(request.raw.log, done);
  });
}

type Step = 'init' | 'listen' | 'startAllMicroservices' | 'close';
const SCOPED_STEPS: Step[] = ['init', 'listen', 'startAllMicroservices', 'close'];

/**
 * Runs the app's start and stop steps with its logger as the log scope, so everything they
 * start inherits it: lifecycle hooks, their timers (outbox relay, retention, sweepers), the
 * Kafka consumers, the HTTP listener and its connections. Lines written there through Nest's
 * `Logger` name this app's service even when several apps share the process.
 */
export function scopeLogsToApp(app: INestApplication, logger: Logger): void {
  const methods = Object.getPrototypeOf(app) as Record<Step, (...args: unknown[]) => Promise<unknown>>;
  for (const step of SCOPED_STEPS) {
    const run = methods[step];
    // Defined, not assigned, and called on whatever `this` Nest calls it on: NestFactory wraps
    // the app in a proxy that ignores assignments and calls methods on the app behind it.
    Object.defineProperty(app, step, {
      value: function (this: unknown, ...args: unknown[]) {
        return withLogger(logger, () => run.apply(this, args));
      },
      configurable: true,
      writable: true,
    });
  }
}
