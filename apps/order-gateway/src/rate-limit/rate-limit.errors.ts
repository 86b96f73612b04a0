import { DomainError, Problems } from '@orders/platform-http';

export class RateLimited extends DomainError {
  constructor(limit: number, retryAfterSeconds: number) {
    super(Problems.RateLimited, `At most ${limit} orders per minute may be created; retry after ${retryAfterSeconds} s.`, undefined, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}
