#pragma once
// The queue of one frontier slot: its pending requests by priority. The memory queue here, and
// the spilling queue (engine/spilling_queue.hpp: a memory window, the rest on disk) implement it;
// the frontier makes one queue per slot through a factory.
#include <orbweaver/request.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace orbweaver {

// Order within one priority: first in first out, or last in first out (Scrapy's default memory
// queue, scrapy.squeues.LifoMemoryQueue).
enum class queue_order { fifo, lifo };

// SCHEDULER_MEMORY_QUEUE: "fifo", "lifo" or Scrapy's scrapy.squeues.FifoMemoryQueue /
// LifoMemoryQueue; throws settings_error otherwise.
queue_order parse_queue_order(std::string_view setting);

class request_queue {
 public:
  virtual ~request_queue() = default;
  virtual void push(request r) = 0;
  // The highest-priority request, in the queue's order within a priority.
  virtual std::optional<request> pop() = 0;
  // The priority pop() would return next; only called when size() > 0.
  virtual int top_priority() const = 0;
  virtual std::size_t size() const = 0;
};

// Makes the queue of a slot (its key: a host, an IP or a meta download_slot).
using request_queue_factory = std::function<std::unique_ptr<request_queue>(const std::string& slot)>;

class memory_priority_queue final : public request_queue {
 public:
  explicit memory_priority_queue(queue_order order = queue_order::fifo) : order_(order) {}
  void push(request r) override;
  std::optional<request> pop() override;
  int top_priority() const override { return by_priority_.begin()->first; }
  std::size_t size() const override { return size_; }

 private:
  queue_order order_;
  std::map<int, std::deque<request>, std::greater<>> by_priority_;
  std::size_t size_ = 0;
};

}  // namespace orbweaver
