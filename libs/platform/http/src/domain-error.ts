import { ProblemType, Problems } from './problem-catalogue';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Base of every named domain error (OutOfStock, IdempotencyConflict, ...). It names its
 * problem type from the catalogue; the HTTP layer alone turns that into a response.
 */
export class DomainError extends Error {
  constructor(
    readonly type: ProblemType,
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
    super(Problems.ValidationFailed, detail, errors);
  }
}

export class Unauthenticated extends DomainError {
  constructor(detail = 'A valid bearer token is required.') {
    super(Problems.Unauthenticated, detail, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class Forbidden extends DomainError {
  constructor(detail = 'This action needs a role you do not have.') {
    super(Problems.Forbidden, detail);
  }
}
