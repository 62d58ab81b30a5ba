#pragma once
// A scalable Bloom filter (Almeida et al.) over uniformly spread 20-byte fingerprints: stages of
// doubling size, each a blocked Bloom filter (all of an element's bits in one 64-byte line, one
// cache miss per stage), ~10 bits and 7 bits set per element, about 1% false positives per stage.
// Memory follows the count: 128 KiB for the first ~100,000 elements, ~20 MB for 10 million.
#include <array>
#include <cstdint>
#include <vector>

namespace orbweaver::storage {

class bloom_filter {
 public:
  using key = std::array<std::uint8_t, 20>;

  bool may_contain(const key& k) const;
  void insert(const key& k);
  std::size_t memory_bytes() const;

 private:
  struct line {
    std::array<std::uint64_t, 8> words{};
  };
  struct stage {
    std::vector<line> lines;  // a power of two
    std::size_t capacity;
    std::size_t count = 0;
  };
  static bool test(const stage& s, std::size_t index, const key& k, bool set, line* target);

  std::vector<stage> stages_;
};

}  // namespace orbweaver::storage
