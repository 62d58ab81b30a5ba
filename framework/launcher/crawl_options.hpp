#pragma once
// What the commands that crawl or fetch share (crawl, check, bench, fetch, parse, shell): settings
// and spider arguments from the command line and the spider's name, each mistake a usage_error
// (exit status 2 before any request).
#include "command_line.hpp"

#include <orbweaver/settings.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace orbweaver::launcher {

// Sets a setting, by default at command-line priority; an unknown name or a bad value is a usage_error.
void apply_setting(settings& s, std::string_view name, std::string_view value,
                 setting_priority priority = setting_priority::command_line);
// -s NAME=VALUE.
void apply_setting_option(settings& s, std::string_view name_equals_value);
// -a NAME=VALUE into the spider's arguments.
void add_spider_argument(std::map<std::string, std::string>& args, std::string_view name_equals_value);
// A usage_error unless LOG_LEVEL names a level.
void require_log_level(const settings& s);
// As Scrapy opens a crawl: the bot, then every setting that differs from its default, so a log
// says how the crawl was configured.
void log_configuration(const settings& config);
// Runs a command's work with a spider, its settings and components: what stops it (a component
// that cannot open, a spider's init() that throws) is "orbweaver COMMAND: error: WHAT_FAILED
// MESSAGE" and exit status 1. Mistakes in the command line or in settings (a spider's
// custom_settings) go on to the launcher, which says them with exit status 2.
int run_with_spider(std::string_view command, std::string_view what_failed, const std::function<int()>& work);
// The mistake of naming a spider that is not compiled in: the known ones, or how to add one.
usage_error unknown_spider(std::string_view name);

}  // namespace orbweaver::launcher
