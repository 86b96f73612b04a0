import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { INTERNAL_PROBLEM_TYPE, PROBLEM_TYPE_URIS, ProblemHeader, Problems, ProblemType, problemTypeOf, problemTypeUri } from './problem-catalogue';
import { PROBLEM_CONTENT_TYPE } from './problem-details';

/** OpenAPI shape of a FieldError. */
class FieldErrorView {
  @ApiProperty({ example: 'items[0].quantity' })
  field!: string;

  @ApiProperty({ example: 'quantity must not be greater than 1000 (max)' })
  message!: string;
}

/** OpenAPI shape of the RFC 9457 body every 4xx/5xx carries (see ProblemDetails). */
export class ProblemDetailsView {
  @ApiProperty({
    enum: PROBLEM_TYPE_URIS,
    example: PROBLEM_TYPE_URIS[0],
    description: 'URI naming the kind of problem, one of the catalogue; about:blank for 500.',
  })
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

const HEADER_DOCS: Record<ProblemHeader, { description: string; schema: { type: string } }> = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
  'WWW-Authenticate': { description: 'Bearer', schema: { type: 'string' } },
};

interface OpenApiResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: Record<string, unknown>; examples?: Record<string, unknown>; example?: unknown }>;
}

/**
 * The problem+json response of one status: the document's ProblemDetailsView narrowed to the
 * catalogue types this operation answers with that status, with one example per type.
 */
function problemResponse(status: number, types: readonly ProblemType[]): OpenApiResponse {
  const documented =
    status === 500
      ? [{ uri: INTERNAL_PROBLEM_TYPE, detail: 'An unexpected error occurred.' }]
      : types.map((type) => ({ uri: problemTypeUri(type), detail: type.description }));
  const uris = documented.map(({ uri }) => uri);
  const description =
    status === 500
      ? 'Unexpected error; the body reveals nothing about it.'
      : types.map((type) => (types.length > 1 ? `\`${type.slug}\`: ${type.description}` : type.description)).join(' ');
  const headers = Object.fromEntries(types.flatMap((type) => type.headers ?? []).map((name) => [name, HEADER_DOCS[name]]));
  const examples = Object.fromEntries(
    documented.map(({ uri, detail }) => [
      uri.slice(uri.lastIndexOf('/') + 1),
      {
        value: {
          type: uri,
          title: STATUS_CODES[status],
          status,
          detail,
          instance: '/orders',
          ...(uri.endsWith('/validation-failed') ? { errors: [{ field: 'items[0].quantity', message: 'quantity must not be greater than 1000 (max)' }] } : {}),
        },
      },
    ]),
  );
  return {
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { allOf: [{ $ref: getSchemaPath(ProblemDetailsView) }, { properties: { type: { enum: uris }, status: { enum: [status] } } }] },
        examples,
      },
    },
  };
}

/** The catalogue types a documented problem response lists. */
function problemTypesOf(response: OpenApiResponse | undefined): ProblemType[] {
  const schema = response?.content?.[PROBLEM_CONTENT_TYPE]?.schema as { allOf?: Array<{ properties?: { type?: { enum?: string[] } } }> } | undefined;
  const uris = schema?.allOf?.[1]?.properties?.type?.enum ?? [];
  return uris.map((uri) => problemTypeOf(uri)).filter((type): type is ProblemType => type !== undefined);
}

/** Documents the problem types an operation (or every operation of a controller) answers, grouped by status. */
export function ApiProblems(...types: ProblemType[]): MethodDecorator & ClassDecorator {
  const statuses = [...new Set(types.map((type) => type.status))];
  return applyDecorators(
    ApiExtraModels(ProblemDetailsView),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        ...problemResponse(
          status,
          types.filter((type) => type.status === status),
        ),
      } as Parameters<typeof ApiResponse>[0]),
    ),
  );
}

interface DocumentedOperation {
  security?: unknown[];
  parameters?: Array<{ in: string }>;
  requestBody?: unknown;
  responses: Record<string, OpenApiResponse>;
}

/**
 * Adds to every operation the problems the HTTP layer can answer whatever the route: a URL or
 * request it cannot parse, a request too slow (408), headers too large (431), a dependency away
 * (503), an unexpected failure (500); plus, by the operation's shape, a bad token (401) or
 * keys of the identity provider not fetched yet (503), a bad
 * body (400, 413, 415), an over-long path segment (414). So every status a client can get is
 * documented, with the catalogue types behind it.
 */
export function documentCommonProblems(document: { paths: object }): void {
  const { BadUrl, MalformedRequest, RequestTimeout, HeadersTooLarge, TemporarilyUnavailable, Unauthenticated, MalformedJson, ValidationFailed } = Problems;
  const { PayloadTooLarge, UnsupportedMediaType, UriTooLong } = Problems;
  for (const methods of Object.values(document.paths) as Array<Record<string, DocumentedOperation>>) {
    for (const operation of Object.values(methods)) {
      const common = [BadUrl, MalformedRequest, RequestTimeout, HeadersTooLarge, TemporarilyUnavailable];
      if ((operation.security ?? []).length > 0) common.push(Unauthenticated, Problems.TokenKeysUnavailable);
      if (operation.requestBody) common.push(MalformedJson, ValidationFailed, Problems.BadRequest, PayloadTooLarge, UnsupportedMediaType);
      if ((operation.parameters ?? []).some((parameter) => parameter.in === 'query')) common.push(ValidationFailed);
      if ((operation.parameters ?? []).some((parameter) => parameter.in === 'path')) common.push(UriTooLong);
      for (const status of [...new Set(common.map((type) => type.status))]) {
        const documented = problemTypesOf(operation.responses[String(status)]);
        const added = common.filter((type) => type.status === status && !documented.includes(type));
        if (added.length === 0) continue;
        operation.responses[String(status)] = problemResponse(status, [...documented, ...added]);
      }
      operation.responses['500'] = problemResponse(500, []);
    }
  }
}
