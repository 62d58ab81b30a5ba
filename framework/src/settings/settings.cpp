// Parsing and validation of setting values. Every value is checked against its declared type when
// it is set, so the getters only fail on a programming error (an undeclared name or the wrong
// getter for the type).
#include <orbweaver/settings.hpp>

#include "settings/setting_help.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <deque>
#include <initializer_list>
#include <limits>
#include <optional>

namespace orbweaver {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

// Comma-separated pieces, trimmed, empty ones skipped.
std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> pieces;
  while (true) {
    auto comma = text.find(',');
    auto piece = trim(text.substr(0, comma));
    if (!piece.empty()) pieces.push_back(piece);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return pieces;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string lowered;
  for (char c : trim(text)) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered == "true" || lowered == "1" || lowered == "yes" || lowered == "on") return true;
  if (lowered == "false" || lowered == "0" || lowered == "no" || lowered == "off") return false;
  return std::nullopt;
}

std::optional<long long> parse_int(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

bool is_off(std::string_view text) {
  return text.size() == 3 && upper(text[0]) == 'O' && upper(text[1]) == 'F' && upper(text[2]) == 'F';
}

struct priority_entry {
  std::string_view name;
  std::optional<int> priority;  // nullopt: "off"
};

std::optional<std::vector<priority_entry>> parse_priorities(std::string_view text) {
  std::vector<priority_entry> entries;
  for (auto piece : split_list(text)) {
    auto equals = piece.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    auto name = trim(piece.substr(0, equals));
    auto priority_text = trim(piece.substr(equals + 1));
    if (name.empty()) return std::nullopt;
    if (is_off(priority_text)) {
      entries.push_back({name, std::nullopt});
      continue;
    }
    auto priority = parse_int(priority_text);
    if (!priority || *priority < std::numeric_limits<int>::min() || *priority > std::numeric_limits<int>::max())
      return std::nullopt;
    entries.push_back({name, static_cast<int>(*priority)});
  }
  return entries;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_dict(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (trim(text).empty()) return pairs;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  for (const auto& [key, v] : parsed.get_object()) {
    if (key.empty() || !v.is_string()) return std::nullopt;
    pairs.emplace_back(std::string(key), std::string(v.get_string()));
  }
  return pairs;
}

bool valid_json_object(std::string_view text) {
  if (trim(text).empty()) return true;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  return !ec && parsed.is_object();
}

bool valid_value(setting_type type, std::string_view text) {
  switch (type) {
    case setting_type::boolean: return parse_bool(text).has_value();
    case setting_type::integer: return parse_int(text).has_value();
    case setting_type::number: return parse_number(text).has_value();
    case setting_type::string:
    case setting_type::list: return true;
    case setting_type::priorities: return parse_priorities(text).has_value();
    case setting_type::dict: return parse_dict(text).has_value();
    case setting_type::json: return valid_json_object(text);
  }
  return false;
}

// Levenshtein distance, ignoring case: a user typing download_timout still gets a suggestion.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t substitution = diagonal + (upper(a[i - 1]) == upper(b[j - 1]) ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

[[noreturn]] void throw_unknown(std::string_view name) {
  if (auto suggestion = closest_setting_name(name))
    throw settings_error(fmt::format("unknown setting '{}' (did you mean '{}'?)", name, *suggestion));
  throw settings_error(fmt::format("unknown setting '{}'", name));
}

const setting_decl& declaration(std::string_view name) {
  const setting_decl* decl = find_setting(name);
  if (!decl) throw_unknown(name);
  return *decl;
}

// Getters are typed: reading a setting with the wrong getter is a bug in the caller.
void require_type(const setting_decl& decl, std::initializer_list<setting_type> readable_as,
                  std::string_view getter) {
  if (std::ranges::find(readable_as, decl.type) == readable_as.end())
    throw settings_error(fmt::format("setting '{}' is {}; {}() cannot read it", decl.name,
                                     describe_type(decl.type), getter));
}

// The built-in table, then the settings components declare during static initialisation.
struct declaration_registry {
  declaration_registry() : all(builtin_setting_declarations().begin(), builtin_setting_declarations().end()) {}

  std::vector<setting_decl> all;
  std::deque<std::string> text;  // what the components' declarations view: declare_setting copies it
  std::map<std::string, std::string, std::less<>> declared_at;  // components' settings only
  std::vector<std::string> problems;
};

declaration_registry& registry() {
  static declaration_registry r;
  return r;
}

}  // namespace

std::span<const setting_decl> setting_declarations() { return registry().all; }

const setting_decl* find_setting(std::string_view name) {
  const auto& all = registry().all;
  auto found = std::ranges::find(all, name, &setting_decl::name);
  return found == all.end() ? nullptr : &*found;
}

void declare_setting(setting_decl decl, std::string_view declared_at) {
  auto& r = registry();
  auto keep = [&r](std::string_view piece) -> std::string_view { return r.text.emplace_back(piece); };
  decl = setting_decl{keep(decl.name), decl.type, keep(decl.default_value), keep(decl.doc)};
  if (const setting_decl* earlier = find_setting(decl.name)) {
    auto earlier_place = setting_declared_at(earlier->name);
    r.problems.push_back(
        earlier_place.empty()
            ? fmt::format("setting '{}' declared at {} is a built-in setting; give yours another name", decl.name,
                          declared_at)
            : fmt::format("setting '{}' is declared twice: at {} and at {}", decl.name, earlier_place, declared_at));
    return;
  }
  if (decl.name.empty())
    r.problems.push_back(fmt::format("a setting declared at {} has an empty name", declared_at));
  else if (!valid_value(decl.type, decl.default_value))
    r.problems.push_back(fmt::format("setting '{}' declared at {}: its default '{}' is not {}", decl.name, declared_at,
                                     decl.default_value, describe_type(decl.type)));
  r.declared_at.emplace(std::string(decl.name), std::string(declared_at));
  r.all.push_back(decl);
}

std::string_view setting_declared_at(std::string_view name) {
  const auto& places = registry().declared_at;
  auto found = places.find(name);
  return found == places.end() ? std::string_view{} : std::string_view(found->second);
}

void check_setting_declarations() {
  const auto& problems = registry().problems;
  if (problems.empty()) return;
  std::string message;
  for (const auto& problem : problems) message += (message.empty() ? "" : "; ") + problem;
  throw settings_error(message);
}

detail::setting_registration::setting_registration(setting_decl decl, std::string_view file, int line) {
  declare_setting(decl, fmt::format("{}:{}", file, line));
}

std::string_view describe_type(setting_type type) {
  switch (type) {
    case setting_type::boolean: return "a boolean (true/false, 1/0, yes/no, on/off)";
    case setting_type::integer: return "an integer";
    case setting_type::number: return "a number";
    case setting_type::string: return "a string";
    case setting_type::list: return "a comma-separated list";
    case setting_type::priorities: return "a comma-separated list of name=priority (an integer, or off)";
    case setting_type::dict: return "a JSON object of strings, like {\"Name\": \"value\"}";
    case setting_type::json: return "a JSON object whose values may be objects, numbers or booleans too (in orbweaver.toml a table of tables)";
  }
  return "a value";
}

std::optional<std::string_view> closest_setting_name(std::string_view name) {
  std::optional<std::string_view> best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& decl : setting_declarations()) {
    auto distance = edit_distance(name, decl.name);
    if (distance < best_distance) {
      best_distance = distance;
      best = decl.name;
    }
  }
  return best;
}

