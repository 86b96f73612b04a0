import { Inject, Injectable, Logger } from '@nestjs/common';
import { counter } from '@orders/platform-observability';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { GatewayConfig } from '../config/gateway.config';
import { RateLimited } from './rate-limit.errors';
import { SlidingWindowClaim, SlidingWindowLimiter } from './sliding-window.limiter';

const WINDOW_MS = 60_000;

const refused = counter({ name: 'gateway_rate_limited_total', help: 'Order creations refused by the per-user rate limit' });
const unchecked = counter({ name: 'gateway_rate_limit_unavailable_total', help: 'Order creations admitted unchecked because Redis was unreachable' });

/** What admission decided about the claim asked for: held by this request, held by another (its value), or nothing claimed (none asked for, or Redis unreachable). */
export type ClaimDecision = { kind: 'claimed' } | { kind: 'held'; value: string } | { kind: 'unclaimed' };

/**
 * Per-user limit on order creation (RATE_LIMIT_ORDERS_PER_MINUTE over a sliding minute),
 * shared by all replicas through Redis, where the window is kept ({userId} hash-tagged, so
 * a claim of the same user's key shares its slot and its script).
 *
 * If Redis is unreachable the request is admitted and counted in a metric: the limit
 * protects capacity, and refusing every order while Redis restarts would turn a
 * protective feature into an outage (the contract promises no loss across a Redis restart).
 * Nothing is claimed then: the caller's store must settle duplicates on its own.
 */
@Injectable()
export class OrderRateLimit {
  private readonly logger = new Logger(OrderRateLimit.name);

  constructor(
    private readonly limiter: SlidingWindowLimiter,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Takes one order creation from the user's window and, if admitted, claims `claim`; over the limit: RateLimited, nothing claimed. */
  async admit(userId: string, claim?: SlidingWindowClaim): Promise<ClaimDecision> {
    const limit = this.config.RATE_LIMIT_ORDERS_PER_MINUTE;
    let decision;
    try {
      decision = await this.limiter.take(orderWindowKey(userId), limit, WINDOW_MS, claim);
    } catch (error) {
      unchecked.inc();
      this.logger.warn(`rate limit not checked, Redis unavailable: ${(error as Error).message}`);
      return { kind: 'unclaimed' };
    }
    if (!decision.allowed) {
      refused.inc();
      throw new RateLimited(limit, Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    }
    if (!claim) return { kind: 'unclaimed' };
    return decision.heldBy == null ? { kind: 'claimed' } : { kind: 'held', value: decision.heldBy };
  }
}

/** The user's window; `{userId}` is the Redis Cluster hash tag the user's claims share. */
export function orderWindowKey(userId: string): string {
  return `ratelimit:orders:{${userId}}`;
}
