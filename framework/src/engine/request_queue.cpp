#include "engine/request_queue.hpp"

namespace orbweaver {

void memory_priority_queue::push(request r) {
  by_priority_[r.priority].push_back(std::move(r));
  ++size_;
}

std::optional<request> memory_priority_queue::pop() {
  if (by_priority_.empty()) return std::nullopt;
  auto first = by_priority_.begin();
  request r = std::move(first->second.front());
  first->second.pop_front();
  if (first->second.empty()) by_priority_.erase(first);
  --size_;
  return r;
}

}  // namespace orbweaver
