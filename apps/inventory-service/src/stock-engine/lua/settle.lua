-- Settle one order's hold exactly once: commit (C), release (R) or undo (X: release and
-- forget, used when Postgres refused what Redis held, so a retry may hold again).
-- KEYS[1] hold record, KEYS[2] zset of open holds.
-- ARGV[1] order id, ARGV[2] 'C' | 'R' | 'X', ARGV[3] seconds a settled record is kept.
-- Returns 'OK', 'NONE' (never held: nothing to give back) or 'WAS_<state>' (already settled).
-- Stock keys come from the hold record itself (standalone Redis; not cluster-safe by design).
local state = redis.call('HGET', KEYS[1], 's')
if not state then return 'NONE' end
if state ~= 'H' then return 'WAS_' .. state end
local target = ARGV[2]
if target ~= 'C' then
  local n = tonumber(redis.call('HGET', KEYS[1], 'n'))
  for i = 1, n do
    local key = redis.call('HGET', KEYS[1], 'k' .. i)
    redis.call('HINCRBY', key, 'a', tonumber(redis.call('HGET', KEYS[1], 'q' .. i)))
    redis.call('HINCRBY', key, 'v', 1)
  end
end
redis.call('ZREM', KEYS[2], ARGV[1])
if target == 'X' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 's', target)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
end
return 'OK'
