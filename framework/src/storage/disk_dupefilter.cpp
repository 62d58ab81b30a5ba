#include "storage/disk_dupefilter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace orbweaver::storage {
namespace {

constexpr std::size_t batch_size = 4096;
constexpr std::size_t recent_slots = std::size_t{1} << 17;
const fingerprint empty_slot{};  // an all-zero SHA-1 is as likely as any other: never cached

std::size_t recent_slot(const fingerprint& f) {
  std::uint32_t h;
  std::memcpy(&h, f.data() + 16, sizeof h);
  return h & (recent_slots - 1);
}

}  // namespace

disk_dupefilter::disk_dupefilter(const std::filesystem::path& dir, durability d) : recent_(recent_slots) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw storage_error(fmt::format("cannot create '{}': {}", dir.string(), ec.message()));
  auto file = dir / "seen.sqlite";
  writer_ = std::make_shared<write_queue>(
      file, d, [](database& db) { db.exec("CREATE TABLE IF NOT EXISTS seen (fp BLOB PRIMARY KEY) WITHOUT ROWID"); });
  open(file, d);
}

disk_dupefilter::disk_dupefilter(const std::filesystem::path& file, std::shared_ptr<write_queue> writer)
    : writer_(std::move(writer)), writes_itself_(false), recent_(recent_slots) {
  open(file, durability::power_loss);
}

void disk_dupefilter::open(const std::filesystem::path& file, durability d) {
  reader_ = std::make_unique<database>(file, d, 2048);  // point lookups only: a small cache
  find_.emplace(reader_->prepare("SELECT 1 FROM seen WHERE fp = ?1"));
  auto all = reader_->prepare("SELECT fp FROM seen");
  while (all.step()) {
    auto bytes = all.column_blob(0);
    fingerprint f;
    if (bytes.size() != f.size()) reader_->fail("a fingerprint that is not 20 bytes in table seen");
    std::memcpy(f.data(), bytes.data(), f.size());
    bloom_.insert(f);
    ++size_;
  }
}

disk_dupefilter::disk_dupefilter(std::unique_ptr<scratch_directory> scratch) : disk_dupefilter(scratch->path()) {
  scratch_ = std::move(scratch);
}

std::unique_ptr<disk_dupefilter> disk_dupefilter::in_temporary_directory() {
  return std::unique_ptr<disk_dupefilter>(new disk_dupefilter(std::make_unique<scratch_directory>()));
}

disk_dupefilter::~disk_dupefilter() {
  // The writer commits what it holds before the reader and the directory go.
  if (writes_itself_ && !batch_.empty()) {
    try {
      send_batch();
    } catch (const storage_error&) {
      // Nothing to report to in a destructor; flush() is the place to see a failure.
    }
  }
  writer_.reset();
}

bool disk_dupefilter::seen_before(const request& r) { return seen_before(request_fingerprint(r)); }

bool disk_dupefilter::seen_before(const fingerprint& f) {
  forget_committed();
  if (bloom_.may_contain(f)) {
    auto& slot = recent_[recent_slot(f)];
    if (slot == f) return true;
    if (uncommitted_.contains(f) || on_disk(f)) {
      if (f != empty_slot) slot = f;
      return true;
    }
  }
  remember(f);
  return false;
}

bool disk_dupefilter::on_disk(const fingerprint& f) {
  ++disk_reads_;
  find_->bind_blob(1, f.data(), f.size());
  bool found = find_->step();
  find_->reset();
  return found;
}

void disk_dupefilter::remember(const fingerprint& f) {
  bloom_.insert(f);
  if (f != empty_slot) recent_[recent_slot(f)] = f;
  uncommitted_.insert(f);
  batch_.push_back(f);
  ++size_;
  if (writes_itself_ && batch_.size() >= batch_size) send_batch();
}

std::shared_ptr<const std::vector<fingerprint>> disk_dupefilter::take_unwritten() {
  auto taken = std::make_shared<std::vector<fingerprint>>(std::move(batch_));
  batch_ = {};
  std::sort(taken->begin(), taken->end());
  return taken;
}

void disk_dupefilter::written(std::uint64_t ticket, std::shared_ptr<const std::vector<fingerprint>> batch) {
  if (!batch->empty()) in_flight_.emplace_back(ticket, std::move(batch));
}

void disk_dupefilter::send_batch() {
  auto shared = take_unwritten();  // sorted: B-tree pages in order, fewer pages dirtied per commit
  auto ticket = writer_->submit([shared](database& db) {
    auto insert = db.prepare("INSERT OR IGNORE INTO seen (fp) VALUES (?1)");
    for (const auto& f : *shared) insert.bind_blob(1, f.data(), f.size()).run();
  });
  written(ticket, std::move(shared));
}

void disk_dupefilter::forget_committed() {
  if (in_flight_.empty()) return;
  auto committed = writer_->committed();
  while (!in_flight_.empty() && in_flight_.front().first <= committed) {
    for (const auto& f : *in_flight_.front().second) uncommitted_.erase(f);
    in_flight_.pop_front();
  }
}

void disk_dupefilter::flush() {
  if (writes_itself_ && !batch_.empty()) send_batch();
  writer_->flush();
  forget_committed();
}

std::size_t disk_dupefilter::memory_bytes() const {
  return bloom_.memory_bytes() + recent_.size() * sizeof(fingerprint) +
         uncommitted_.size() * (sizeof(fingerprint) + 2 * sizeof(void*)) * 2;
}

}  // namespace orbweaver::storage
