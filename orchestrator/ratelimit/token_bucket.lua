-- One atomic token-bucket hit: refill by the time elapsed, then take a token if any.
-- The clock is the Redis server's (TIME), not the caller's, so every API process on
-- every host refills the same bucket at the same rate, whatever their clocks say.
--
-- KEYS[1]  the bucket: a hash {tokens = float, ts = microseconds of the last hit}
-- ARGV[1]  burst: the bucket's capacity (a new bucket starts full)
-- ARGV[2]  per_minute: refill rate in tokens per minute
-- Returns  {allowed (1 or 0), remaining, reset_after_s, retry_after_s}, the fields of
--          orchestrator.ratelimit.base.RateDecision (same arithmetic as memory.py).

-- Redis before 5 replicates scripts verbatim and refuses a write after TIME; newer
-- servers replicate effects anyway, and this call is a no-op there.
if redis.replicate_commands then redis.replicate_commands() end

local key = KEYS[1]
local burst = tonumber(ARGV[1])
local per_minute = tonumber(ARGV[2])
-- Float refills can leave 0.9999999999 of a token that is really 1: see TOKEN_EPSILON.
local epsilon = 1e-9
local tokens_per_us = per_minute / 60000000

local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])

local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1])
local last_us = tonumber(state[2])
if tokens == nil or last_us == nil then
  tokens = burst
else
  -- A failover to a replica with a clock behind ours must not drain or overfill.
  local elapsed_us = math.max(now_us - last_us, 0)
  tokens = math.min(burst, tokens + elapsed_us * tokens_per_us)
end

local allowed = 0
if tokens >= 1 - epsilon then
  allowed = 1
  tokens = math.max(tokens - 1, 0)
end

-- %.17g and %.0f keep full precision; Lua's default number-to-string keeps only 14 digits,
-- too few for a microsecond timestamp.
redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.0f', now_us))
-- Idle long enough to refill completely, a bucket equals a missing one: let Redis drop it.
redis.call('PEXPIRE', key, math.ceil(burst / tokens_per_us / 1000) + 1000)

local wait_s = 0
if 1 - tokens > epsilon then
  wait_s = math.ceil((1 - tokens) * 60 / per_minute)
end
local retry_s = 0
if allowed == 0 then
  retry_s = math.max(wait_s, 1)
end
return {allowed, math.floor(tokens + epsilon), wait_s, retry_s}
