import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { AuthenticatedRequest } from '@orders/platform-auth';
import { counter } from '@orders/platform-observability';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { GatewayConfig } from '../config/gateway.config';
import { RateLimited } from './rate-limit.errors';
import { SlidingWindowLimiter } from './sliding-window.limiter';

const WINDOW_MS = 60_000;

const refused = counter({ name: 'gateway_rate_limited_total', help: 'Order creations refused by the per-user rate limit' });
const unchecked = counter({ name: 'gateway_rate_limit_unavailable_total', help: 'Order creations admitted unchecked because Redis was unreachable' });

/**
 * Per-user limit on order creation (RATE_LIMIT_ORDERS_PER_MINUTE over a sliding minute),
 * shared by all replicas through Redis. Runs after the global AuthGuard, so the user is
 * known, and before validation, so every attempt counts, valid or not (as at Stripe).
 *
 * If Redis is unreachable the request is admitted and counted in a metric: the limit
 * protects capacity, and refusing every order while Redis restarts would turn a
 * protective feature into an outage (the contract promises no loss across a Redis restart).
 *
 * It stays its own Redis round trip before the idempotency claim (PostgreSQL) rather than
 * running beside it: the claim needs the validated body, so running both together would
 * either stop counting invalid attempts or claim keys for requests then refused (a retry
 * of a 429 would meet its own claim as a 409).
 */
@Injectable()
export class OrderCreationRateLimit implements CanActivate {
  private readonly logger = new Logger(OrderCreationRateLimit.name);

  constructor(
    private readonly limiter: SlidingWindowLimiter,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (!user) return true;
    const limit = this.config.RATE_LIMIT_ORDERS_PER_MINUTE;
    let decision;
    try {
      decision = await this.limiter.take(`ratelimit:orders:${user.id}`, limit, WINDOW_MS);
    } catch (error) {
      unchecked.inc();
      this.logger.warn(`rate limit not checked, Redis unavailable: ${(error as Error).message}`);
      return true;
    }
    if (decision.allowed) return true;
    refused.inc();
    throw new RateLimited(limit, Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  }
}
