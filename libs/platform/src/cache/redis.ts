import { Redis } from 'ioredis';
import { readTlsFiles, TlsFiles } from '../config/tls-files';

/**
 * A Redis client that fails fast while Redis is away (no offline queue, one retry
 * per command) and reconnects by itself; callers fall back or answer 503. The URL carries
 * the ACL user and password (`redis://user:password@host:port`); `rediss://` speaks TLS,
 * verifying the server against `tls.caFile` (or the system's CAs) and its host name.
 */
export function createRedis(url: string, keyPrefix: string, name: string, tls?: TlsFiles): Redis {
  return new Redis(url, {
    keyPrefix,
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...(tls ? { tls: readTlsFiles(tls) } : {}),
  });
}
