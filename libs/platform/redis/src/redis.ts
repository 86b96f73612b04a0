import { Redis } from 'ioredis';
import { readTlsFiles, TlsFiles } from '@orders/platform-config';

/** Redis Sentinel: the sentinels' addresses and the name they know the primary by. */
interface RedisSentinels {
  addresses: string[];
  primaryName: string;
}

/**
 * A Redis client that fails fast while Redis is away (no offline queue, one retry
 * per command) and reconnects by itself; callers fall back or answer 503. The URL carries
 * the ACL user and password (`redis://user:password@host:port`); `rediss://` speaks TLS,
 * verifying the server against `tls.caFile` (or the system's CAs) and its host name.
 * With sentinels, it asks them for the current primary on every (re)connect, so after a
 * failover it reconnects to the promoted replica; REDIS_URL then gives only password and db.
 */
export function createRedis(url: string, keyPrefix: string, name: string, options: { tls?: TlsFiles; sentinels?: RedisSentinels } = {}): Redis {
  const { tls, sentinels } = options;
  if (sentinels) {
    const parsed = new URL(url);
    return new Redis({
      ...clientOptions(keyPrefix, name, tls),
      sentinels: sentinels.addresses.map((address) => {
        const [host, port] = address.split(':');
        return { host, port: Number(port) };
      }),
      name: sentinels.primaryName,
      username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      db: Number(parsed.pathname.slice(1)) || 0,
      sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    });
  }
  return new Redis(url, clientOptions(keyPrefix, name, tls));
}

function clientOptions(keyPrefix: string, name: string, tls?: TlsFiles) {
  return {
    keyPrefix,
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    ...(tls ? { tls: readTlsFiles(tls) } : {}),
  };
}
