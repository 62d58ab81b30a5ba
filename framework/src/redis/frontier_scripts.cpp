#include "redis/frontier_scripts.hpp"

#include <string>

namespace orbweaver::redis::frontier_scripts {
namespace {

// Functions every script shares, written before its own body.
//
// Keys under the prefix P: q:<slot> (zset of request ids by rank), req (hash id -> record),
// ready (zset slot -> ms when it may start its next transfer; only slots with a queued request
// and a free transfer), slot:<slot> (hash inflight, concurrency, delay_ms, randomize, next),
// leases (zset id -> expiry ms), lease (hash id -> "worker|rank|slot"), freed (set of leased ids
// whose transfer has ended: their slot has its transfer back while the lease waits for the
// commit), queued (count of queued requests over all slots), seq (request ids), seen:<shard>
// (sets of 64-bit fingerprints).
constexpr const char* prelude = R"lua(
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A slot is in the schedule (P:ready, at its next allowed start) exactly when it has a queued
-- request and a free transfer.
local function refresh(P, slot)
  local s = redis.call('HMGET', P .. ':slot:' .. slot, 'inflight', 'concurrency', 'next')
  local inflight, concurrency, next_start = tonumber(s[1]) or 0, tonumber(s[2]) or 1, tonumber(s[3]) or 0
  if inflight < concurrency and redis.call('ZCARD', P .. ':q:' .. slot) > 0 then
    redis.call('ZADD', P .. ':ready', next_start, slot)
  else
    redis.call('ZREM', P .. ':ready', slot)
  end
end

-- New requests from ARGV[at]: a count, then (fingerprint, shard, slot, priority, record) each.
-- A fingerprint already in its seen set is a duplicate; fingerprint '-' is a request that is never
-- filtered (dont_filter) and is not recorded. A new one gets an id and is queued in its
-- slot ranked by priority, then by arrival (FIFO) or against it (LIFO). A slot seen for the first
-- time takes the policy in `defaults` (concurrency, delay_ms, randomize).
-- Ranks: -priority * 2^32 +/- seq, exact in a double for |priority| < 2^20 (the caller clamps).
local function admit(P, at, lifo, defaults)
  local count = tonumber(ARGV[at])
  local queued, duplicates = 0, 0
  for i = 0, count - 1 do
    local base = at + 1 + i * 5
    local fp, shard, slot, priority, record = ARGV[base], ARGV[base + 1], ARGV[base + 2], tonumber(ARGV[base + 3]), ARGV[base + 4]
    if fp == '-' or redis.call('SADD', P .. ':seen:' .. shard, fp) == 1 then
      local id = redis.call('INCR', P .. ':seq')
      local rank = -priority * 4294967296 + (lifo and -id or id)
      redis.call('HSET', P .. ':req', id, record)
      redis.call('ZADD', P .. ':q:' .. slot, string.format('%.0f', rank), id)
      local slot_key = P .. ':slot:' .. slot
      redis.call('HSETNX', slot_key, 'concurrency', defaults[1])
      redis.call('HSETNX', slot_key, 'delay_ms', defaults[2])
      redis.call('HSETNX', slot_key, 'randomize', defaults[3])
      refresh(P, slot)
      queued = queued + 1
    else
      duplicates = duplicates + 1
    end
  end
  redis.call('INCRBY', P .. ':queued', queued)
  if duplicates > 0 then redis.call('HINCRBY', P .. ':stats', 'dupefilter/filtered', duplicates) end
  return queued, duplicates, at + 1 + count * 5
end

-- "worker|rank|slot" (worker ids have no '|'; the slot, last, may).
local function parse_lease(info)
  local first = string.find(info, '|', 1, true)
  local second = string.find(info, '|', first + 1, true)
  return string.sub(info, 1, first - 1), string.sub(info, first + 1, second - 1), string.sub(info, second + 1)
end

-- The slot of id's lease when `worker` holds it; nil when nobody or another worker does.
local function held_by(P, id, worker)
  local info = redis.call('HGET', P .. ':lease', id)
  if not info then return nil end
  local holder, _, slot = parse_lease(info)
  if holder == worker then return slot end
  return nil
end

-- The slot's delay, drawn anew (0.5 to 1.5 times) when it is randomized.
local function draw_delay(slot_key)
  local policy = redis.call('HMGET', slot_key, 'delay_ms', 'randomize')
  local delay = tonumber(policy[1]) or 0
  if policy[2] == '1' then delay = delay * (0.5 + math.random()) end
  return math.floor(delay)
end

-- A worker's transfers in a slot (field 'w:<worker>' of the slot's hash, gone at 0): each worker
-- takes at most its share of the slot's concurrency (see take).
local function count_transfer(slot_key, worker, by)
  if redis.call('HINCRBY', slot_key, 'w:' .. worker, by) <= 0 then redis.call('HDEL', slot_key, 'w:' .. worker) end
end

-- The slot gets back the transfer of a request `holder` leased.
local function free_transfer(slot_key, holder)
  redis.call('HINCRBY', slot_key, 'inflight', -1)
  count_transfer(slot_key, holder, -1)
end

-- The lease on id ends: the slot gets its transfer back unless it had it back already (freed).
local function release(P, id, slot, holder)
  redis.call('ZREM', P .. ':leases', id)
  redis.call('HDEL', P .. ':lease', id)
  if redis.call('SREM', P .. ':freed', id) == 0 then free_transfer(P .. ':slot:' .. slot, holder) end
end

-- The lease on id ends without the request being done: it goes back to its queue at its old rank.
local function requeue(P, id, info)
  local holder, rank, slot = parse_lease(info)
  release(P, id, slot, holder)
  redis.call('ZADD', P .. ':q:' .. slot, rank, id)
  redis.call('INCR', P .. ':queued')
  refresh(P, slot)
end
)lua";

