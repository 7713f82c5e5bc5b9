-- Append a batch of events to one job's log, atomically (one script = one round trip).
--
-- KEYS[1] job stream   KEYS[2] org stream
-- KEYS[3] jobs zset (job_id -> newest event ms, for retention)
-- KEYS[4] orgs set (org streams to trim at retention)
-- ARGV[1] job_id   ARGV[2] org_id   ARGV[3] app_id ('' for none)
-- ARGV[4] org stream MAXLEN (approximate)   ARGV[5] notification channel
-- ARGV[6] seconds to keep the log after its newest event (0: keep it)
-- ARGV[7] batch id ('' for none): a batch whose id the log's newest entry carries was
--         appended already (its reply was lost), so a retry appends nothing again
-- ARGV[8] the seq the appender knows the log reached (0: no expectation)
-- ARGV[9] the reset marker's data (JSON text)
-- ARGV[10] n, then n triples: type, status, data (JSON text)
--
-- Returns {first_seq, timestamp_ms, marker_seq (0: none)}.

local n = tonumber(ARGV[10])
local batch_id = ARGV[7]
-- The log's own newest id is the counter: no second key that could expire or be deleted
-- apart from the stream and make the next XADD id collide.
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local newest_seq = 0
if newest then
    newest_seq = tonumber(string.match(newest[1], '^0%-(%d+)$'))
    if batch_id ~= '' then
        local fields = newest[2]
        local seen, ts = false, 0
        for i = 1, #fields, 2 do
            if fields[i] == 'b' and fields[i + 1] == batch_id then seen = true end
            if fields[i] == 'ts' then ts = tonumber(fields[i + 1]) end
        end
        if seen then
            return { newest_seq - n + 1, ts, 0 }
        end
    end
end

-- Redis's clock, not the appender's: one clock for every host of a scaled deployment.
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)

local org_id = nil
local function add(seq, etype, status, data, last)
    local fields = { 'org', ARGV[2], 'app', ARGV[3], 'type', etype, 'status', status,
        'ts', ms, 'data', data }
    if last and batch_id ~= '' then
        table.insert(fields, 'b')
        table.insert(fields, batch_id)
    end
    -- Explicit id 0-<seq>: XRANGE with an exclusive start "(0-<after>" resumes exactly.
    redis.call('XADD', KEYS[1], '0-' .. seq, unpack(fields))
    org_id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
        'job', ARGV[1], 'seq', seq, 'app', ARGV[3], 'type', etype, 'status', status,
        'ts', ms, 'data', data)
end

-- The log is shorter than its appender knows it was: the store lost data (it restarted
-- without persistence). Say so in the log itself, at a seq above any a follower can hold:
-- seconds since 2020 (far above any log's length, and growing, so a second reset lands
-- higher again), so that a follower resuming from any old cursor reads the marker next.
local marker = 0
local expected = tonumber(ARGV[8])
if newest_seq < expected then
    marker = math.max(expected + 1, tonumber(now[1]) - 1577836800)
    add(marker, 'stream.reset', ARGV[12], ARGV[9], false)
    newest_seq = marker
end

local first = newest_seq + 1
local last = first + n - 1
for i = 0, n - 1 do
    add(first + i, ARGV[11 + 3 * i], ARGV[12 + 3 * i], ARGV[13 + 3 * i], i == n - 1)
end

local ttl = tonumber(ARGV[6])
if ttl > 0 then
    redis.call('EXPIRE', KEYS[1], ttl)
end
redis.call('ZADD', KEYS[3], ms, ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
-- A wake-up only: followers read the streams, which stay the truth.
redis.call('PUBLISH', ARGV[5], cjson.encode({ job = ARGV[1], seq = last, org = ARGV[2], oid = org_id }))
return { first, ms, marker }
