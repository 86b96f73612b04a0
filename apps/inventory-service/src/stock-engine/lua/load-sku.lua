-- A new product: load its stock unless it is already there.
-- KEYS[1] stock hash, KEYS[2] set of loaded skus; ARGV[1] sku, ARGV[2] available.
redis.call('SADD', KEYS[2], ARGV[1])
return redis.call('HSETNX', KEYS[1], 'a', ARGV[2])
