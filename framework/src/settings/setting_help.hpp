#pragma once
// Text about settings for people: type descriptions in error messages, "did you mean" suggestions,
// and the markdown reference printed by `orbweaver settings` (docs/settings.md).
#include <orbweaver/settings.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace orbweaver {

// The settings framework/src/settings/setting_table.cpp declares, without the components' own.
std::span<const setting_decl> builtin_setting_declarations();
// Where a component's setting was declared ("file.cpp:12"); empty for a built-in or unknown name.
std::string_view setting_declared_at(std::string_view name);
// Throws settings_error describing every conflict among the declarations (see declare_setting).
void check_setting_declarations();

// "an integer", "a boolean (true/false, ...)": how a value of the type is written.
std::string_view describe_type(setting_type type);
// One word: "boolean", "integer", ...
std::string_view type_name(setting_type type);
// The declared name closest to a mistyped one, if any is close enough to be a likely typo.
std::optional<std::string_view> closest_setting_name(std::string_view name);
// The settings reference in markdown, one table row per built-in setting (docs/settings.md).
std::string settings_markdown();
// The components' own settings as a markdown section with where each is declared; empty when no
// component declares one.
std::string component_settings_markdown();

}  // namespace orbweaver
