-- Reserve every item of one order, or none of them.
-- KEYS[1] hold record of the order, KEYS[2] zset of open holds, KEYS[3] warm marker,
-- KEYS[4..] one stock hash per sku (fields: a = available units, v = version).
-- ARGV[1] order id, ARGV[2] now (ms), ARGV[3..] quantity per sku key, in the same order.
-- Returns {'HELD'} | {'DUP', state} | {'SHORT', i, available, ...} | {'MISSING', i} | {'COLD'}.
if redis.call('EXISTS', KEYS[3]) == 0 then return {'COLD'} end
-- The per-order record makes a repeat harmless: it answers, it never reserves twice.
local state = redis.call('HGET', KEYS[1], 's')
if state then return {'DUP', state} end
local n = #KEYS - 3
local short = {}
for i = 1, n do
  local available = redis.call('HGET', KEYS[3 + i], 'a')
  if not available then return {'MISSING', i} end
  if tonumber(available) < tonumber(ARGV[2 + i]) then
    short[#short + 1] = i
    short[#short + 1] = tonumber(available)
  end
end
if #short > 0 then return {'SHORT', unpack(short)} end
local record = {'s', 'H', 't', ARGV[2], 'n', n}
for i = 1, n do
  redis.call('HINCRBY', KEYS[3 + i], 'a', -tonumber(ARGV[2 + i]))
  redis.call('HINCRBY', KEYS[3 + i], 'v', 1)
  record[#record + 1] = 'k' .. i
  record[#record + 1] = KEYS[3 + i]
  record[#record + 1] = 'q' .. i
  record[#record + 1] = ARGV[2 + i]
end
redis.call('HSET', KEYS[1], unpack(record))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return {'HELD'}
