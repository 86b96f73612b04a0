import { DomainError, Problems } from '@orders/platform-http';

export class IdempotencyKeyReused extends DomainError {
  constructor() {
    super(Problems.IdempotencyKeyReused, 'This Idempotency-Key was already used with a different request.');
  }
}

export class IdempotentRequestInFlight extends DomainError {
  constructor() {
    super(Problems.IdempotencyRequestInFlight, 'A request with this Idempotency-Key is still being processed; retry shortly.', undefined, {
      'Retry-After': '1',
    });
  }
}
