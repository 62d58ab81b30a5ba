#pragma once
// Settings: every name is declared once, with its type, default and a line of documentation: the
// built-ins in framework/src/settings/setting_table.cpp, a component's own with ORBWEAVER_SETTING.
// Values are validated when set; an unknown name or a malformed value throws settings_error.
// Precedence: default < project (orbweaver.toml) < spider (custom_settings) < command line.
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orbweaver {

struct settings_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

enum class setting_type {
  boolean,     // true/false, 1/0, yes/no, on/off
  integer,     // a whole number
  number,      // a decimal number
  string,
  list,        // comma-separated values
  priorities,  // comma-separated name=priority pairs; priority "off" disables (middlewares, pipelines)
  dict,        // a JSON object of strings, {"Accept-Language": "en"} (values may hold commas)
  json,        // a JSON object of any values, read as text with get_string (DOWNLOAD_SLOTS)
};

struct setting_decl {
  std::string_view name;
  setting_type type;
  std::string_view default_value;
  std::string_view doc;
};

// Every declared setting: the built-ins in the order of their table, then the components' own in
// the order they were declared.
std::span<const setting_decl> setting_declarations();
const setting_decl* find_setting(std::string_view name);

// Declares a component's own setting beside the built-ins; `declared_at` ("file.cpp:12") names it
// in messages. Declarations happen during static initialisation (ORBWEAVER_SETTING), before any
// settings object exists. A name declared twice, or a default that does not parse as its type, is
// reported by every settings constructor (a settings_error naming both places), so a crawl cannot
// start with an ambiguous setting.
void declare_setting(setting_decl decl, std::string_view declared_at);

namespace detail {
struct setting_registration {
  setting_registration(setting_decl decl, std::string_view file, int line);
};
}  // namespace detail

enum class setting_priority { defaults = 0, project = 10, spider = 20, command_line = 40 };

class settings {
 public:
  // Every declared default. Throws settings_error when the declarations conflict (see declare_setting).
  settings();

  // Throws settings_error on an unknown name or a value that does not parse as the declared type.
  // A lower priority never overwrites a value set with a higher one.
  void set(std::string_view name, std::string_view value,
           setting_priority priority = setting_priority::project);
  // Parses "KEY=VALUE" as given to -s.
  void set_from_arg(std::string_view key_equals_value, setting_priority priority);

  bool get_bool(std::string_view name) const;
  long long get_int(std::string_view name) const;
  double get_double(std::string_view name) const;
  const std::string& get_string(std::string_view name) const;
  std::vector<std::string> get_list(std::string_view name) const;
  // Key/value pairs in the order written.
  std::vector<std::pair<std::string, std::string>> get_dict(std::string_view name) const;
  // name -> priority. Entries set to "off" are left out of the map and, when `disabled` is given,
  // listed there.
  std::map<std::string, int> get_priorities(std::string_view name,
                                            std::vector<std::string>* disabled = nullptr) const;

 private:
  struct value {
    std::string text;
    setting_priority priority;
  };
  const value& lookup(std::string_view name) const;
  std::map<std::string, value, std::less<>> values_;
};

}  // namespace orbweaver

// At namespace scope in a component's source file:
//   ORBWEAVER_SETTING(MIN_PRICE, number, "0", "Items cheaper than this are dropped.");
// declares MIN_PRICE as a number defaulting to 0. It is then validated, set from orbweaver.toml,
// custom_settings or -s, read with config().get_double("MIN_PRICE") and listed by
// `orbweaver settings`, as the built-ins are. The type is one of setting_type's names.
#define ORBWEAVER_SETTING(name, type, default_value, doc)                                  \
  static const ::orbweaver::detail::setting_registration orbweaver_setting_registration_##name{ \
      ::orbweaver::setting_decl{#name, ::orbweaver::setting_type::type, default_value, doc}, __FILE__, __LINE__}
