import { Redis } from 'ioredis';

/**
 * A Redis client that fails fast while Redis is away (no offline queue, one retry
 * per command) and reconnects by itself; callers fall back or answer 503.
 */
export function createRedis(url: string, keyPrefix: string, name: string): Redis {
  return new Redis(url, {
    keyPrefix,
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}
