#include "engine/spilling_queue.hpp"

#include "storage/request_codec.hpp"

#include <orbweaver/log.hpp>
#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace orbweaver {
namespace {

// A record is the request's sequence number within its priority (8 bytes), its frontier_id (8
// bytes: its row in a JOBDIR) and its encoding.
constexpr std::size_t record_header = 2 * sizeof(std::uint64_t);

std::string record(const request& r, std::uint64_t seq) {
  std::string out(record_header, '\0');
  std::memcpy(out.data(), &seq, sizeof seq);
  std::memcpy(out.data() + sizeof seq, &r.frontier_id, sizeof r.frontier_id);
  out += *storage::encode_request(r);  // pinned at push when it cannot be encoded
  return out;
}

}  // namespace

request_queue_factory slot_queue_factory(const settings& config, const spider& s, stats_collector& stats,
                                         std::optional<std::filesystem::path> spill_dir) {
  auto order = parse_queue_order(config.get_string("SCHEDULER_MEMORY_QUEUE"));
  auto window = config.get_int("SCHEDULER_MEMORY_QUEUE_SIZE");
  if (window < 0)
    throw settings_error(fmt::format("SCHEDULER_MEMORY_QUEUE_SIZE must be 0 (no disk) or a number of requests, got {}", window));
  if (window == 0) return [order](const std::string&) { return std::make_unique<memory_priority_queue>(order); };
  spill_limits limits{.memory_requests = static_cast<std::size_t>(window)};
  return spill_pool::factory(std::make_shared<spill_pool>(limits, order, s, stats, std::move(spill_dir)));
}

spill_pool::spill_pool(spill_limits limits, queue_order order, const spider& s, stats_collector& stats,
                       std::optional<std::filesystem::path> dir)
    : limits_(limits),
      order_(order),
      spider_(s),
      stats_(stats),
      dir_(std::move(dir)),
      rebalance_at_(limits.memory_requests + limits.memory_requests / 4) {
  limits_.slot_minimum = std::max<std::size_t>(limits_.slot_minimum, 2);
  limits_.batch = std::max<std::size_t>(limits_.batch, 1);
}

spill_pool::~spill_pool() = default;

request_queue_factory spill_pool::factory(std::shared_ptr<spill_pool> pool) {
  return [pool](const std::string& slot) { return std::make_unique<spilling_queue>(pool, slot); };
}

storage::request_store& spill_pool::store() {
  if (!store_) {
    if (!dir_) scratch_ = std::make_unique<storage::scratch_directory>();
    directory_ = dir_ ? *dir_ : scratch_->path();
    store_ = std::make_unique<storage::request_store>(directory_);
    warn_unserializable();
  }
  return *store_;
}

std::size_t spill_pool::share() const {
  return std::max(limits_.slot_minimum, limits_.memory_requests / std::max<std::size_t>(queues_.size(), 1));
}

void spill_pool::add(spilling_queue* q) {
  q->index_ = queues_.size();
  queues_.push_back(q);
}

void spill_pool::remove(spilling_queue* q) {
  queues_.back()->index_ = q->index_;
  queues_[q->index_] = queues_.back();
  queues_.pop_back();
}

// A slot over its share is cut below it by a batch (or half its share), so that writes go by
// batches; when the slots together are over the budget by a slack (a quarter of it, or one request
// per slot when slots are many), every slot over its share is cut to it. The slack makes that
// sweep over all slots rare: at most once per that many pushes.
void spill_pool::grew(spilling_queue& q) {
  auto mine = share();
  if (q.resident_ > mine) q.spill(mine > 2 * limits_.batch ? mine - limits_.batch : mine / 2);
  if (resident_ <= rebalance_at_) return;
  for (auto* other : queues_)
    if (other->resident_ > mine) other->spill(mine);
  rebalance_at_ = std::max(limits_.memory_requests, resident_) + std::max(limits_.memory_requests / 4, queues_.size());
}

