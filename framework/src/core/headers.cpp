#include <orbweaver/headers.hpp>

#include <algorithm>

namespace orbweaver {

bool iequals(std::string_view a, std::string_view b) noexcept {
  auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string_view> http_headers::get(std::string_view name) const {
  for (const auto& [k, v] : fields_)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

std::vector<std::string_view> http_headers::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [k, v] : fields_)
    if (iequals(k, name)) values.emplace_back(v);
  return values;
}

void http_headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void http_headers::set_default(std::string_view name, std::string_view value) {
  if (!contains(name)) add(name, value);
}

void http_headers::add(std::string_view name, std::string_view value) {
  fields_.emplace_back(std::string(name), std::string(value));
}

void http_headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const field& f) { return iequals(f.first, name); });
}

}  // namespace orbweaver
