import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { isTransientError } from '../database/transient-errors';
import { DomainError, FieldError, ProblemKind } from './domain-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://order-platform.dev/problems/';

/** RFC 9457 problem details, the body of every 4xx/5xx. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
}

export interface Problem {
  body: ProblemDetails;
  headers: Record<string, string>;
}

const STATUS_OF: Record<ProblemKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_many_requests: 429,
  bad_gateway: 502,
  unavailable: 503,
};

// Fastify's own errors (raised before Nest sees the request) that are the client's fault.
const FASTIFY_CODES: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload-too-large', detail: 'The request body exceeds 64 KiB.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported-media-type', detail: 'Send the body as application/json.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed-json', detail: 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed-json', detail: 'The body is not valid JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad-request', detail: 'Content-Length does not match the body.' },
  FST_ERR_BAD_URL: { status: 400, code: 'bad-url', detail: 'The URL is not valid (a broken percent-escape?).' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri-too-long', detail: 'A path segment is too long.' },
};

function build(status: number, code: string, detail: string, instance: string, errors?: FieldError[]): ProblemDetails {
  const body: ProblemDetails = {
    type: status === 500 ? 'about:blank' : `${PROBLEM_TYPE_BASE}${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance,
  };
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

/**
 * Maps anything thrown while serving a request to problem details. Unknown errors
 * become a bare 500: no message, stack, SQL or host name leaves the process.
 */
export function toProblem(error: unknown, instance: string): Problem & { unexpected: boolean } {
  if (error instanceof DomainError) {
    return { body: build(STATUS_OF[error.kind], error.code, error.detail, instance, error.errors), headers: error.headers ?? {}, unexpected: false };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status < 500) {
      const code = (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '-');
      const detail = status === HttpStatus.NOT_FOUND ? 'No such resource.' : describeHttpException(error);
      return { body: build(status, code, detail, instance), headers: {}, unexpected: false };
    }
  }
  const fastify = error as { code?: string; statusCode?: number };
  if (fastify && typeof fastify.code === 'string' && FASTIFY_CODES[fastify.code]) {
    const known = FASTIFY_CODES[fastify.code];
    return { body: build(known.status, known.code, known.detail, instance), headers: {}, unexpected: false };
  }
  if (error instanceof SyntaxError && fastify.statusCode === 400) {
    return { body: build(400, 'malformed-json', 'The body is not valid JSON.', instance), headers: {}, unexpected: false };
  }
  if (fastify && typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return { body: build(fastify.statusCode, 'bad-request', 'The request could not be processed.', instance), headers: {}, unexpected: false };
  }
  if (isTransientError(error)) {
    // A dependency is away or saturated (pool wait, connection refused): the client may retry.
    return {
      body: build(503, 'temporarily-unavailable', 'The service is temporarily unable to handle the request; retry shortly.', instance),
      headers: { 'Retry-After': '1' },
      unexpected: true,
    };
  }
  return { body: build(500, 'internal', 'An unexpected error occurred.', instance), headers: {}, unexpected: true };
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
export function rawProblemResponse(status: number): string {
  const body = JSON.stringify(build(status, 'malformed-request', 'The HTTP request could not be parsed.', '/'));
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
