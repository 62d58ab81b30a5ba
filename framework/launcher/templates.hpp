#pragma once
// The files startproject, genspider and runspider write come from templates (framework/templates
// in the source tree, share/orbweaver/templates when installed) with @key@ placeholders.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::launcher {

using template_values = std::map<std::string, std::string, std::less<>>;

// A name a project or spider can take: a C++ identifier ([A-Za-z_][A-Za-z0-9_]*) that is not a
// C++ keyword, because it becomes part of class and target names.
bool is_valid_name(std::string_view name);

// `text` with every @key@ of `values` replaced; other @ signs are left as they are.
std::string render_template(std::string_view text, const template_values& values);

// Every file under `templates` (recursively), each as the path it gets under the destination:
// relative, with a trailing ".tmpl" removed.
struct template_file {
  std::filesystem::path source;
  std::filesystem::path destination;  // relative
};
std::vector<template_file> list_template_files(const std::filesystem::path& templates);

// Writes `file` rendered with `values` into `destination` (its folders created). Throws
// std::runtime_error when it cannot.
void write_rendered(const std::filesystem::path& source, const std::filesystem::path& destination,
                    const template_values& values);

}  // namespace orbweaver::launcher
