// The messages of value_error: typed reads of cb_kwargs and meta (meta.hpp), parse_json (item.hpp).
#include <orbweaver/error.hpp>
#include <orbweaver/meta.hpp>

#include "core/exception_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace orbweaver {
namespace {

// A C++ type as a user writes it.
std::string type_description(const std::type_info& t) {
  static const std::pair<const std::type_info*, const char*> known[] = {
      {&typeid(bool), "bool"},
      {&typeid(int), "int"},
      {&typeid(unsigned), "unsigned"},
      {&typeid(long), "long"},
      {&typeid(unsigned long), "unsigned long"},
      {&typeid(long long), "long long"},
      {&typeid(unsigned long long), "unsigned long long"},
      {&typeid(short), "short"},
      {&typeid(unsigned short), "unsigned short"},
      {&typeid(double), "double"},
      {&typeid(float), "float"},
      {&typeid(std::string), "std::string"},
      {&typeid(json::value), "json::value"},
      {&typeid(json::object), "json::object"},
      {&typeid(json::array), "json::array"},
  };
  for (const auto& [type, name] : known)
    if (*type == t) return name;
  return demangled_name(t);
}

std::string shortened(std::string text, std::size_t limit = 60) {
  if (text.size() > limit) text = text.substr(0, limit) + "...";
  return text;
}

// What a JSON value is, as a message shows it: the string "2", the integer 3, null.
std::string value_description(const json::value& v) {
  const std::string text = shortened(json::serialize(v));
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return text;
    case json::kind::int64:
    case json::kind::uint64: return "the integer " + text;
    case json::kind::double_: return "the number " + text;
    case json::kind::string: return "the string " + text;
    case json::kind::array: return "the array " + text;
    case json::kind::object: return "the object " + text;
  }
  return text;
}

std::string quoted_key(std::string_view key) { return json::serialize(json::string(key)); }

}  // namespace

namespace detail {

void throw_missing_value(const json::object& o, std::string_view key, std::string_view where,
                         const std::type_info& expected) {
  std::string keys;
  std::size_t listed = 0;
  for (const auto& entry : o) {
    if (listed++ == 10) {
      keys += ", ...";
      break;
    }
    keys += (keys.empty() ? "" : ", ") + quoted_key(entry.key());
  }
  throw value_error(fmt::format("{}[{}]: expected {}, found nothing ({})", where, quoted_key(key),
                                type_description(expected),
                                o.empty() ? fmt::format("{} is empty", where) : fmt::format("{} has {}", where, keys)));
}

void throw_wrong_value(const json::value& found, std::string_view key, std::string_view where,
                       const std::type_info& expected, std::string_view why) {
  throw value_error(fmt::format("{}[{}]: expected {}, found {}{}", where, quoted_key(key), type_description(expected),
                                value_description(found), why.empty() ? "" : fmt::format(" ({})", why)));
}

}  // namespace detail

json::value parse_json(std::string_view text, std::string_view what) {
  json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (!ec) return parser.release();
  // Where the parser stopped, as a line and a column an editor shows.
  const std::string_view before = text.substr(0, std::min(consumed, text.size()));
  const std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
  const std::size_t column = before.size() - line_start + 1;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw value_error(fmt::format("invalid JSON in {}: it is empty", what));
  throw value_error(fmt::format("invalid JSON in {}: {} at line {}, column {}", what, ec.message(), line, column));
}

}  // namespace orbweaver
