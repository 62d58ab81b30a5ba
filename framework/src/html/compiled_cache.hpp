#pragma once
// Compiled selectors and regular expressions, kept by their source text. Callbacks on the parse
// pool run the same few queries on every page, so each is compiled once per process. Bounded:
// when full it starts over, so a spider that builds queries from page content cannot grow it.
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace orbweaver::html {

template <class T>
class compiled_cache {
 public:
  explicit compiled_cache(std::size_t capacity) : capacity_(capacity) {}

  // The cached value for key, or compile(key)'s (which may throw; nothing is cached then).
  template <class Compile>
  std::shared_ptr<const T> get(std::string_view key, Compile&& compile) {
    {
      std::shared_lock lock(mutex_);
      if (auto it = entries_.find(key); it != entries_.end()) return it->second;
    }
    auto value = std::make_shared<const T>(compile(key));  // outside the lock: compiling is slow
    std::unique_lock lock(mutex_);
    if (entries_.size() >= capacity_) entries_.clear();
    entries_.try_emplace(std::string(key), value);
    return value;
  }

 private:
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  std::size_t capacity_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const T>, hash, std::equal_to<>> entries_;
};

}  // namespace orbweaver::html
