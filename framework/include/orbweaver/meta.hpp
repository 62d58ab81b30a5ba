#pragma once
// Reading request meta and cb_kwargs.
//
// Middlewares read the flags and numbers spiders leave for them ("dont_retry", "download_timeout",
// "handle_httpstatus_list", ...) leniently, with meta_flag / meta_int / meta_number: a key that is
// absent or holds a value of another JSON type counts as not set.
//
// Callbacks read what they were given strictly, with request::cb_kwarg<T> and
// request::meta_value<T> (also on response), built on read_value<T> below: a missing key or a
// value of another type throws value_error naming the key, the type asked for and what was there.
#include <orbweaver/error.hpp>
#include <orbweaver/item.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>

namespace orbweaver {

// True only for a JSON true.
bool meta_flag(const json::object& meta, std::string_view key);
std::optional<long long> meta_int(const json::object& meta, std::string_view key);
// Any JSON number.
std::optional<double> meta_number(const json::object& meta, std::string_view key);
// The request asks for this status itself: handle_httpstatus_all, or the status is in
// handle_httpstatus_list.
bool meta_handles_status(const json::object& meta, int status);

namespace detail {
[[noreturn]] void throw_missing_value(const json::object& o, std::string_view key, std::string_view where,
                                      const std::type_info& expected);
[[noreturn]] void throw_wrong_value(const json::value& found, std::string_view key, std::string_view where,
                                    const std::type_info& expected, std::string_view why);

// The value as T, or nullopt (with `why` set when there is more to say than the JSON type).
template <class T>
std::optional<T> convert_value(const json::value& v, std::string& why) {
  if constexpr (std::is_same_v<T, bool>) {
    if (v.is_bool()) return v.get_bool();
  } else if constexpr (std::is_integral_v<T>) {
    if (v.is_int64() || v.is_uint64()) {
      boost::system::error_code ec;
      const T n = v.to_number<T>(ec);
      if (!ec) return n;
      why = "out of range";
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (v.is_number()) return v.to_number<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (v.is_string()) return std::string(v.get_string());
  } else if constexpr (std::is_same_v<T, json::value>) {
    return v;
  } else if constexpr (std::is_same_v<T, json::object>) {
    if (v.is_object()) return v.get_object();
  } else if constexpr (std::is_same_v<T, json::array>) {
    if (v.is_array()) return v.get_array();
  } else {
    auto converted = json::try_value_to<T>(v);
    if (converted) return std::move(*converted);
    why = converted.error().message();
  }
  return std::nullopt;
}
}  // namespace detail

// o[key] as T; `where` ("cb_kwargs", "meta") names the object in the message of the value_error
// thrown when the key is missing or its value is not a T. T is bool, an integer type (the value
// must fit), float or double (any number), std::string, json::value, json::object, json::array,
// or any type json::value_to<T> converts to.
template <class T>
T read_value(const json::object& o, std::string_view key, std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (!v) detail::throw_missing_value(o, key, where, typeid(T));
  std::string why;
  if (auto converted = detail::convert_value<T>(*v, why)) return std::move(*converted);
  detail::throw_wrong_value(*v, key, where, typeid(T), why);
}

// As read_value, but the fallback when the key is absent (a value of another type still throws).
template <class T>
T read_value(const json::object& o, std::string_view key, std::type_identity_t<T> fallback, std::string_view where) {
  if (!o.contains(key)) return fallback;
  return read_value<T>(o, key, where);
}

}  // namespace orbweaver
