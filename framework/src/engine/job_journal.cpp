#include "engine/job_journal.hpp"

#include "storage/request_codec.hpp"

#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/spider.hpp>

#include <fmt/format.h>

namespace orbweaver {

namespace {
constexpr std::size_t resume_batch_size = 1000;
}

job_journal::job_journal(const std::filesystem::path& dir, spider& s, stats_collector& stats)
    : dir_(dir, s.name), spider_(s), stats_(stats), start_requests_issued_(dir_.start_requests_issued()) {
  for (const auto& [key, value] : dir_.stats()) stats_.set(key, value);
  s.state().replace(dir_.spider_state());
  if (dir_.resumed())
    log::info("jobdir", "Resuming crawl from JOBDIR '{}': {} requests waiting, start requests {}", dir.string(),
              dir_.pending_at_open(), start_requests_issued_ ? "issued before" : "not issued yet");
}

std::unique_ptr<dupefilter> job_journal::make_dupefilter() {
  auto filter = std::make_unique<storage::disk_dupefilter>(dir_.database_file(), dir_.writer());
  filter_ = filter.get();
  return filter;
}

void job_journal::add_sink(std::string name, checkpointed_sink& sink) {
  const auto* at = dir_.resumed() ? dir_.sinks().if_contains(name) : nullptr;
  sink.resume(at);
  sinks_.emplace_back(std::move(name), &sink);
}

std::optional<std::vector<request>> job_journal::resume_batch() {
  auto rows = dir_.read_pending(resume_cursor_, resume_batch_size);
  if (rows.empty()) return std::nullopt;
  std::vector<request> requests;
  requests.reserve(rows.size());
  for (auto& row : rows) {
    resume_cursor_ = row.id;
    try {
      auto r = storage::decode_request(row.record, spider_);
      r.frontier_id = row.id;
      if (row.batches_done > 0) handed_before_[row.id] = row.batches_done;
      requests.push_back(std::move(r));
    } catch (const serialization_error& e) {
      stats_.inc("jobdir/unreadable_requests");
      log::error("jobdir", "A request in JOBDIR '{}' cannot be read and stays there: {}", dir_.path().string(), e.what());
    }
  }
  return requests;
}

void job_journal::admitted(request& r) {
  auto record = storage::encode_request(r);
  if (!record) {
    r.frontier_id = 0;
    stats_.inc("jobdir/unserializable");
    if (!warned_unserializable_) {
      warned_unserializable_ = true;
      log::warning("jobdir",
                   "Unable to write request <{} {}> to JOBDIR: its callback or errback has no registered name "
                   "(ORBWEAVER_SPIDER); it is kept in memory only and a crash loses it - no more such requests will "
                   "be logged (stat jobdir/unserializable)",
                   r.method, r.url);
    }
    return;
  }
  r.frontier_id = dir_.new_id();
  delta_.added.emplace_back(r.frontier_id, std::move(*record));
}

void job_journal::handed_batch(const request& origin, std::size_t batches) {
  if (origin.frontier_id != 0) progress_[origin.frontier_id] = batches;
}

std::size_t job_journal::batches_handed(const request& r) const {
  auto it = handed_before_.find(r.frontier_id);
  return it == handed_before_.end() ? 0 : it->second;
}

void job_journal::done(const request& r) {
  if (r.frontier_id == 0) return;
  delta_.done.push_back(r.frontier_id);
  progress_.erase(r.frontier_id);
  handed_before_.erase(r.frontier_id);
}

void job_journal::checkpoint() {
  for (auto& [name, sink] : sinks_) {
    try {
      delta_.sinks[name] = sink->checkpoint();
    } catch (const std::exception& e) {
      throw storage::storage_error(fmt::format("pipeline {} cannot make its items durable: {}", name, e.what()));
    }
  }
  for (const auto& [id, batches] : progress_) delta_.progress.emplace_back(id, batches);
  progress_.clear();
  std::shared_ptr<const std::vector<fingerprint>> fingerprints;
  if (filter_) fingerprints = filter_->take_unwritten();
  delta_.fingerprints = fingerprints;
  delta_.stats = stats_.all();
  delta_.spider_state = spider_.state().snapshot();
  delta_.start_requests_issued = start_requests_issued_;
  auto ticket = dir_.commit(std::exchange(delta_, {}));
  if (filter_) filter_->written(ticket, std::move(fingerprints));
}

}  // namespace orbweaver