void spill_pool::unserializable(const request& r) {
  stats_.inc("scheduler/unserializable");
  if (!first_unserializable_) {
    const char* which = r.callback && r.callback_name.empty() ? "callback" : "errback";
    first_unserializable_ = fmt::format("<{} {}> - reason: its {} has no registered name (ORBWEAVER_SPIDER)",
                                        r.method, r.url, which);
  }
  warn_unserializable();
}

// Once, and only when it matters: a request stays in memory while others go to disk.
void spill_pool::warn_unserializable() {
  if (warned_ || !first_unserializable_ || !store_) return;
  warned_ = true;
  log::warning("scheduler",
               "Unable to serialize request: {} - it stays in memory - no more unserializable requests will be "
               "logged (stats being collected)",
               *first_unserializable_);
}

spilling_queue::spilling_queue(std::shared_ptr<spill_pool> pool, std::string slot)
    : pool_(std::move(pool)), slot_(std::move(slot)) {
  pool_->add(this);
}

spilling_queue::~spilling_queue() {
  pool_->resident_ -= resident_;
  pool_->pinned_ -= pinned_;
  pool_->remove(this);
}

void spilling_queue::push(request r) {
  auto& l = levels_[r.priority];
  entry e{l.next_seq++, std::move(r)};
  ++size_;
  pool_->stats_.inc("scheduler/enqueued/memory");
  if (!storage::encodable(e.req)) {
    pool_->unserializable(e.req);
    l.pinned.push_back(std::move(e));
    ++pinned_;
    ++pool_->pinned_;
    return;
  }
  auto& into = pool_->order_ == queue_order::fifo && l.on_disk > 0 ? l.far : l.near;
  into.push_back(std::move(e));
  ++resident_;
  ++pool_->resident_;
  pool_->grew(*this);  // may throw storage_error: the request is in memory by then
}

std::optional<request> spilling_queue::pop() {
  if (levels_.empty()) return std::nullopt;
  auto first = levels_.begin();
  auto& l = first->second;
  if (l.near.empty() && l.on_disk > 0) reload(first->first, l);
  bool fifo = pool_->order_ == queue_order::fifo;
  // The next of the writable ones (near) and of the pinned ones: the older for FIFO, the newer for LIFO.
  auto* from_near = l.near.empty() ? nullptr : fifo ? &l.near.front() : &l.near.back();
  auto* from_pinned = l.pinned.empty() ? nullptr : fifo ? &l.pinned.front() : &l.pinned.back();
  bool pinned = !from_near || (from_pinned && (fifo ? from_pinned->seq < from_near->seq : from_pinned->seq > from_near->seq));
  auto& from = pinned ? l.pinned : l.near;
  request out = std::move((fifo ? from.front() : from.back()).req);
  if (fifo)
    from.pop_front();
  else
    from.pop_back();
  --size_;
  if (pinned) {
    --pinned_;
    --pool_->pinned_;
  } else {
    --resident_;
    --pool_->resident_;
  }
  if (l.near.empty() && l.far.empty() && l.pinned.empty() && l.on_disk == 0) levels_.erase(first);
  pool_->stats_.inc("scheduler/dequeued/memory");
  return out;
}

void spilling_queue::spill(std::size_t target) {
  for (auto it = levels_.rbegin(); it != levels_.rend() && resident_ > target; ++it)
    spill_level(it->first, it->second, resident_ - target);
}

std::size_t spilling_queue::level::new_id() {
  if (free_ids.empty()) return next_id++;
  auto id = free_ids.back();
  free_ids.pop_back();
  return id;
}

