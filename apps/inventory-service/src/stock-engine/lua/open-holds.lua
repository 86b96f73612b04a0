-- The open holds on some skus, with their items on those skus only: when Redis says short
-- and Postgres still shows the stock, these tell whether orders holding it in Redis have
-- simply not committed yet (in flight) or Redis under-counts.
-- KEYS[1] zset of open holds, KEYS[2..] stock hashes of interest; ARGV[1] key prefix of hold records.
-- Returns {order, at, m, stockKey, qty, ...} per hold that has m > 0 items on those skus.
local wanted = {}
for i = 2, #KEYS do wanted[KEYS[i]] = true end
local holds = {}
local open = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #open, 2 do
  local key = ARGV[1] .. open[i]
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  local items = {}
  for j = 1, n do
    local stockKey = redis.call('HGET', key, 'k' .. j)
    if wanted[stockKey] then
      items[#items + 1] = stockKey
      items[#items + 1] = redis.call('HGET', key, 'q' .. j)
    end
  end
  if #items > 0 then
    holds[#holds + 1] = open[i]
    holds[#holds + 1] = open[i + 1]
    holds[#holds + 1] = #items / 2
    for _, value in ipairs(items) do holds[#holds + 1] = value end
  end
end
return holds
