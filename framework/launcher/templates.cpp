#include "templates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace orbweaver::launcher {
namespace {

// C++20 keywords and alternative tokens ([lex.key], [lex.digraph]).
constexpr std::string_view cpp_keywords[]{
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
    "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
    "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default",
    "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float",
    "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not",
    "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
    "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static", "static_assert",
    "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef",
    "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while",
    "xor", "xor_eq", "import", "module", "final", "override"};

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool is_valid_name(std::string_view name) {
  if (name.empty() || !is_letter(name.front())) return false;
  if (!std::all_of(name.begin(), name.end(), [](char c) { return is_letter(c) || is_digit(c); })) return false;
  return std::find(std::begin(cpp_keywords), std::end(cpp_keywords), name) == std::end(cpp_keywords);
}

std::string render_template(std::string_view text, const template_values& values) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t at = text.find('@', i);
    if (at == std::string_view::npos) break;
    std::size_t close = text.find('@', at + 1);
    if (close == std::string_view::npos) break;
    auto value = values.find(text.substr(at + 1, close - at - 1));
    if (value == values.end()) {
      // Not a placeholder: keep this @ and look again from the next one.
      out.append(text.substr(i, close - i));
      i = close;
      continue;
    }
    out.append(text.substr(i, at - i));
    out += value->second;
    i = close + 1;
  }
  out.append(text.substr(i));
  return out;
}

std::vector<template_file> list_template_files(const fs::path& templates) {
  std::vector<template_file> files;
  for (const auto& entry : fs::recursive_directory_iterator(templates)) {
    if (!entry.is_regular_file()) continue;
    fs::path relative = entry.path().lexically_relative(templates);
    if (relative.extension() == ".tmpl") relative.replace_extension();
    files.push_back({entry.path(), relative});
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.destination < b.destination; });
  return files;
}

void write_rendered(const fs::path& source, const fs::path& destination, const template_values& values) {
  std::ifstream in(source, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read the template {}", source.string()));
  std::ostringstream text;
  text << in.rdbuf();
  std::error_code ec;
  fs::create_directories(destination.parent_path(), ec);
  std::ofstream out(destination, std::ios::binary);
  out << render_template(text.str(), values);
  if (!out.flush()) throw std::runtime_error(fmt::format("cannot write {}", destination.string()));
}

}  // namespace orbweaver::launcher
