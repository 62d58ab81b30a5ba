#pragma once
// The atomic steps of the frontier on Redis (docs/distributed.md): one Lua script each, run by
// redis::script (EVALSHA, loaded again after a Redis restart). Every script reads the clock with
// redis.call('TIME'), so that workers on machines whose clocks differ share one time, and takes
// the key prefix as ARGV[1]: the keys are built inside the script ("{P}:q:<slot>"), which one
// Redis server allows (not a Redis Cluster, where every key must be named in KEYS).
//
// The arguments and replies are listed above each script in frontier_scripts.cpp;
// redis::frontier_store is their only caller and the place to read how they are used.
#include "redis/script.hpp"

namespace orbweaver::redis::frontier_scripts {

// Returns expired leases to their queues, then leases up to n requests from slots that are ready.
const script& take();
// Extends this worker's leases and its heartbeat; replies the ids that are no longer its own.
const script& renew();
// Admits new requests through the seen sets, releases done leases, adds stats and records sink
// positions: once per (worker, commit number).
const script& commit();
// Admits the spider's start requests once for the whole crawl, whichever worker comes first.
const script& admit_start();
// Sets idle_since when no request is queued and no lease is held, clears it otherwise.
const script& finish_check();
// Writes a slot's concurrency, delay and randomisation and puts it in the schedule again.
const script& set_slot_policy();

}  // namespace orbweaver::redis::frontier_scripts
