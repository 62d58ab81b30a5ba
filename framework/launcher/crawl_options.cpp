#include "crawl_options.hpp"

#include "core/exception_text.hpp"
#include "core/redact.hpp"

#include <orbweaver/log.hpp>
#include <orbweaver/spider.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace orbweaver::launcher {

void apply_setting(settings& s, std::string_view name, std::string_view value, setting_priority priority) {
  try {
    s.set(name, value, priority);
  } catch (const settings_error& e) {
    throw usage_error(e.what());
  }
}

void apply_setting_option(settings& s, std::string_view name_equals_value) {
  try {
    s.set_from_arg(name_equals_value, setting_priority::command_line);
  } catch (const settings_error& e) {
    throw usage_error(e.what());
  }
}

void add_spider_argument(std::map<std::string, std::string>& args, std::string_view name_equals_value) {
  auto equals = name_equals_value.find('=');
  if (equals == std::string_view::npos || equals == 0)
    throw usage_error(fmt::format("invalid -a value: '{}' (expected NAME=VALUE)", name_equals_value));
  args[std::string(name_equals_value.substr(0, equals))] = std::string(name_equals_value.substr(equals + 1));
}

void require_log_level(const settings& s) {
  try {
    log::parse_level(s.get_string("LOG_LEVEL"));
  } catch (const settings_error& e) {
    throw usage_error(e.what());
  }
}

void log_configuration(const settings& config) {
  log::info("launcher", "orbweaver {} started (bot: {})", ORBWEAVER_VERSION, config.get_string("BOT_NAME"));
  boost::json::object overridden;
  // A password in a URI (STORE_URI, a proxy) does not go to the log.
  for (const auto& decl : setting_declarations())
    if (const auto& value = config.get_string(decl.name); value != decl.default_value)
      overridden[decl.name] = redact_password(value);
  if (!overridden.empty()) log::info("launcher", "Overridden settings: {}", boost::json::serialize(overridden));
}

int run_with_spider(std::string_view command, std::string_view what_failed, const std::function<int()>& work) {
  try {
    return work();
  } catch (const usage_error&) {
    throw;
  } catch (const settings_error&) {
    throw;
  } catch (const std::exception& e) {
    fmt::print(stderr, "orbweaver {}: error: {}{}\n", command, what_failed, exception_message(e));
    return 1;
  }
}

usage_error unknown_spider(std::string_view name) {
  auto known = spider_names();
  if (known.empty())
    return usage_error(fmt::format(
        "unknown spider '{}'; the project has no spiders yet (orbweaver genspider NAME DOMAIN adds one)", name));
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  return usage_error(fmt::format("unknown spider '{}'; known spiders: {}", name, list));
}

}  // namespace orbweaver::launcher
