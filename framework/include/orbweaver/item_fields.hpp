#pragma once
// Declared item fields (Scrapy's Item and Field): an item type's fields in order, each with
// optional loader processors (item_loader.hpp) and a required flag; items stay json::objects:
//   const item_fields book{"book", {"title", field("price").input(to_number()), field("rating").required()}};
//   ORBWEAVER_ITEM(book);   // at namespace scope of one .cpp file: known to feed exports and
//                           // "item_validation" (declared twice, its items would fit two types)
// A declared (ORBWEAVER_ITEM) type is recognised by its keys: an item is of the type when it is
// the only declared one whose fields include every key of the item. Feed exports then order CSV
// columns (all the declared fields, as Scrapy's header from an Item class) and JSON keys by the
// declaration when FEED_EXPORT_FIELDS is not set; the "item_validation" pipeline (off until
// ITEM_PIPELINES names it) drops items that miss a required field.
#include <orbweaver/error.hpp>
#include <orbweaver/item.hpp>

#include <concepts>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace orbweaver {

namespace detail {
template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;

// What a processor or add_value is given, as a JSON value: nullopt is null.
template <class T>
json::value to_json_value(T&& v) {
  using plain = std::remove_cvref_t<T>;
  if constexpr (is_optional<plain>) {
    return v ? to_json_value(*std::forward<T>(v)) : json::value(nullptr);
  } else if constexpr (std::is_constructible_v<json::value, T&&>) {
    return json::value(std::forward<T>(v));
  } else {
    return json::value_from(std::forward<T>(v));
  }
}
}  // namespace detail

// A loader processor (itemloaders' input and output processors): takes the values of a field and
// gives a value. Any callable taking a json::array and returning something Boost.JSON can hold
// (json::value, std::string, a number, a vector, std::optional: nullopt is null) is one.
class processor {
 public:
  processor() = default;  // none: the next processor in line (field's, then loader's) applies
  template <class F>
    requires(!std::same_as<std::remove_cvref_t<F>, processor> && std::invocable<F&, json::array>)
  processor(F f)  // NOLINT: implicit, so that a lambda is a processor
      : fn_([f = std::move(f)](json::array values) mutable { return detail::to_json_value(f(std::move(values))); }) {}

  json::value operator()(json::array values) const { return fn_(std::move(values)); }
  explicit operator bool() const { return static_cast<bool>(fn_); }

 private:
  std::function<json::value(json::array)> fn_;
};

// One declared field: field("price").input(to_number()).output(take_first()).required().
class field {
 public:
  field(const char* name) : name_(name) {}          // NOLINT: "title" is a field
  field(std::string name) : name_(std::move(name)) {}  // NOLINT

  field input(processor p) const {
    auto copy = *this;
    copy.input_ = std::move(p);
    return copy;
  }
  field output(processor p) const {
    auto copy = *this;
    copy.output_ = std::move(p);
    return copy;
  }
  field required(bool yes = true) const {
    auto copy = *this;
    copy.required_ = yes;
    return copy;
  }

  const std::string& name() const { return name_; }
  const processor& input_processor() const { return input_; }
  const processor& output_processor() const { return output_; }
  bool is_required() const { return required_; }

 private:
  std::string name_;
  processor input_;
  processor output_;
  bool required_ = false;
};

// An item that lacks required fields, as item_fields::validate says: "book item lacks required
// field(s): rating, title".
struct item_validation_error : value_error {
  using value_error::value_error;
};

class item_fields {
 public:
  // A field named twice or an empty name throws std::invalid_argument.
  item_fields(std::string type_name, std::initializer_list<field> fields);

  const std::string& type_name() const { return type_name_; }
  const std::vector<field>& fields() const { return fields_; }
  std::vector<std::string> names() const;  // in declared order
  const field* find(std::string_view name) const;  // nullptr when not declared
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // Every key of `it` is a declared field.
  bool fits(const item& it) const;

  // Required fields that `it` lacks: absent, null, "" or [] (in declared order).
  std::vector<std::string> missing(const item& it) const;
  // Throws item_validation_error naming the type and the missing required fields.
  void validate(const item& it) const;
  // The item with its declared fields first, in declared order, and any other keys after them.
  item ordered(const item& it) const;

 private:
  std::string type_name_;
  std::vector<field> fields_;
};

// Makes a declaration known to feed exports and the item_validation pipeline (a copy is kept).
// ORBWEAVER_ITEM calls it during static initialisation.
void declare_item_type(const item_fields& fields);
// The only declared type whose fields include every key of `it`; nullptr when none or several do.
const item_fields* declared_item_type(const item& it);

namespace detail {
struct item_type_registration {
  explicit item_type_registration(const item_fields& fields) { declare_item_type(fields); }
};
}  // namespace detail

}  // namespace orbweaver

#ifndef ORBWEAVER_CONCAT  // as spider.hpp defines it
#define ORBWEAVER_CONCAT_INNER(a, b) a##b
#define ORBWEAVER_CONCAT(a, b) ORBWEAVER_CONCAT_INNER(a, b)
#endif
// At namespace scope, after the declaration: ORBWEAVER_ITEM(book);
#define ORBWEAVER_ITEM(declaration)                                                     \
  static const ::orbweaver::detail::item_type_registration ORBWEAVER_CONCAT(        \
      orbweaver_item_registration_, __LINE__) {                                         \
    declaration                                                                         \
  }
