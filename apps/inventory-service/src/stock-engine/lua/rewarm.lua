-- Replace the whole Redis view with Postgres' (the truth) in one atomic step, before
-- Redis serves again after an outage or at start-up.
-- KEYS[1] warm marker, KEYS[2] set of loaded skus, KEYS[3] zset of open holds.
-- ARGV[1] stock hash key prefix, ARGV[2] hold key prefix, ARGV[3] JSON
-- {"stock":[[sku, available], ...], "holds":[[order, atMs, [[sku, qty], ...]], ...]}, ARGV[4] epoch.
for _, sku in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', ARGV[1] .. sku) end
for _, order in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do redis.call('DEL', ARGV[2] .. order) end
redis.call('DEL', KEYS[2], KEYS[3])
local view = cjson.decode(ARGV[3])
for _, row in ipairs(view.stock) do
  redis.call('HSET', ARGV[1] .. row[1], 'a', row[2], 'v', 1)
  redis.call('SADD', KEYS[2], row[1])
end
for _, hold in ipairs(view.holds) do
  local key = ARGV[2] .. hold[1]
  redis.call('DEL', key)
  local record = {'s', 'H', 't', hold[2], 'n', #hold[3]}
  for i, item in ipairs(hold[3]) do
    record[#record + 1] = 'k' .. i
    record[#record + 1] = ARGV[1] .. item[1]
    record[#record + 1] = 'q' .. i
    record[#record + 1] = item[2]
  end
  redis.call('HSET', key, unpack(record))
  redis.call('ZADD', KEYS[3], hold[2], hold[1])
end
redis.call('SET', KEYS[1], ARGV[4])
return #view.stock
