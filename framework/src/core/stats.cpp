#include <orbweaver/stats.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace orbweaver {
namespace {

std::optional<std::int64_t> as_int(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double()) return static_cast<std::int64_t>(v.get_double());
  return std::nullopt;
}

// Strings print bare and doubles in their shortest form ("0.25", not Boost.JSON's "2.5E-1").
std::string display(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_double()) return fmt::format("{}", v.get_double());
  return boost::json::serialize(v);
}

}  // namespace

void stats_collector::inc(std::string_view key, std::int64_t by) {
  auto* current = values_.if_contains(key);
  auto number = current ? as_int(*current) : std::nullopt;
  values_[key] = number ? *number + by : by;
}

void stats_collector::set(std::string_view key, boost::json::value v) { values_[key] = std::move(v); }

void stats_collector::max(std::string_view key, std::int64_t v) {
  auto* current = values_.if_contains(key);
  auto number = current ? as_int(*current) : std::nullopt;
  if (!number || v > *number) values_[key] = v;
}

std::int64_t stats_collector::get(std::string_view key) const {
  auto* current = values_.if_contains(key);
  return current ? as_int(*current).value_or(0) : 0;
}

std::string stats_collector::dump() const {
  std::vector<const boost::json::key_value_pair*> sorted;
  sorted.reserve(values_.size());
  for (const auto& entry : values_) sorted.push_back(&entry);
  std::ranges::sort(sorted, {}, [](const auto* entry) { return entry->key(); });
  std::string text;
  for (const auto* entry : sorted) text += fmt::format("{}: {}\n", std::string_view(entry->key()), display(entry->value()));
  return text;
}

}  // namespace orbweaver
