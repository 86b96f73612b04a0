import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@orders/platform-service';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

export interface WindowDecision {
  allowed: boolean;
  /** Requests still allowed in the current window (after this one). */
  remaining: number;
  /** When refused: how long until the oldest counted request leaves the window. */
  retryAfterMs: number;
}

/**
 * Sliding log in one sorted set per subject, decided atomically inside Redis: drop entries
 * older than the window, count, admit (and record) only under the limit. The clock is
 * Redis's own TIME, so every gateway replica judges against the same time and the same log.
 * Refused requests are not recorded: a client that keeps hammering is let in again as soon
 * as its oldest admitted request slides out. The set never holds more than `limit` members.
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
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
if retry < 1 then retry = 1 end
return {0, 0, retry}
`;

type SlidingWindowRedis = Redis & { slidingWindow(key: string, limit: number, windowMs: number, member: string): Promise<[number, number, number]> };

@Injectable()
export class SlidingWindowLimiter {
  private readonly redis: SlidingWindowRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    // defineCommand sends EVALSHA (EVAL on a cache miss) and applies the key prefix to KEYS.
    if (!('slidingWindow' in redis)) redis.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_LUA });
    this.redis = redis as SlidingWindowRedis;
  }

  async take(key: string, limit: number, windowMs: number): Promise<WindowDecision> {
    const [allowed, remaining, retryAfterMs] = await this.redis.slidingWindow(key, limit, windowMs, randomUUID());
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }
}
