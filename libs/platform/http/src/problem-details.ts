import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { isTransientError } from '@orders/platform-async';
import { DomainError, FieldError } from './domain-error';
import { genericProblemFor, INTERNAL_PROBLEM_TYPE, Problems, ProblemType, problemTypeUri } from './problem-catalogue';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, the body of every 4xx/5xx. */
interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
}

interface Problem {
  body: ProblemDetails;
  headers: Record<string, string>;
}

// Fastify's own errors (raised before Nest sees the request) that are the client's fault.
const FASTIFY_CODES: Partial<Record<string, { type: ProblemType; detail: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { type: Problems.PayloadTooLarge, detail: 'The request body exceeds 64 KiB.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { type: Problems.UnsupportedMediaType, detail: 'Send the body as application/json.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { type: Problems.MalformedJson, detail: 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { type: Problems.MalformedJson, detail: 'The body is not valid JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { type: Problems.BadRequest, detail: 'Content-Length does not match the body.' },
  FST_ERR_BAD_URL: { type: Problems.BadUrl, detail: 'The URL is not valid (a broken percent-escape?).' },
  FST_ERR_MAX_PARAM_LENGTH: { type: Problems.UriTooLong, detail: 'A path segment is too long.' },
};

/** A problem body of a catalogue type: its status, its URI, the reason phrase as title. */
export function problemBody(type: ProblemType, detail: string, instance: string, errors?: FieldError[]): ProblemDetails {
  const body: ProblemDetails = { type: problemTypeUri(type), title: STATUS_CODES[type.status] ?? 'Error', status: type.status, detail, instance };
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

const known = (type: ProblemType, detail: string, instance: string, errors?: FieldError[], headers: Record<string, string> = {}) => ({
  body: problemBody(type, detail, instance, errors),
  headers,
  unexpected: false,
});

/**
 * Maps anything thrown while serving a request to problem details. Unknown errors
 * become a bare 500: no message, stack, SQL or host name leaves the process.
 */
export function toProblem(error: unknown, instance: string): Problem & { unexpected: boolean } {
  if (error instanceof DomainError) return known(error.type, error.detail, instance, error.errors, error.headers);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status < 500)
      return known(genericProblemFor(status), status === (HttpStatus.NOT_FOUND as number) ? 'No such resource.' : describeHttpException(error), instance);
  }
  const fastify: { code?: unknown; statusCode?: unknown } = typeof error === 'object' && error !== null ? error : {};
  const fastifyProblem = typeof fastify.code === 'string' ? FASTIFY_CODES[fastify.code] : undefined;
  if (fastifyProblem) return known(fastifyProblem.type, fastifyProblem.detail, instance);
  if (error instanceof SyntaxError && fastify.statusCode === 400) return known(Problems.MalformedJson, 'The body is not valid JSON.', instance);
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return known(genericProblemFor(fastify.statusCode), 'The request could not be processed.', instance);
  }
  if (isTransientError(error)) {
    // A dependency is away or saturated (pool wait, connection refused): the client may retry.
    return {
      ...known(Problems.TemporarilyUnavailable, 'The service is temporarily unable to handle the request; retry shortly.', instance, undefined, {
        'Retry-After': '1',
      }),
      unexpected: true,
    };
  }
  return {
    body: { type: INTERNAL_PROBLEM_TYPE, title: STATUS_CODES[500] ?? 'Internal Server Error', status: 500, detail: 'An unexpected error occurred.', instance },
    headers: {},
    unexpected: true,
  };
}

function describeHttpException(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  return STATUS_CODES[error.getStatus()] ?? 'Error';
}

/**
 * A complete HTTP/1.1 response carrying a problem, for the few errors answered on the raw
 * socket (the request could not even be parsed, so there is no route and no reply object).
 */
export function rawProblemResponse(type: ProblemType, detail: string): string {
  const status = type.status;
  const body = JSON.stringify(problemBody(type, detail, '/'));
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