std::string with_prelude(const char* body) { return std::string(prelude) + body; }

}  // namespace

// ARGV: P, worker, n, lease_ms, random seed, attempt, then ids of this worker's leases whose
// transfer has ended (freed).
// Reply: {now_ms, next_ready_ms or -1, next_lease_expiry_ms or -1, entries waiting in
// P:start_urls, id, slot, record, batches, id, ...}; batches: how many batches of its outputs the request's callback handed on in an
// earlier lease (a worker that died mid-callback): the callback run again skips them.
// First each freed transfer gives its slot the transfer back, and the slot's next start moves to
// at least now + its delay: a host's next request then starts a delay after the previous one
// ended, whatever the latency between Redis and each worker (a delay counted from the leases
// alone could shrink by the difference). Every lease whose expiry has passed goes back to its
// queue at its old rank (any worker does this; at most 1000 a call, the next call does the
// rest). Then, up to n times, the slot
// whose next allowed start is earliest and has come leases the head of its queue: the lease
// holds one of the slot's transfers, and the slot's next start moves delay_ms on (times 0.5 to
// 1.5 with randomize). next_ready_ms is when the earliest slot in the schedule may start: the
// worker's timer; next_lease_expiry_ms when a lease may come back.
// attempt (not "0": a number the worker draws for this take) is kept in P:takes with the ids the
// step leased; run again with the same attempt (its reply was lost with the connection), the step
// gives those leases again, as far as the worker still holds them, and leases nothing more: a
// lost reply does not leave leases no worker knows of until they expire.
const script& take() {
  static const script s(with_prelude(R"lua(
local P, worker, n, lease_ms, attempt = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[6]
math.randomseed(tonumber(ARGV[5]))
local now = now_ms()

for i = 7, #ARGV do
  local id = ARGV[i]
  local slot = held_by(P, id, worker)
  if slot and redis.call('SADD', P .. ':freed', id) == 1 then
    local slot_key = P .. ':slot:' .. slot
    free_transfer(slot_key, worker)
    local next_start = now + draw_delay(slot_key)
    if next_start > (tonumber(redis.call('HGET', slot_key, 'next')) or 0) then
      redis.call('HSET', slot_key, 'next', next_start)
    end
    refresh(P, slot)
  end
end

local out = {now, -1, -1, 0}
local function give(id, slot)
  out[#out + 1] = id
  out[#out + 1] = slot
  out[#out + 1] = redis.call('HGET', P .. ':req', id)
  out[#out + 1] = tonumber(redis.call('HGET', P .. ':progress', id)) or 0
end

local recorded = attempt ~= '0' and redis.call('HGET', P .. ':takes', worker)
local tag = attempt .. '|'
if recorded and string.sub(recorded, 1, #tag) == tag then
  for id in string.gmatch(string.sub(recorded, #tag + 1), '[^,]+') do
    local slot = held_by(P, id, worker)
    if slot then give(id, slot) end
  end
else
  local expired = redis.call('ZRANGEBYSCORE', P .. ':leases', '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(expired) do
    local info = redis.call('HGET', P .. ':lease', id)
    if info then
      requeue(P, id, info)
      redis.call('HINCRBY', P .. ':stats', 'scheduler/lease_expired', 1)
    else
      redis.call('ZREM', P .. ':leases', id)
    end
  end

  -- Each worker takes at most its share of a slot's transfers, ceil(concurrency / live workers),
  -- so that the worker whose transfer just ended does not take the slot's every transfer again
  -- while the others wait: a single-host crawl spreads over all workers. Slots this worker holds
  -- its share of are passed over (at most 100 a call) and stay ready for the others.
  local live = redis.call('ZCOUNT', P .. ':workers', now, '+inf')
  if not redis.call('ZSCORE', P .. ':workers', worker) then live = live + 1 end
  local leased = {}
  -- Leases the head of the slot's queue to this worker.
  local function lease_head(slot, slot_key)
    local head = redis.call('ZPOPMIN', P .. ':q:' .. slot)
    if #head == 0 then return end
    local id, rank = head[1], head[2]
    redis.call('DECR', P .. ':queued')
    redis.call('ZADD', P .. ':leases', now + lease_ms, id)
    redis.call('HSET', P .. ':lease', id, worker .. '|' .. rank .. '|' .. slot)
    redis.call('HINCRBY', slot_key, 'inflight', 1)
    count_transfer(slot_key, worker, 1)
    redis.call('HSET', slot_key, 'next', now + draw_delay(slot_key))
    give(id, slot)
    leased[#leased + 1] = id
  end
  local passed = 0
  while #leased < n and passed < 100 do
    local ready = redis.call('ZRANGEBYSCORE', P .. ':ready', '-inf', now, 'LIMIT', passed, 1)
    if #ready == 0 then break end
    local slot = ready[1]
    local slot_key = P .. ':slot:' .. slot
    local counts = redis.call('HMGET', slot_key, 'concurrency', 'w:' .. worker)
    local share = math.ceil((tonumber(counts[1]) or 1) / math.max(1, live))
    if (tonumber(counts[2]) or 0) >= share then
      passed = passed + 1
    else
      lease_head(slot, slot_key)
      refresh(P, slot)
    end
  end
  if attempt ~= '0' and #leased > 0 then redis.call('HSET', P .. ':takes', worker, tag .. table.concat(leased, ',')) end
end

local first_ready = redis.call('ZRANGE', P .. ':ready', 0, 0, 'WITHSCORES')
if #first_ready > 0 then out[2] = tonumber(first_ready[2]) end
local first_expiry = redis.call('ZRANGE', P .. ':leases', 0, 0, 'WITHSCORES')
if #first_expiry > 0 then out[3] = tonumber(first_expiry[2]) end
out[4] = redis.call('LLEN', P .. ':start_urls')
return out
)lua"));
  return s;
}

// ARGV: P, worker, lease_ms, id... Reply: the ids whose lease this worker no longer holds (it
// expired and went back to a queue, perhaps to another worker): the worker drops their outputs.
// The worker's heartbeat in P:workers moves on with its leases.
const script& renew() {
  static const script s(with_prelude(R"lua(
local P, worker, lease_ms = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local lost = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  if held_by(P, id, worker) then
    redis.call('ZADD', P .. ':leases', 'XX', now + lease_ms, id)
  else
    lost[#lost + 1] = id
  end
end
redis.call('ZADD', P .. ':workers', now + lease_ms, worker)
return lost
)lua"));
  return s;
}

// ARGV: P, worker, commit number, order ("fifo" or "lifo"), default concurrency, delay_ms,
// randomize (0/1), then five counted lists: done ids; new requests (fingerprint, shard, slot,
// priority, record); stats (name, delta); sink positions (name, position); returned ids (leases
// given back undone, at a worker's close: back to their queues at once); then 1 when the worker's
// list of start URLs taken from P:start_urls is admitted by this commit (it is emptied); then a
// counted list of (id, batches): leased requests whose callback has handed on that many batches
// of outputs (P:progress, kept across a lease's expiry, gone with the request).
// Reply: {applied (0: this commit number of this worker was applied before, nothing done),
// queued, duplicates, lost}. Lost counts done ids whose lease this worker no longer held: they
// are not released (another worker has them, or had them and is done).
// P:commits keeps each worker's last applied commit number, in the same step: a commit retried
// after a lost reply is applied once. Numbers must grow.
const script& commit() {
  static const script s(with_prelude(R"lua(
local P, worker, number = ARGV[1], ARGV[2], tonumber(ARGV[3])
local last = tonumber(redis.call('HGET', P .. ':commits', worker)) or 0
if number <= last then return {0, 0, 0, 0} end
redis.call('HSET', P .. ':commits', worker, number)

local lost = 0
local done_count = tonumber(ARGV[8])
for i = 9, 8 + done_count do
  local id = ARGV[i]
  local slot = held_by(P, id, worker)
  if slot then
    release(P, id, slot, worker)
    redis.call('HDEL', P .. ':req', id)
    redis.call('HDEL', P .. ':progress', id)
    refresh(P, slot)
  else
    lost = lost + 1
  end
end

local queued, duplicates, at = admit(P, 9 + done_count, ARGV[4] == 'lifo', {ARGV[5], ARGV[6], ARGV[7]})

local stats_count = tonumber(ARGV[at])
for i = 0, stats_count - 1 do
  local name, delta = ARGV[at + 1 + i * 2], ARGV[at + 2 + i * 2]
  redis.call('HINCRBY', P .. ':stats', name, delta)
  redis.call('HINCRBY', P .. ':stats:' .. worker, name, delta)
end
at = at + 1 + stats_count * 2

local sink_count = tonumber(ARGV[at])
for i = 0, sink_count - 1 do
  redis.call('HSET', P .. ':sink:' .. worker, ARGV[at + 1 + i * 2], ARGV[at + 2 + i * 2])
end
at = at + 1 + sink_count * 2

local returned_count = tonumber(ARGV[at])
for i = at + 1, at + returned_count do
  local id = ARGV[i]
  if held_by(P, id, worker) then requeue(P, id, redis.call('HGET', P .. ':lease', id)) end
end
at = at + 1 + returned_count
if ARGV[at] == '1' then redis.call('DEL', P .. ':start_urls:' .. worker) end
at = at + 1

local progress_count = tonumber(ARGV[at])
for i = 0, progress_count - 1 do
  local id = ARGV[at + 1 + i * 2]
  if held_by(P, id, worker) then redis.call('HSET', P .. ':progress', id, ARGV[at + 2 + i * 2]) end
end
return {1, queued, duplicates, lost}
)lua"));
  return s;
}

// ARGV: P, order, default concurrency, delay_ms, randomize, then the counted new requests as in
// commit. Reply: {admitted (0: start requests were admitted before), queued, duplicates}.
// P:start_requests_issued is set in the same step, as the JOBDIR's flag: the first worker's
// start requests enter the crawl, the others' (and a restarted crawl's) do not.
const script& admit_start() {
  static const script s(with_prelude(R"lua(
local P = ARGV[1]
if redis.call('SETNX', P .. ':start_requests_issued', 1) == 0 then return {0, 0, 0} end
local queued, duplicates = admit(P, 6, ARGV[2] == 'lifo', {ARGV[3], ARGV[4], ARGV[5]})
return {1, queued, duplicates}
)lua"));
  return s;
}

// ARGV: P. Reply: {now_ms, idle_since_ms or -1}. The crawl is idle when no request is queued, no
// lease is held (an expired one still counts: take returns it to its queue) and no start URL
// waits, in P:start_urls or taken by a live worker; idle_since is the first check that found it
// so, and goes when work shows up again.
const script& finish_check() {
  static const script s(with_prelude(R"lua(
local P = ARGV[1]
local now = now_ms()
local queued = tonumber(redis.call('GET', P .. ':queued')) or 0
local busy = queued > 0 or redis.call('ZCARD', P .. ':leases') > 0 or redis.call('LLEN', P .. ':start_urls') > 0
if not busy then
  for _, worker in ipairs(redis.call('ZRANGEBYSCORE', P .. ':workers', now, '+inf')) do
    if redis.call('LLEN', P .. ':start_urls:' .. worker) > 0 then busy = true break end
  end
end
if busy then
  redis.call('DEL', P .. ':idle_since')
  return {now, -1}
end
redis.call('SET', P .. ':idle_since', now, 'NX')
return {now, tonumber(redis.call('GET', P .. ':idle_since'))}
)lua"));
  return s;
}

// ARGV: P, slot, concurrency, delay_ms, randomize (0/1). A slot with more concurrency than it
// has leases may go back into the schedule at once.
const script& set_slot_policy() {
  static const script s(with_prelude(R"lua(
local P, slot = ARGV[1], ARGV[2]
redis.call('HSET', P .. ':slot:' .. slot, 'concurrency', ARGV[3], 'delay_ms', ARGV[4], 'randomize', ARGV[5])
refresh(P, slot)
return 1
)lua"));
  return s;
}

}  // namespace orbweaver::redis::frontier_scripts
