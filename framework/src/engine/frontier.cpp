#include "engine/frontier.hpp"

#include <cassert>

namespace orbweaver {

frontier::frontier(download::slot_gate& gate, request_queue_factory make_queue)
    : gate_(gate), make_queue_(std::move(make_queue)) {}

void frontier::reindex(const std::string& key, slot_queue& q, download::clock::time_point ready) {
  if (q.indexed) by_readiness_.erase(*q.indexed);
  q.indexed = by_readiness_.insert(entry{ready, q.requests->top_priority(), &key}).first;
}

void frontier::push(request r, const std::string& slot) {
  auto [it, added] = slots_.try_emplace(slot);
  auto& q = it->second;
  if (added) q.requests = make_queue_(slot);
  bool new_head = q.requests->size() == 0 || r.priority > q.requests->top_priority();
  q.requests->push(std::move(r));
  ++size_;
  if (new_head) reindex(it->first, q, added ? gate_.ready_at(slot) : (*q.indexed)->ready);
}

std::optional<leased_request> frontier::pop_ready(download::clock::time_point now) {
  while (!by_readiness_.empty()) {
    auto first = by_readiness_.begin();
    if (first->ready > now) return std::nullopt;
    auto found = slots_.find(*first->slot);
    auto& [key, q] = *found;
    // The slot may have started a transfer since: readiness only moves later without a word.
    if (auto actual = gate_.ready_at(key); actual != first->ready) {
      reindex(key, q, actual);
      continue;
    }
    leased_request out{std::move(*q.requests->pop()), key, next_ticket_++};
    --size_;
    ++leased_;
    gate_.reserve(key);
    if (q.requests->size() == 0) {
      by_readiness_.erase(first);
      slots_.erase(found);
    } else {
      reindex(key, q, gate_.ready_at(key));
    }
    return out;
  }
  return std::nullopt;
}

void frontier::done(std::uint64_t ticket) {
  assert(ticket > 0 && ticket < next_ticket_ && leased_ > 0);
  (void)ticket;
  --leased_;
}

download::clock::time_point frontier::next_ready_time() const {
  return by_readiness_.empty() ? download::clock::time_point::max() : by_readiness_.begin()->ready;
}

void frontier::slot_changed(const std::string& slot) {
  auto found = slots_.find(slot);
  if (found == slots_.end()) return;
  auto ready = gate_.ready_at(slot);
  if (ready < (*found->second.indexed)->ready) reindex(found->first, found->second, ready);
}

}  // namespace orbweaver
