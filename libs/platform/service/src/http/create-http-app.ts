import { ArgumentMetadata, DynamicModule, INestApplication, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Socket } from 'node:net';
import { Logger } from 'nestjs-pino';
import { AppLogScope, requestIdOf } from '@orders/platform-observability';
import {
  bodyShapeProblems,
  FieldError,
  PROBLEM_CONTENT_TYPE,
  ProblemDetailsFilter,
  Problems,
  rawProblemResponse,
  toProblem,
  ValidationFailed,
} from '@orders/platform-http';
import { observeHttp } from './http-observability';
import { scopeLogsToApp } from './app-log-scope';

const MAX_BODY_BYTES = 64 * 1024;

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? (/^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`) : error.property;
    // Each message names the rule it broke (class-validator's constraint name), e.g. "(max)".
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({ field, message: `${message} (${rule})` }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Validation that whitelists fields and refuses wrong types instead of coercing them. Every
 * body, validated by a DTO or only relayed (the gateway's admin proxy), is first checked for
 * a sane shape (see bodyShapeProblems), because the validators themselves would crash on it.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      const problems = bodyShapeProblems(value);
      if (problems.length > 0) throw new ValidationFailed(problems);
    }
    return super.transform(value, metadata);
  }
}

export function strictValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailed(flatten(errors)),
  });
}

/** Bounds of the HTTP server (see ServiceConfig: HTTP_*_TIMEOUT_MS). */
interface HttpTimeouts {
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
  HTTP_IDLE_TIMEOUT_MS: number;
}

/**
 * Requests Node's HTTP parser refuses before any route sees them (a control character in
 * a header, a broken request line, oversized headers) and requests whose head or body did
 * not arrive in time (408) still get a problem+json answer, unless an answer has begun.
 */
function answerUnparsableRequest(error: Error & { code?: string }, socket: Socket & { _httpMessage?: { headersSent?: boolean } }): void {
  if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const answer =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? rawProblemResponse(Problems.RequestTimeout, 'The request did not arrive in time.')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? rawProblemResponse(Problems.HeadersTooLarge, 'The request headers are too large.')
        : rawProblemResponse(Problems.MalformedRequest, 'The HTTP request could not be parsed.');
  // Closed once written: a client that stalled would also never close its side.
  socket.end(answer, () => socket.destroy());
}

// Typed loosely: @nestjs/platform-fastify brings its own copy of fastify's types.
function answerRouterError(
  error: Error,
  request: { url?: string },
  reply: { code(status: number): unknown; headers(values: object): unknown; send(body: never): unknown },
): void {
  const problem = toProblem(error, (request.url ?? '/').split('?')[0]);
  reply.code(problem.body.status);
  reply.headers({ ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE });
  reply.send(problem.body as never);
}

/** Fastify-based Nest app with the platform's HTTP conventions. */
export async function createHttpApp(rootModule: Type<unknown> | DynamicModule, timeouts: HttpTimeouts): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    // Fastify leaves the whole-request bound off by default: a stalled body held a connection forever.
    requestTimeout: timeouts.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: timeouts.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: timeouts.HTTP_IDLE_TIMEOUT_MS,
    http: {
      headersTimeout: timeouts.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: timeouts.HTTP_REQUEST_TIMEOUT_MS,
      // Node looks for late requests this often (30 s by default, coarser than the bounds).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(timeouts.HTTP_HEADERS_TIMEOUT_MS / 2))),
    },
    trustProxy: true,
    // Fastify's id is the one request lines carry (its middleware layer hands it to pino-http).
    genReqId: requestIdOf,
    return503OnClosing: true,
    clientErrorHandler: answerUnparsableRequest,
    // The router's own refusals (a broken %-escape, an over-long path parameter) as problems too.
    frameworkErrors: answerRouterError,
  });
  // Every API here speaks JSON: without Fastify's text/plain parser, a text body gets a
  // clear 415 instead of reaching validation as a string.
  adapter.getInstance().removeContentTypeParser('text/plain');
  // bodyParser off: Nest would add a form (urlencoded) parser, so a form body reached validation
  // as an object (a 400) instead of the 415 it is. Fastify's own JSON parser stays.
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  const logScope = app.get(AppLogScope);
  // The lines Nest buffered while creating the app are written now, as this app's.
  logScope.run(() => {
    app.useLogger(app.get(Logger));
  });
  scopeLogsToApp(app, logScope);
  observeHttp(app, logScope.service);
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(strictValidationPipe());
  app.enableShutdownHooks();
  return app;
}

export type HttpApp = INestApplication & NestFastifyApplication;
