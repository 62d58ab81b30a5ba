#pragma once
// Where the scheduler keeps pending requests. The memory queue is the only backend for now; disk
// and Redis queues will implement the same interface.
#include <orbweaver/request.hpp>

#include <deque>
#include <functional>
#include <map>
#include <optional>

namespace orbweaver {

class request_queue {
 public:
  virtual ~request_queue() = default;
  virtual void push(request r) = 0;
  // The highest-priority request, first in first out within a priority.
  virtual std::optional<request> pop() = 0;
  virtual std::size_t size() const = 0;
};

class memory_priority_queue final : public request_queue {
 public:
  void push(request r) override;
  std::optional<request> pop() override;
  std::size_t size() const override { return size_; }

 private:
  std::map<int, std::deque<request>, std::greater<>> by_priority_;
  std::size_t size_ = 0;
};

}  // namespace orbweaver
