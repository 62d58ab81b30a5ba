#include "storage/write_queue.hpp"

#include <vector>

namespace orbweaver::storage {

write_queue::write_queue(const std::filesystem::path& file, durability d, const job& setup, std::size_t max_waiting)
    : db_(std::make_unique<database>(file, d)), max_waiting_(max_waiting) {
  setup(*db_);
  thread_ = std::thread([this] { run(); });
}

write_queue::~write_queue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

std::uint64_t write_queue::submit(job j) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return waiting_.size() < max_waiting_ || failure_; });
  throw_if_failed();
  waiting_.push_back(std::move(j));
  ++submitted_;
  changed_.notify_all();
  return submitted_;
}

std::uint64_t write_queue::committed() const {
  std::lock_guard lock(mutex_);
  throw_if_failed();
  return committed_;
}

void write_queue::wait(std::uint64_t ticket) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return committed_ >= ticket || failure_; });
  throw_if_failed();
}

void write_queue::flush() {
  std::uint64_t ticket;
  {
    std::lock_guard lock(mutex_);
    ticket = submitted_;
  }
  wait(ticket);
}

void write_queue::throw_if_failed() const {
  if (failure_) std::rethrow_exception(failure_);
}

void write_queue::run() {
  std::vector<job> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !waiting_.empty() || stopping_; });
      if (waiting_.empty() || failure_) return;
      batch.assign(std::make_move_iterator(waiting_.begin()), std::make_move_iterator(waiting_.end()));
      waiting_.clear();
      changed_.notify_all();  // room for submit()
    }
    try {
      transaction tx(*db_);
      for (auto& j : batch) j(*db_);
      tx.commit();
    } catch (...) {
      std::lock_guard lock(mutex_);
      failure_ = std::current_exception();
      changed_.notify_all();
      return;
    }
    std::lock_guard lock(mutex_);
    committed_ += batch.size();
    changed_.notify_all();
  }
}

}  // namespace orbweaver::storage
