#pragma once
// HTTP header fields: an ordered list with case-insensitive names, repeated names allowed.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orbweaver {

bool iequals(std::string_view a, std::string_view b) noexcept;

class http_headers {
 public:
  using field = std::pair<std::string, std::string>;

  http_headers() = default;
  http_headers(std::initializer_list<field> fields) : fields_(fields) {}

  // First value of the name, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // Replace every field of that name with one.
  void set(std::string_view name, std::string_view value);
  // Set only if absent (how default headers apply).
  void set_default(std::string_view name, std::string_view value);
  void add(std::string_view name, std::string_view value);
  void remove(std::string_view name);

  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<field> fields_;
};

}  // namespace orbweaver
