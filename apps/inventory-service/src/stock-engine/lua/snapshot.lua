-- One atomic view for reconciliation: every loaded sku and every open hold.
-- KEYS[1] set of loaded skus, KEYS[2] zset of open holds, KEYS[3] warm marker.
-- ARGV[1] key prefix of stock hashes, ARGV[2] key prefix of hold records.
-- Returns {warm, {sku, available, version, ...}, {order, at, n, stockKey, qty, ..., ...}}.
local stock = {}
for _, sku in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local values = redis.call('HMGET', ARGV[1] .. sku, 'a', 'v')
  stock[#stock + 1] = sku
  stock[#stock + 1] = values[1] or ''
  stock[#stock + 1] = values[2] or ''
end
local holds = {}
local open = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #open, 2 do
  local key = ARGV[2] .. open[i]
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  holds[#holds + 1] = open[i]
  holds[#holds + 1] = open[i + 1]
  holds[#holds + 1] = n
  for j = 1, n do
    holds[#holds + 1] = redis.call('HGET', key, 'k' .. j)
    holds[#holds + 1] = redis.call('HGET', key, 'q' .. j)
  end
end
return {redis.call('EXISTS', KEYS[3]), stock, holds}
