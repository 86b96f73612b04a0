import { DomainError } from '@orders/platform';

export class IdempotencyKeyReused extends DomainError {
  constructor() {
    super('unprocessable', 'idempotency-key-reused', 'This Idempotency-Key was already used with a different request.');
  }
}

export class IdempotentRequestInFlight extends DomainError {
  constructor() {
    super('conflict', 'idempotency-request-in-flight', 'A request with this Idempotency-Key is still being processed; retry shortly.', undefined, {
      'Retry-After': '1',
    });
  }
}
