import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@orders/platform-service';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

/** A key to claim (SET NX with a lease) in the same script, only if the window admits the request. */
export interface SlidingWindowClaim {
  key: string;
  value: string;
  leaseMs: number;
}

export interface WindowDecision {
  allowed: boolean;
  /** Requests still allowed in the current window (after this one). */
  remaining: number;
  /** When refused: how long until the oldest counted request leaves the window. */
  retryAfterMs: number;
  /**
   * Admitted with a claim: null if this request now holds the claim, else the value already
   * holding it. Absent when refused (nothing is claimed) or when no claim was asked for.
   */
  heldBy?: string | null;
}

/**
 * Sliding log in one sorted set per subject, decided atomically inside Redis: drop entries
 * older than the window, count, admit (and record) only under the limit. The clock is
 * Redis's own TIME, so every gateway replica judges against the same time and the same log.
 * Refused requests are not recorded: a client that keeps hammering is let in again as soon
 * as its oldest admitted request slides out. The set never holds more than `limit` members.
 *
 * With a second key, an admitted request also claims it (SET NX PX) in the same script, one
 * round trip for both; a refused one claims nothing, so the retry of a 429 never meets its
 * own claim. The caller keeps both keys in one hash slot ({subject}) for Redis Cluster.
 */
const SLIDING_WINDOW_LUA = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  if KEYS[2] == nil then return {1, limit - count - 1, 0} end
  if redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[5]) then return {1, limit - count - 1, 0, 1} end
  return {1, limit - count - 1, 0, 0, redis.call('GET', KEYS[2])}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
if retry < 1 then retry = 1 end
return {0, 0, retry}
`;

type Reply = [allowed: number, remaining: number, retryAfterMs: number, claimed?: number, heldBy?: string | null];
// numkeys comes first in each call (1 or 2 keys), as EVALSHA takes it.
type SlidingWindowRedis = Redis & { slidingWindow(numberOfKeys: number, ...keysAndArgs: Array<string | number>): Promise<Reply> };

@Injectable()
export class SlidingWindowLimiter {
  private readonly redis: SlidingWindowRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    // defineCommand sends EVALSHA (EVAL on a cache miss) and applies the key prefix to KEYS.
    if (!('slidingWindow' in redis)) redis.defineCommand('slidingWindow', { lua: SLIDING_WINDOW_LUA });
    this.redis = redis as SlidingWindowRedis;
  }

  async take(key: string, limit: number, windowMs: number, claim?: SlidingWindowClaim): Promise<WindowDecision> {
    const reply = claim
      ? await this.redis.slidingWindow(2, key, claim.key, limit, windowMs, randomUUID(), claim.value, claim.leaseMs)
      : await this.redis.slidingWindow(1, key, limit, windowMs, randomUUID());
    const [allowed, remaining, retryAfterMs, claimed, heldBy] = reply;
    const decision: WindowDecision = { allowed: allowed === 1, remaining, retryAfterMs };
    if (claim && decision.allowed) decision.heldBy = claimed === 1 ? null : (heldBy ?? null);
    return decision;
  }
}
