#pragma once
// Duplicate request filtering by fingerprint. A crawl uses storage::disk_dupefilter (fingerprints
// on disk, bounded memory); the memory filter serves tests; a Redis filter will implement the same
// interface.
#include "engine/fingerprint.hpp"

#include <unordered_set>

namespace orbweaver {

class dupefilter {
 public:
  virtual ~dupefilter() = default;
  // True when an equivalent request was seen before; records it otherwise.
  virtual bool seen_before(const request& r) = 0;
  virtual std::size_t size() const = 0;
};

class memory_dupefilter final : public dupefilter {
 public:
  bool seen_before(const request& r) override { return !seen_.insert(request_fingerprint(r)).second; }
  std::size_t size() const override { return seen_.size(); }

 private:
  std::unordered_set<fingerprint, fingerprint_hash> seen_;
};

}  // namespace orbweaver
