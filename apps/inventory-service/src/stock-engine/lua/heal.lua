-- Reconciliation: set a sku's available units, only if nothing touched it since it was
-- observed (same version), so a heal never overwrites a concurrent reservation.
-- KEYS[1] stock hash, KEYS[2] set of loaded skus; ARGV[1] sku, ARGV[2] version seen
-- ('' = the sku was missing), ARGV[3] available units to set.
local version = redis.call('HGET', KEYS[1], 'v')
if (version or '') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'a', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('SADD', KEYS[2], ARGV[1])
return 1
