import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule, Params, PinoLogger } from 'nestjs-pino';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { DestinationStream, Logger } from 'pino';
import type { Options as HttpLogOptions } from 'pino-http';
import { activeLogFields } from './log-fields';
import { activeTraceIds } from './tracing';

const UNLOGGED_PATHS = ['/health', '/ready', '/metrics'];

/** The request path without its query. Fastify's middleware layer rewrites `url` (to `/`), not `originalUrl`. */
function pathOf(request: { url?: string; originalUrl?: string }): string {
  return (request.originalUrl ?? request.url ?? '').split('?')[0];
}

/**
 * The id a request's lines carry: the caller's `X-Request-Id` (the gateway passes its own to
 * the services it calls), else a new one. Fastify's request id, which pino-http takes over.
 */
export function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' ? given.slice(0, 100) : randomUUID();
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
  service: string;
  level: string;
  pretty: boolean;
}

/**
 * The service whose work runs in this async context: set around each app's start and stop steps.
 * Kept beside nestjs-pino's own store, not in it: that store is not exported, and each request
 * replaces its logger with a child of the process's one root, which names no app.
 */
const serviceAtWork = new AsyncLocalStorage<string>();
/** The log scopes of the apps this process runs (the e2e tests run three services in one). */
const appScopes = new Set<AppLogScope>();

/**
 * The service a line names: the app's whose work wrote it; outside any app's work, the only
 * app's (or the logger's own, before any app exists), else none rather than a wrong one.
 */
function serviceOfLine(ownService: string): string | undefined {
  const atWork = serviceAtWork.getStore();
  if (atWork) return atWork;
  const scopes = [...appScopes];
  if (scopes.length === 0) return ownService;
  return scopes.length === 1 ? scopes[0].service : undefined;
}

/**
 * JSON logs, one line per event, with the service, trace ids of the active span and, inside
 * a Kafka handler, the order id and event id of the event; secrets and the Authorization
 * header never reach a log line. Pretty output in development only.
 */
export function loggerParams(settings: LogSettings, destination?: DestinationStream): Params {
  const options: HttpLogOptions = {
    level: settings.level,
    // No `service` binding: nestjs-pino builds one root logger per process, so the service
    // comes from the work being done (see serviceOfLine), not from whichever app came first.
    base: {},
    messageKey: 'msg',
    mixin: () => ({ service: serviceOfLine(settings.service), ...activeLogFields(), ...activeTraceIds() }),
    genReqId: requestIdOf,
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
  return {
    // Every route, spelled as Nest 12's Fastify adapter matches it: nestjs-pino 5's default
    // ('{/*splat}') matches no request there, and the access log would be silently empty.
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: destination ? [options, destination] : options,
  };
}

/**
 * What names one app's service on its lines. nestjs-pino writes every line of the process
 * through one root logger (its pino-http, built by the first app), and Nest keeps one static
 * logger: the app's service is that of the work running, so the app runs its start and stop
 * steps here, and its timers, Kafka consumers and HTTP connections inherit the scope.
 */
export class AppLogScope {
  constructor(readonly service: string) {
    appScopes.add(this);
  }

  /** Runs `work`, and everything it starts, as this app's. */
  run<T>(work: () => T): T {
    return serviceAtWork.run(this.service, work);
  }

  /** Stops naming this app on lines written outside any app's work, and writes out buffered lines. */
  async close(): Promise<void> {
    appScopes.delete(this);
    // `root` is unset until a logger module has started, whatever its declared type says.
    const root = PinoLogger.root as Logger | undefined;
    if (root) {
      await new Promise<void>((resolve) => {
        root.flush(() => {
          resolve();
        });
      });
    }
  }
}

/** An app's logs: nestjs-pino (request lines, Nest's `Logger`, `PinoLogger`) and the app's log scope. */
@Module({})
export class ServiceLogModule {
  static forService(settings: LogSettings, destination?: DestinationStream): DynamicModule {
    return {
      module: ServiceLogModule,
      global: true,
      imports: [LoggerModule.forRoot(loggerParams(settings, destination))],
      providers: [{ provide: AppLogScope, useFactory: () => new AppLogScope(settings.service) }],
      exports: [AppLogScope],
    };
  }
}
