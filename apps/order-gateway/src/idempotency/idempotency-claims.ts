import { Inject, Injectable, Logger } from '@nestjs/common';
import { counter } from '@orders/platform-observability';
import { REDIS } from '@orders/platform-service';
import type { Redis } from 'ioredis';
import { UserKey } from './idempotency-keys';
import { FingerprintedKey } from './idempotent-request';

/** A claim whose request died (crash, timeout) lapses after this long; the store's ON CONFLICT still keeps one result per key. */
const CLAIM_LEASE_MS = 30_000;

const released = counter({
  name: 'gateway_idempotency_claims_released_total',
  help: 'In-flight idempotency claims released because their request failed (400, 422, 5xx)',
});

/** A claim to take in Redis: SET key value NX PX leaseMs. */
export interface RedisClaim {
  key: string;
  value: string;
  leaseMs: number;
}

/**
 * The in-flight claims of idempotency keys, kept in Redis (PostgreSQL keeps only completed
 * keys): a claim is taken with the rate limit's script at admission (OrderAdmission), holds
 * the request's fingerprint, and is released only when the request fails; after a success it
 * stays until its lease lapses, so a repeat within the lease is sent to the stored answer.
 */
@Injectable()
export class IdempotencyClaims {
  private readonly logger = new Logger(IdempotencyClaims.name);

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  claimOf(key: FingerprintedKey): RedisClaim {
    return { key: claimKey(key), value: key.fingerprint, leaseMs: CLAIM_LEASE_MS };
  }

  /**
   * The request failed before storing an answer: the key is free for a retry. A plain DEL:
   * should the lease have lapsed and another request claimed the key since, freeing its claim
   * lets a third one through to PostgreSQL, whose ON CONFLICT still keeps one result per key.
   */
  async release(key: UserKey): Promise<void> {
    released.inc();
    await this.redis.del(claimKey(key)).catch((error: unknown) => {
      this.logger.warn(`could not release idempotency claim: ${(error as Error).message}`);
    });
  }
}

/** `{userId}` is the hash tag of the user's rate-limit window too: one slot, one script. */
function claimKey({ userId, key }: UserKey): string {
  return `idempotency:{${userId}}:${key}`;
}
