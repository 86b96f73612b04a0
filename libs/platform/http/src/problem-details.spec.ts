import { NotFoundException } from '@nestjs/common';
import { DomainError, ValidationFailed } from './domain-error';
import { PROBLEM_TYPE_URIS, Problems } from './problem-catalogue';
import { rawProblemResponse, toProblem } from './problem-details';

describe('problem details', () => {
  it('maps a domain error to its status with field errors', () => {
    const problem = toProblem(new ValidationFailed([{ field: 'items', message: 'required' }]), '/orders');
    expect(problem.body).toEqual({
      type: 'https://order-platform.dev/problems/validation-failed',
      title: 'Bad Request',
      status: 400,
      detail: 'The request is not valid.',
      instance: '/orders',
      errors: [{ field: 'items', message: 'required' }],
    });
  });

  it('keeps headers a domain error carries (Retry-After, WWW-Authenticate)', () => {
    const problem = toProblem(new DomainError(Problems.RateLimited, 'slow down', undefined, { 'Retry-After': '7' }), '/orders');
    expect(problem.body.status).toBe(429);
    expect(problem.headers).toEqual({ 'Retry-After': '7' });
  });

  it('maps Fastify body errors: too large 413, bad JSON 400, wrong media type 415', () => {
    expect(toProblem(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), '/').body.status).toBe(413);
    expect(toProblem(Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 }), '/').body.status).toBe(400);
    expect(toProblem(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), '/').body.status).toBe(415);
  });

  it('answers only types of the catalogue, whatever is thrown', () => {
    const thrown: unknown[] = [
      new ValidationFailed([]),
      new NotFoundException('x'),
      Object.assign(new Error('x'), { statusCode: 405 }),
      Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', statusCode: 400 }),
      Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      new Error('anything'),
      'a string',
    ];
    for (const error of thrown) expect(PROBLEM_TYPE_URIS).toContain(toProblem(error, '/').body.type);
  });

  it('answers unknown routes with 404', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nope'), '/nope').body).toMatchObject({ status: 404, detail: 'No such resource.' });
  });

  it('answers 503 with Retry-After when a dependency is away, without naming it', () => {
    const problem = toProblem(Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' }), '/orders');
    expect(problem.body).toMatchObject({ status: 503, detail: 'The service is temporarily unable to handle the request; retry shortly.' });
    expect(JSON.stringify(problem.body)).not.toContain('10.0.0.7');
    expect(problem.headers).toEqual({ 'Retry-After': '1' });
  });

  it('hides everything about an unexpected error', () => {
    const problem = toProblem(new Error('relation "orders" does not exist at db-primary.internal:5432'), '/orders');
    expect(problem.unexpected).toBe(true);
    expect(problem.body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred.',
      instance: '/orders',
    });
  });
});

describe('raw problem responses (requests the HTTP parser refused)', () => {
  it('is a complete HTTP/1.1 response with a problem+json body', () => {
    const raw = rawProblemResponse(Problems.MalformedRequest, 'The HTTP request could not be parsed.');
    const [head, body] = raw.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(head).toContain('Content-Type: application/problem+json');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toMatchObject({ status: 400, title: 'Bad Request', instance: '/' });
    expect(rawProblemResponse(Problems.HeadersTooLarge, 'x').startsWith('HTTP/1.1 431 Request Header Fields Too Large')).toBe(true);
    expect(rawProblemResponse(Problems.RequestTimeout, 'x').startsWith('HTTP/1.1 408 Request Timeout')).toBe(true);
  });
});
