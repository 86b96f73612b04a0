/** What kind of failure a domain error is; the HTTP layer alone turns it into a status. */
export type ProblemKind =
  'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable' | 'too_many_requests' | 'bad_gateway' | 'unavailable';

export interface FieldError {
  field: string;
  message: string;
}

/** Base of every named domain error (OutOfStock, IdempotencyConflict, ...). */
export class DomainError extends Error {
  constructor(
    readonly kind: ProblemKind,
    /** Stable short identifier, used as the problem `type` slug. */
    readonly code: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationFailed extends DomainError {
  constructor(errors: FieldError[], detail = 'The request is not valid.') {
    super('bad_request', 'validation-failed', detail, errors);
  }
}

export class Unauthenticated extends DomainError {
  constructor(detail = 'A valid bearer token is required.') {
    super('unauthorized', 'unauthenticated', detail, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class Forbidden extends DomainError {
  constructor(detail = 'This action needs a role you do not have.') {
    super('forbidden', 'forbidden', detail);
  }
}

export class NotFound extends DomainError {
  constructor(what: string) {
    super('not_found', 'not-found', `${what} was not found.`);
  }
}
