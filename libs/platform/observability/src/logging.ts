import type { LoggerService } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pino, { DestinationStream, Logger } from 'pino';
import { HttpLogger, Options as HttpLogOptions, pinoHttp } from 'pino-http';
import { activeLogFields } from './log-fields';
import { activeTraceIds } from './tracing';

const UNLOGGED_PATHS = ['/health', '/ready', '/metrics'];

/** The request path without its query (`originalUrl` where a middleware layer rewrote `url`). */
function pathOf(request: { url?: string; originalUrl?: string }): string {
  return (request.originalUrl ?? request.url ?? '').split('?')[0];
}

/** Paths of secrets pino replaces wherever a log line carries them. */
const REDACTED_PATHS = [
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

interface LogSettings {
  /** Every line names it; unset only for lines no service can be told (see ServiceLogger). */
  service?: string;
  level: string;
  pretty: boolean;
}

/**
 * JSON logs, one line per event, with trace ids of the active span and, inside a Kafka
 * handler, the order id and event id of the event; secrets and the Authorization header
 * never reach a log line. Pretty output in development only.
 */
export function loggerParams(settings: LogSettings): HttpLogOptions {
  return {
    level: settings.level,
    base: settings.service ? { service: settings.service } : {},
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
    transport: settings.pretty ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } : undefined,
  };
}

/** The logger lines go to in this async context: a service's, or one request's child of it. */
const scope = new AsyncLocalStorage<Logger>();
/** Every service logger of the process (the e2e tests run three services in one). */
const serviceLoggers = new Set<ServiceLogger>();
let unscoped: Logger | null = null;

/**
 * One service's log lines: its pino logger, whose every line names the service, and the
 * request logging built on it. One per app, never one per process: a process-wide root
 * (nestjs-pino's) named every line after whichever app came first.
 */
export class ServiceLogger {
  readonly logRequest: HttpLogger;
  readonly logger: Logger;

  constructor(
    readonly settings: LogSettings & { service: string },
    destination?: DestinationStream,
  ) {
    this.logRequest = pinoHttp(loggerParams(settings), destination);
    this.logger = this.logRequest.logger;
    serviceLoggers.add(this);
  }

  /** Writes out buffered lines and stops routing unscoped lines here. */
  async close(): Promise<void> {
    serviceLoggers.delete(this);
    await new Promise<void>((resolve) => {
      this.logger.flush(() => {
        resolve();
      });
    });
  }
}

/** Runs `work`, and everything it starts (timers, consumers, sockets), with `logger` as the one lines go to. */
export function withLogger<T>(logger: Logger, work: () => T): T {
  return scope.run(logger, work);
}

/**
 * The logger of a line written outside any scope: the service's when the process runs one,
 * else one that names no service rather than the wrong one.
 */
function loggerOutsideScope(): Logger | null {
  const loggers = [...serviceLoggers];
  if (loggers.length === 0) return null;
  if (loggers.length === 1) return loggers[0].logger;
  unscoped ??= pino(loggerParams({ ...loggers[0].settings, service: undefined }));
  return unscoped;
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's logger (`app.useLogger`), for `new Logger(context)` anywhere. Nest keeps one static
 * logger per process, so this one does not belong to a service: each line goes to the logger
 * of the scope it is written in (the service whose request, consumer or timer runs).
 * Arguments as Nest passes them: `log(message | object | Error, ...params, context)`.
 */
export class ScopedNestLogger implements LoggerService {
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const logger = scope.getStore() ?? loggerOutsideScope();
    if (!logger) return;
    const fields: Record<string, unknown> = {};
    // Nest passes the context (the class name) last.
    if (params.length > 0) fields.context = params[params.length - 1];
    const rest = params.slice(0, -1);
    if (message instanceof Error) {
      logger[level]({ ...fields, err: message }, ...(rest as []));
    } else if (typeof message === 'object' && message !== null) {
      logger[level]({ ...fields, ...message }, ...(rest as []));
    } else if (level === 'error' && typeof message === 'string' && rest.length === 1 && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0])) {
      // Nest's exception handlers pass (message, stack, context).
      const err = new Error(message);
      err.stack = rest[0];
      logger[level]({ ...fields, err });
    } else {
      logger[level](fields, String(message), ...(rest as []));
    }
  }
}
