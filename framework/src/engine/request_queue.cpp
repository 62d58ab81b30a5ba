#include "engine/request_queue.hpp"

#include <orbweaver/settings.hpp>

#include <fmt/format.h>

namespace orbweaver {

queue_order parse_queue_order(std::string_view setting) {
  if (setting == "fifo" || setting == "scrapy.squeues.FifoMemoryQueue") return queue_order::fifo;
  if (setting == "lifo" || setting == "scrapy.squeues.LifoMemoryQueue") return queue_order::lifo;
  throw settings_error(fmt::format(
      "SCHEDULER_MEMORY_QUEUE must be fifo or lifo (or scrapy.squeues.FifoMemoryQueue / LifoMemoryQueue), got '{}'",
      setting));
}

void memory_priority_queue::push(request r) {
  by_priority_[r.priority].push_back(std::move(r));
  ++size_;
}

std::optional<request> memory_priority_queue::pop() {
  if (by_priority_.empty()) return std::nullopt;
  auto first = by_priority_.begin();
  auto& same_priority = first->second;
  request r = std::move(order_ == queue_order::fifo ? same_priority.front() : same_priority.back());
  if (order_ == queue_order::fifo)
    same_priority.pop_front();
  else
    same_priority.pop_back();
  if (same_priority.empty()) by_priority_.erase(first);
  --size_;
  return r;
}

}  // namespace orbweaver
