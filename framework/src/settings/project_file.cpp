#include "settings/project_file.hpp"

#include "settings/setting_help.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <charconv>
#include <system_error>

namespace orbweaver {
namespace {

// Every message names the place in the file, as a compiler does: "orbweaver.toml:12: ...".
[[noreturn]] void fail_at(const std::filesystem::path& file, const toml::source_region& where, std::string_view what) {
  throw settings_error(fmt::format("{}:{}: {}", file.string(), where.begin.line, what));
}

std::string_view toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date or time";
    case toml::node_type::none: break;
  }
  return "a value";
}

std::string number_text(double v) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc{} ? std::string(buffer, end) : std::string("nan");
}

// How a TOML value is written where a setting of type `type` is expected, in the text form
// settings::set parses; nullopt when the TOML type does not fit the setting's.
class value_converter {
 public:
  value_converter(const std::filesystem::path& file, const setting_decl& decl) : file_(file), decl_(decl) {}

  std::string convert(const toml::node& node) const {
    if (auto s = node.as_string()) return s->get();  // the -s form of every type keeps working
    switch (decl_.type) {
      case setting_type::boolean:
        if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
        break;
      case setting_type::integer:
        if (auto i = node.as_integer()) return std::to_string(i->get());
        break;
      case setting_type::number:
        if (auto i = node.as_integer()) return std::to_string(i->get());
        if (auto f = node.as_floating_point()) return number_text(f->get());
        break;
      case setting_type::string: break;
      case setting_type::list:
        if (auto a = node.as_array()) return list_text(*a);
        break;
      case setting_type::dict:
        if (auto t = node.as_table()) return dict_text(*t);
        break;
      case setting_type::priorities:
        if (auto t = node.as_table()) return priorities_text(*t);
        break;
      case setting_type::json:
        if (node.is_table()) return boost::json::serialize(json_of(node));
        break;
    }
    fail_at(file_, node.source(),
            fmt::format("setting '{}' is {}, not {}", decl_.name, describe_type(decl_.type), toml_type_name(node)));
  }

 private:
  std::string list_text(const toml::array& array) const {
    std::string text;
    for (const auto& element : array) {
      std::string piece;
      if (auto s = element.as_string())
        piece = s->get();
      else if (auto i = element.as_integer())
        piece = std::to_string(i->get());
      else if (auto f = element.as_floating_point())
        piece = number_text(f->get());
      else
        fail_at(file_, element.source(),
                fmt::format("setting '{}': list elements are strings or numbers, not {}", decl_.name,
                            toml_type_name(element)));
      // Lists are stored comma-separated.
      if (piece.find(',') != std::string::npos)
        fail_at(file_, element.source(),
                fmt::format("setting '{}': a list element cannot contain a comma: '{}'", decl_.name, piece));
      text += (text.empty() ? "" : ",") + piece;
    }
    return text;
  }

  std::string dict_text(const toml::table& table) const {
    boost::json::object object;
    for (const auto& [key, value] : table) {
      auto s = value.as_string();
      if (!s)
        fail_at(file_, value.source(),
                fmt::format("setting '{}': the value of '{}' must be a string, not {}", decl_.name, key.str(),
                            toml_type_name(value)));
      object[key.str()] = s->get();
    }
    return boost::json::serialize(object);
  }

  // [settings.DOWNLOAD_SLOTS."example.com"] with concurrency = 1 below it, as the JSON -s takes.
  boost::json::value json_of(const toml::node& node) const {
    if (auto t = node.as_table()) {
      boost::json::object object;
      for (const auto& [key, value] : *t) object[key.str()] = json_of(value);
      return object;
    }
    if (auto a = node.as_array()) {
      boost::json::array array;
      for (const auto& element : *a) array.push_back(json_of(element));
      return array;
    }
    if (auto str = node.as_string()) return boost::json::string(str->get());
    if (auto i = node.as_integer()) return i->get();
    if (auto f = node.as_floating_point()) return f->get();
    if (auto b = node.as_boolean()) return b->get();
    fail_at(file_, node.source(),
            fmt::format("setting '{}': {} has no JSON form", decl_.name, toml_type_name(node)));
  }

  // ITEM_PIPELINES = { price_filter = 300, sqlite_store = "off" }, as a Scrapy dict.
  std::string priorities_text(const toml::table& table) const {
    std::string text;
    for (const auto& [key, value] : table) {
      if (key.str().find_first_of(",=") != std::string_view::npos)
        fail_at(file_, key.source(), fmt::format("setting '{}': a component name cannot contain ',' or '=': '{}'",
                                                 decl_.name, key.str()));
      std::string priority;
      if (auto i = value.as_integer())
        priority = std::to_string(i->get());
      else if (auto s = value.as_string(); s && s->get() == "off")
        priority = "off";
      else
        fail_at(file_, value.source(),
                fmt::format("setting '{}': the priority of '{}' must be an integer or \"off\"", decl_.name, key.str()));
      text += fmt::format("{}{}={}", text.empty() ? "" : ",", key.str(), priority);
    }
    return text;
  }

  const std::filesystem::path& file_;
  const setting_decl& decl_;
};

}  // namespace

void load_project_settings(settings& s, const std::filesystem::path& toml_file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(toml_file, ec))
    throw settings_error(fmt::format("{}: cannot read the settings file: {}", toml_file.string(),
                                     ec ? ec.message() : std::string("not a regular file")));
  toml::table document;
  try {
    document = toml::parse_file(toml_file.string());
  } catch (const toml::parse_error& e) {
    fail_at(toml_file, e.source(), e.description());
  }
  for (const auto& [key, node] : document) {
    // [project] and other tables belong to other readers; a bare key at the top level is a
    // setting written above its table, or a typo.
    if (!node.is_table() && !node.is_array_of_tables())
      fail_at(toml_file, key.source(),
              fmt::format("'{}' is outside any table; settings go in the [settings] table", key.str()));
  }
  const toml::table* table = document["settings"].as_table();
  if (!table) return;
  for (const auto& [key, node] : *table) {
    const setting_decl* decl = find_setting(key.str());
    if (!decl) {
      auto suggestion = closest_setting_name(key.str());
      fail_at(toml_file, key.source(),
              suggestion ? fmt::format("unknown setting '{}' (did you mean '{}'?)", key.str(), *suggestion)
                         : fmt::format("unknown setting '{}'", key.str()));
    }
    auto text = value_converter(toml_file, *decl).convert(node);
    try {
      s.set(key.str(), text, setting_priority::project);
    } catch (const settings_error& e) {
      fail_at(toml_file, node.source(), e.what());
    }
  }
}

std::optional<std::filesystem::path> find_project_file(const std::filesystem::path& start) {
  std::error_code ec;
  auto folder = std::filesystem::absolute(start, ec);
  if (ec) return std::nullopt;
  while (true) {
    auto candidate = folder / project_file_name;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    if (!folder.has_relative_path()) return std::nullopt;
    folder = folder.parent_path();
  }
}

}  // namespace orbweaver