void spilling_queue::spill_level(int priority, level& l, std::size_t count) {
  auto batch = pool_->limits_.batch;
  if (pool_->order_ == queue_order::lifo) {
    // The bottom of the memory stack goes on top of the disk's.
    while (count > 0 && !l.near.empty()) {
      auto n = std::min({count, batch, l.near.size()});
      auto id = l.new_id();
      write(priority, l, id, l.near, 0, n);
      l.segments.push_back({id, n});
      count -= n;
    }
    return;
  }
  // The newest first: the front of `far` follows the last segment.
  if (auto n = std::min(count, l.far.size()); n > 0) {
    if (l.segments.empty()) {
      auto id = l.new_id();
      write(priority, l, id, l.far, 0, n);
      l.segments.push_back({id, n});
    } else {
      write(priority, l, l.segments.back().id, l.far, 0, n);
      l.segments.back().count += n;
    }
    count -= n;
  }
  // Then the back of `near`, before the first segment: a segment of its own.
  if (auto n = std::min(count, l.near.size()); n > 0) {
    auto id = l.new_id();
    write(priority, l, id, l.near, l.near.size() - n, n);
    l.segments.push_front({id, n});
  }
}

// The segment is recorded by the caller once this returned: when the store throws, the requests
// are still in memory and no segment counts them.
void spilling_queue::write(int priority, level& l, std::size_t id, std::deque<entry>& from, std::size_t first,
                           std::size_t count) {
  std::vector<std::string> records;
  records.reserve(count);
  auto begin = from.begin() + static_cast<std::ptrdiff_t>(first);
  auto end = begin + static_cast<std::ptrdiff_t>(count);
  for (auto it = begin; it != end; ++it) records.push_back(record(it->req, it->seq));
  pool_->store().append(key(priority, id), std::move(records));
  from.erase(begin, end);
  l.on_disk += count;
  resident_ -= count;
  pool_->resident_ -= count;
  pool_->stats_.inc("scheduler/enqueued/disk", static_cast<std::int64_t>(count));
}

void spilling_queue::reload(int priority, level& l) {
  bool lifo = pool_->order_ == queue_order::lifo;
  auto& from = lifo ? l.segments.back() : l.segments.front();
  auto want = lifo ? from.count
                   : std::min({from.count, pool_->limits_.batch, std::max(pool_->limits_.slot_minimum, pool_->share())});
  auto records = pool_->store().take(key(priority, from.id), want);
  if (records.size() != want)
    throw storage::storage_error(fmt::format("the frontier's store gave {} requests of slot '{}' where {} were written",
                                             records.size(), slot_, want));
  // Decoded before anything changes: a failure leaves the level as it was, less what was taken.
  std::vector<entry> back;
  back.reserve(want);
  for (const auto& bytes : records) {
    std::uint64_t seq;
    std::uint64_t frontier_id;
    if (bytes.size() < record_header) throw storage::storage_error(fmt::format("a request of slot '{}' on disk is cut short", slot_));
    std::memcpy(&seq, bytes.data(), sizeof seq);
    std::memcpy(&frontier_id, bytes.data() + sizeof seq, sizeof frontier_id);
    try {
      back.push_back(entry{seq, storage::decode_request(std::string_view(bytes).substr(record_header), pool_->spider_)});
      back.back().req.frontier_id = frontier_id;
    } catch (const serialization_error& e) {
      throw storage::storage_error(fmt::format("a request of slot '{}' on disk cannot be read: {}", slot_, e.what()));
    }
  }
  for (auto& e : back) l.near.push_back(std::move(e));
  from.count -= want;
  l.on_disk -= want;
  if (from.count == 0) {
    l.free_ids.push_back(from.id);
    lifo ? l.segments.pop_back() : l.segments.pop_front();
  }
  if (l.segments.empty()) {  // FIFO: what waited behind the disk is next now
    std::move(l.far.begin(), l.far.end(), std::back_inserter(l.near));
    l.far.clear();
  }
  resident_ += want;
  pool_->resident_ += want;
  pool_->stats_.inc("scheduler/dequeued/disk", static_cast<std::int64_t>(want));
}

std::string spilling_queue::key(int priority, std::size_t id) const {
  // Numbers first: a slot name may hold any byte, the numbers never hold the separator.
  return fmt::format("{}\x1f{}\x1f{}", priority, id, slot_);
}

}  // namespace orbweaver
