#pragma once
// orbweaver.toml, a project's marker and its settings file (Scrapy's scrapy.cfg plus settings.py):
//
//   [project]
//   name = "shop"
//
//   [settings]
//   CONCURRENT_REQUESTS = 32
//   DOWNLOAD_DELAY = 0.25
//   FEEDS = ["out/items.jsonl"]
//   DEFAULT_REQUEST_HEADERS = { Accept-Language = "fr" }
//   ITEM_PIPELINES = { price_filter = 300, sqlite_store = "off" }
//
// TOML values map onto the setting types: strings (any type, in the form -s takes), integers,
// floats, booleans, arrays of strings or numbers for lists, tables of strings for dicts, and tables
// of integers or "off" for priorities.
#include <orbweaver/settings.hpp>

#include <filesystem>
#include <optional>

namespace orbweaver {

// The project file's name, looked for in the current folder and its parents.
inline constexpr std::string_view project_file_name = "orbweaver.toml";

// Applies the [settings] table of `toml_file` at setting_priority::project. Throws settings_error
// whose message starts "FILE:LINE: " for a TOML syntax error, an unknown setting, a value of the
// wrong type, or a key at the top level outside a table. Other top-level tables ([project], ...)
// belong to other readers and are left alone.
void load_project_settings(settings& s, const std::filesystem::path& toml_file);

// The nearest orbweaver.toml in `start` or one of its parents; nullopt when there is none.
std::optional<std::filesystem::path> find_project_file(
    const std::filesystem::path& start = std::filesystem::current_path());

}  // namespace orbweaver
