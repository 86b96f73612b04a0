// The Redis client every service uses: fails fast while Redis is away, TLS, ACL, Sentinel.
export { createRedis } from './redis';
