import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import { activeLogFields } from './log-fields';
import { activeTraceIds } from './tracing';

/** Paths of secrets pino replaces wherever a log line carries them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  '*.headers.authorization',
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
];

/**
 * JSON logs, one line per event, with trace ids of the active span and, inside a Kafka
 * handler, the order id and event id of the event; secrets and the Authorization header
 * never reach a log line. Pretty output in development only.
 */
export function loggerParams(options: { service: string; level: string; pretty: boolean }): Params {
  return {
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
      autoLogging: { ignore: (request) => ['/health', '/ready', '/metrics'].includes((request.url ?? '').split('?')[0]) },
      customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        req: (request: { id: unknown; method: string; url: string }) => ({ id: request.id, method: request.method, url: request.url.split('?')[0] }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      transport: options.pretty ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } : undefined,
    },
  };
}
