import { RequestMethod } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import { activeLogFields } from './log-fields';
import { activeTraceIds } from './tracing';

const UNLOGGED_PATHS = ['/health', '/ready', '/metrics'];

/** The request path without its query. Fastify's middleware layer rewrites `url` (to `/`), not `originalUrl`. */
function pathOf(request: { url?: string; originalUrl?: string }): string {
  return (request.originalUrl ?? request.url ?? '').split('?')[0];
}

/** Paths of secrets pino replaces wherever a log line carries them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'headers["idempotency-key"]',
  '*.headers["idempotency-key"]',
  'authorization',
  '*.authorization',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'AUTH_JWT_SECRET',
  '*.AUTH_JWT_SECRET',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'MIGRATION_DATABASE_URL',
  '*.MIGRATION_DATABASE_URL',
  'REDIS_URL',
  '*.REDIS_URL',
  'KAFKA_SASL_PASSWORD',
  '*.KAFKA_SASL_PASSWORD',
  'sasl',
  '*.sasl',
];

/**
 * JSON logs, one line per event, with trace ids of the active span and, inside a Kafka
 * handler, the order id and event id of the event; secrets and the Authorization header
 * never reach a log line. Pretty output in development only.
 */
export function loggerParams(options: { service: string; level: string; pretty: boolean }): Params {
  return {
    // Every route, spelled as Nest 12's Fastify adapter matches it: nestjs-pino 5's default
    // ('{/*splat}') matches no request there, and the access log would be silently empty.
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: {
      level: options.level,
      base: { service: options.service },
      messageKey: 'msg',
      mixin: () => ({ ...activeLogFields(), ...activeTraceIds() }),
      genReqId: (request) => (typeof request.headers['x-request-id'] === 'string' ? request.headers['x-request-id'].slice(0, 100) : randomUUID()),
      redact: {
        paths: REDACTED_PATHS,
        censor: '[redacted]',
      },
      // Probes and scrapes are not logged per request (readiness logs its own outages).
      autoLogging: { ignore: (request) => UNLOGGED_PATHS.includes(pathOf(request)) },
      customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        req: (request: { id: unknown; method: string; url?: string; originalUrl?: string }) => ({
          id: request.id,
          method: request.method,
          url: pathOf(request),
        }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      transport: options.pretty ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } : undefined,
    },
  };
}
