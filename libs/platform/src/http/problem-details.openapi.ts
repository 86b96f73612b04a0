import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from './problem-details';

/** OpenAPI shape of a FieldError. */
export class FieldErrorView {
  @ApiProperty({ example: 'items[0].quantity' })
  field!: string;

  @ApiProperty({ example: 'quantity must not be greater than 1000' })
  message!: string;
}

/** OpenAPI shape of the RFC 9457 body every 4xx/5xx carries (see ProblemDetails). */
export class ProblemDetailsView {
  @ApiProperty({ example: `${PROBLEM_TYPE_BASE}validation-failed`, description: 'URI naming the kind of problem; about:blank for 500.' })
  type!: string;

  @ApiProperty({ example: 'Bad Request', description: 'The HTTP reason phrase of the status.' })
  title!: string;

  @ApiProperty({ example: 400, type: 'integer' })
  status!: number;

  @ApiProperty({ example: 'The request is not valid.' })
  detail!: string;

  @ApiProperty({ example: '/orders', description: 'The path of the request.' })
  instance!: string;

  @ApiPropertyOptional({ type: [FieldErrorView], description: 'Present on validation failures: one entry per offending field.' })
  errors?: FieldErrorView[];
}

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Validation failed (per-field `errors`), malformed JSON or a missing/invalid header.',
  401: 'Missing, malformed, expired or badly signed bearer token.',
  403: 'The token lacks the required role.',
  404: 'No such resource.',
  409: 'Conflict with the current state.',
  413: 'The request body exceeds 64 KiB.',
  415: 'The body is not application/json.',
  422: 'The request is well-formed but cannot be processed.',
  429: 'Too many requests; retry after the number of seconds in Retry-After.',
  500: 'Unexpected error; the body reveals nothing about it.',
  502: 'A service behind the gateway failed; retrying is not promised to help.',
  503: 'A dependency is unavailable; retry after Retry-After.',
};

const SLUGS: Record<number, string> = {
  400: 'validation-failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  429: 'rate-limited',
  503: 'unavailable',
};

const HEADERS: Record<number, Record<string, { description: string; schema: { type: string } }>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds until a request may succeed.', schema: { type: 'integer' } } },
  503: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
};

function exampleOf(status: number): object {
  const example: Record<string, unknown> = {
    type: status === 500 ? 'about:blank' : `${PROBLEM_TYPE_BASE}${SLUGS[status] ?? 'error'}`,
    title: STATUS_CODES[status],
    status,
    detail: status === 500 ? 'An unexpected error occurred.' : (DEFAULT_DESCRIPTIONS[status] ?? STATUS_CODES[status]),
    instance: '/orders',
  };
  if (status === 400) example.errors = [{ field: 'items[0].quantity', message: 'quantity must not be greater than 1000' }];
  return example;
}

export interface ProblemResponseOptions {
  description?: string;
  headers?: Record<string, { description: string; schema: { type: string } }>;
}

/** Documents one error status of an operation as application/problem+json. */
export function ApiProblem(status: number, options: ProblemResponseOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsView),
    ApiResponse({
      status,
      description: options.description ?? DEFAULT_DESCRIPTIONS[status] ?? STATUS_CODES[status] ?? 'Error',
      headers: { ...HEADERS[status], ...options.headers },
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsView) }, example: exampleOf(status) } },
    }),
  ) as MethodDecorator & ClassDecorator;
}

/** Documents several error statuses with their default descriptions. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiProblem(status))) as MethodDecorator & ClassDecorator;
}
