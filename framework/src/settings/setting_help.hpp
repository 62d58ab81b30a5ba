#pragma once
// Text about settings for people: type descriptions in error messages, "did you mean" suggestions,
// and the markdown reference printed by `orbweaver settings` (docs/settings.md).
#include <orbweaver/settings.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace orbweaver {

// "an integer", "a boolean (true/false, ...)": how a value of the type is written.
std::string_view describe_type(setting_type type);
// One word: "boolean", "integer", ...
std::string_view type_name(setting_type type);
// The declared name closest to a mistyped one, if any is close enough to be a likely typo.
std::optional<std::string_view> closest_setting_name(std::string_view name);
// The settings reference in markdown, one table row per declared setting.
std::string settings_markdown();

}  // namespace orbweaver
