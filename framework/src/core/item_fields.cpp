#include <orbweaver/item_fields.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace orbweaver {

item_fields::item_fields(std::string type_name, std::initializer_list<field> fields)
    : type_name_(std::move(type_name)), fields_(fields) {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name().empty())
      throw std::invalid_argument(fmt::format("item type '{}' declares a field without a name", type_name_));
    for (std::size_t j = 0; j < i; ++j)
      if (fields_[j].name() == fields_[i].name())
        throw std::invalid_argument(
            fmt::format("item type '{}' declares field '{}' twice", type_name_, fields_[i].name()));
  }
}

std::vector<std::string> item_fields::names() const {
  std::vector<std::string> result;
  result.reserve(fields_.size());
  for (const auto& f : fields_) result.push_back(f.name());
  return result;
}

const field* item_fields::find(std::string_view name) const {
  for (const auto& f : fields_)
    if (f.name() == name) return &f;
  return nullptr;
}

bool item_fields::fits(const item& it) const {
  for (const auto& entry : it)
    if (!contains(entry.key())) return false;
  return true;
}

namespace {
bool lacks_value(const json::value* v) {
  return !v || v->is_null() || (v->is_string() && v->get_string().empty()) ||
         (v->is_array() && v->get_array().empty());
}
}  // namespace

std::vector<std::string> item_fields::missing(const item& it) const {
  std::vector<std::string> result;
  for (const auto& f : fields_)
    if (f.is_required() && lacks_value(it.if_contains(f.name()))) result.push_back(f.name());
  return result;
}

void item_fields::validate(const item& it) const {
  auto lacking = missing(it);
  if (!lacking.empty())
    throw item_validation_error(
        fmt::format("{} item lacks required field(s): {}", type_name_, fmt::join(lacking, ", ")));
}

item item_fields::ordered(const item& it) const {
  item result;
  result.reserve(it.size());
  for (const auto& f : fields_)
    if (auto* v = it.if_contains(f.name())) result.emplace(f.name(), *v);
  for (const auto& entry : it)
    if (!contains(entry.key())) result.emplace(entry.key(), entry.value());
  return result;
}

namespace {
// Declarations are made during static initialisation and read by pipelines on the reactor thread
// and by tests: a lock for each, uncontended in practice.
struct item_type_registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<const item_fields>> types;  // pointers stay valid as it grows
};
item_type_registry& registry() {
  static item_type_registry instance;
  return instance;
}
}  // namespace

void declare_item_type(const item_fields& fields) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.types.push_back(std::make_unique<const item_fields>(fields));
}

const item_fields* declared_item_type(const item& it) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  const item_fields* found = nullptr;
  for (const auto& type : r.types) {
    if (!type->fits(it)) continue;
    if (found) return nullptr;  // several fit: the item's type is not known
    found = type.get();
  }
  return found;
}

}  // namespace orbweaver
