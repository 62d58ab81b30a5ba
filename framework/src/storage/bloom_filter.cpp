#include "storage/bloom_filter.hpp"

#include <cstring>

namespace orbweaver::storage {
namespace {

constexpr std::size_t first_lines = 2048;  // 2048 * 512 bits = 128 KiB
constexpr std::size_t bits_per_element = 10;
constexpr int bits_set = 7;

std::uint64_t word_at(const bloom_filter::key& k, std::size_t offset) {
  std::uint64_t w;
  std::memcpy(&w, k.data() + offset, sizeof w);
  return w;
}

}  // namespace

// The line comes from bytes 0-7 mixed with the stage number (so stages disagree), the seven bit
// positions within it (9 bits each) from bytes 8-15.
bool bloom_filter::test(const stage& s, std::size_t index, const key& k, bool set, line* target) {
  std::uint64_t h = (word_at(k, 0) + index * 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 31;
  std::size_t li = static_cast<std::size_t>(h) & (s.lines.size() - 1);
  std::uint64_t positions = word_at(k, 8) ^ (h >> 11);
  const line& l = s.lines[li];
  for (int i = 0; i < bits_set; ++i) {
    unsigned bit = static_cast<unsigned>(positions >> (9 * i)) & 511;
    if (set)
      target[li].words[bit >> 6] |= std::uint64_t{1} << (bit & 63);
    else if (!(l.words[bit >> 6] & (std::uint64_t{1} << (bit & 63))))
      return false;
  }
  return true;
}

bool bloom_filter::may_contain(const key& k) const {
  for (std::size_t i = 0; i < stages_.size(); ++i)
    if (test(stages_[i], i, k, false, nullptr)) return true;
  return false;
}

void bloom_filter::insert(const key& k) {
  if (stages_.empty() || stages_.back().count >= stages_.back().capacity) {
    std::size_t lines = stages_.empty() ? first_lines : stages_.back().lines.size() * 2;
    stages_.push_back(stage{std::vector<line>(lines), lines * 512 / bits_per_element});
  }
  auto& s = stages_.back();
  test(s, stages_.size() - 1, k, true, s.lines.data());
  ++s.count;
}

std::size_t bloom_filter::memory_bytes() const {
  std::size_t total = 0;
  for (const auto& s : stages_) total += s.lines.size() * sizeof(line);
  return total;
}

}  // namespace orbweaver::storage
