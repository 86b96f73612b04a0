import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { AuthenticatedRequest } from '@orders/platform-auth';
import { counter } from '@orders/platform-observability';
import type { FastifyRequest } from 'fastify';
import { catchError, from, Observable, switchMap, throwError } from 'rxjs';
import { IdempotencyClaims } from '../idempotency/idempotency-claims';
import { AdmittedKey, fingerprintedKey, KeyClaim } from '../idempotency/idempotent-request';
import { ClaimDecision, OrderRateLimit } from '../rate-limit/order-rate-limit';

const admittedClaims = counter({
  name: 'gateway_idempotency_claims_total',
  help: 'Order creations admitted, by what their Idempotency-Key claim found: claimed, held (a duplicate stopped before PostgreSQL) or unclaimed (no valid key, or Redis unreachable)',
  labelNames: ['claim'],
});

type AdmissionRequest = FastifyRequest & AuthenticatedRequest & { [ADMITTED]?: AdmittedKey };
const ADMITTED = Symbol('admitted idempotency key');

/**
 * Admission of an order creation, one Redis round trip: the user's rate limit and, when
 * admitted and the Idempotency-Key is valid, the key's in-flight claim (OrderRateLimit runs
 * both in one script). It runs after the AuthGuard, so the user is known, and before
 * validation (Nest runs pipes inside `next.handle()`), so every attempt counts, valid or not
 * (as at Stripe): the claim needs only the raw body's fingerprint, not a validated body.
 * A refused request (429) claims nothing, so its retry never meets its own claim.
 *
 * Any error after the claim (a 400 from validation, a 422, a 5xx) releases it, so a corrected
 * retry with the same key goes through; a success keeps it until its lease lapses.
 */
@Injectable()
export class OrderAdmission implements NestInterceptor {
  constructor(
    private readonly rateLimit: OrderRateLimit,
    private readonly claims: IdempotencyClaims,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AdmissionRequest>();
    const user = request.user;
    if (!user) return next.handle();
    const key = fingerprintedKey(user.id, request.headers['idempotency-key'] as string | undefined, { method: 'POST', path: '/orders', body: request.body });
    return from(this.rateLimit.admit(user.id, key && this.claims.claimOf(key))).pipe(
      switchMap((decision) => {
        const claim = keyClaim(decision);
        admittedClaims.inc({ claim: claim.kind });
        if (key) request[ADMITTED] = { ...key, claim };
        if (!key || claim.kind !== 'claimed') return next.handle();
        return next.handle().pipe(catchError((error: unknown) => from(this.claims.release(key)).pipe(switchMap(() => throwError(() => error)))));
      }),
    );
  }
}

/** The key fingerprinted and claimed at admission, for the handler (idempotentRequest). */
export function admittedKey(request: FastifyRequest): AdmittedKey | undefined {
  return (request as AdmissionRequest)[ADMITTED];
}

function keyClaim(decision: ClaimDecision): KeyClaim {
  return decision.kind === 'held' ? { kind: 'held', fingerprint: decision.value } : decision;
}
