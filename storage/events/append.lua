-- Append a batch of events to one job's log, atomically (one script = one round trip).
--
-- KEYS[1] job stream   KEYS[2] org stream
-- KEYS[3] jobs zset (job_id -> newest event ms, for retention)
-- KEYS[4] orgs set (org streams to trim at retention)
-- ARGV[1] job_id   ARGV[2] org_id   ARGV[3] app_id ('' for none)
-- ARGV[4] org stream MAXLEN (approximate)   ARGV[5] notification channel
-- ARGV[6] seconds to keep the log after its newest event (0: keep it)
-- ARGV[7] n, then n triples: type, status, data (JSON text)
--
-- Returns {first_seq, timestamp_ms}.

local n = tonumber(ARGV[7])
-- The log's own newest id is the counter: no second key that could expire or be deleted
-- apart from the stream and make the next XADD id collide.
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local first = 1
if newest then
    first = tonumber(string.match(newest[1], '^0%-(%d+)$')) + 1
end
local last = first + n - 1

-- Redis's clock, not the appender's: one clock for every host of a scaled deployment.
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)

local org_id = nil
for i = 0, n - 1 do
    local seq = first + i
    local etype, status, data = ARGV[8 + 3 * i], ARGV[9 + 3 * i], ARGV[10 + 3 * i]
    -- Explicit id 0-<seq>: XRANGE with an exclusive start "(0-<after>" resumes exactly.
    redis.call('XADD', KEYS[1], '0-' .. seq,
        'org', ARGV[2], 'app', ARGV[3], 'type', etype, 'status', status,
        'ts', ms, 'data', data)
    org_id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
        'job', ARGV[1], 'seq', seq, 'app', ARGV[3], 'type', etype, 'status', status,
        'ts', ms, 'data', data)
end

local ttl = tonumber(ARGV[6])
if ttl > 0 then
    redis.call('EXPIRE', KEYS[1], ttl)
end
redis.call('ZADD', KEYS[3], ms, ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
-- A wake-up only: followers read the streams, which stay the truth.
redis.call('PUBLISH', ARGV[5], cjson.encode({ job = ARGV[1], seq = last, org = ARGV[2], oid = org_id }))
return { first, ms }