settings::settings() {
  check_setting_declarations();
  for (const auto& decl : setting_declarations())
    values_.emplace(std::string(decl.name), value{std::string(decl.default_value), setting_priority::defaults});
}

void settings::set(std::string_view name, std::string_view text, setting_priority priority) {
  const setting_decl& decl = declaration(name);
  if (!valid_value(decl.type, text))
    throw settings_error(fmt::format("invalid value '{}' for setting '{}': expected {}", text, name,
                                     describe_type(decl.type)));
  auto& current = values_.find(name)->second;
  if (priority < current.priority) return;
  current = value{std::string(text), priority};
}

void settings::set_from_arg(std::string_view key_equals_value, setting_priority priority) {
  auto equals = key_equals_value.find('=');
  auto key = trim(key_equals_value.substr(0, equals));
  if (equals == std::string_view::npos || key.empty())
    throw settings_error(fmt::format("expected KEY=VALUE, got '{}'", key_equals_value));
  set(key, key_equals_value.substr(equals + 1), priority);
}

const settings::value& settings::lookup(std::string_view name) const {
  auto found = values_.find(name);
  if (found == values_.end()) throw_unknown(name);
  return found->second;
}

bool settings::get_bool(std::string_view name) const {
  require_type(declaration(name), {setting_type::boolean}, "get_bool");
  return *parse_bool(lookup(name).text);
}

long long settings::get_int(std::string_view name) const {
  require_type(declaration(name), {setting_type::integer}, "get_int");
  return *parse_int(lookup(name).text);
}

double settings::get_double(std::string_view name) const {
  require_type(declaration(name), {setting_type::number, setting_type::integer}, "get_double");
  return *parse_number(lookup(name).text);
}

const std::string& settings::get_string(std::string_view name) const { return lookup(name).text; }

std::vector<std::string> settings::get_list(std::string_view name) const {
  require_type(declaration(name), {setting_type::list}, "get_list");
  std::vector<std::string> items;
  for (auto piece : split_list(lookup(name).text)) items.emplace_back(piece);
  return items;
}

std::vector<std::pair<std::string, std::string>> settings::get_dict(std::string_view name) const {
  require_type(declaration(name), {setting_type::dict}, "get_dict");
  return *parse_dict(lookup(name).text);
}

std::map<std::string, int> settings::get_priorities(std::string_view name,
                                                    std::vector<std::string>* disabled) const {
  require_type(declaration(name), {setting_type::priorities}, "get_priorities");
  // A later entry for the same name wins, as when a dict key is assigned twice.
  std::map<std::string, std::optional<int>> last;
  auto entries = parse_priorities(lookup(name).text);  // a named local: the loop below borrows it
  for (const auto& entry : *entries) last[std::string(entry.name)] = entry.priority;
  std::map<std::string, int> enabled;
  for (auto& [entry_name, priority] : last) {
    if (priority)
      enabled.emplace(entry_name, *priority);
    else if (disabled)
      disabled->push_back(entry_name);
  }
  return enabled;
}

}  // namespace orbweaver
