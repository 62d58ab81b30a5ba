#include <orbweaver/meta.hpp>

namespace orbweaver {

bool meta_flag(const json::object& meta, std::string_view key) {
  auto* v = meta.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

std::optional<long long> meta_int(const json::object& meta, std::string_view key) {
  auto* v = meta.if_contains(key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<long long>(v->get_uint64());
  return std::nullopt;
}

std::optional<double> meta_number(const json::object& meta, std::string_view key) {
  auto* v = meta.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

bool meta_handles_status(const json::object& meta, int status) {
  if (meta_flag(meta, "handle_httpstatus_all")) return true;
  if (auto* list = meta.if_contains("handle_httpstatus_list"); list && list->is_array())
    for (const auto& v : list->get_array())
      if (v.is_int64() && v.get_int64() == status) return true;
  return false;
}

}  // namespace orbweaver
