-- An admin adjustment already committed in Postgres, applied to a warm sku.
-- KEYS[1] stock hash; ARGV[1] delta. Returns 1, or 0 when the sku is not loaded.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'a', tonumber(ARGV[1]))
redis.call('HINCRBY', KEYS[1], 'v', 1)
return 1
