#include <orbweaver/contracts.hpp>

#include "core/contract_lines.hpp"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace orbweaver {
namespace {

// Written during static initialisation only.
std::vector<contract_declaration>& declarations() {
  static std::vector<contract_declaration> all;
  return all;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

namespace detail {
void register_contracts(contract_declaration declaration) { declarations().push_back(std::move(declaration)); }
}  // namespace detail

std::vector<contract_declaration> spider_contracts(const spider& s) {
  std::vector<contract_declaration> found;
  for (const auto& d : declarations())
    if (d.spider_class == typeid(s)) found.push_back(d);
  return found;
}

}  // namespace orbweaver

namespace orbweaver::contracts {
namespace {

[[noreturn]] void malformed(std::string_view line, std::string_view why) {
  throw contract_error(fmt::format("'{}': {}", line, why));
}

long long bound(std::string_view line, std::string_view which, const std::string& text) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0)
    malformed(line, fmt::format("{} '{}' is not a whole number of 0 or more", which, text));
  return value;
}

output_check parse_returns(std::string_view line, const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 3)
    malformed(line, fmt::format("expected @returns items|requests [MIN [MAX]], got {} argument{}", args.size(),
                                args.size() == 1 ? "" : "s"));
  output_check check;
  check.tag = "returns";
  check.noun = args[0];
  if (args[0] == "item" || args[0] == "items")
    check.counts_items = true;
  else if (args[0] != "request" && args[0] != "requests")
    malformed(line, fmt::format("'{}' is neither items nor requests", args[0]));
  if (args.size() > 1) check.min = bound(line, "MIN", args[1]);
  if (args.size() > 2) {
    check.max = bound(line, "MAX", args[2]);
    if (*check.max < check.min) malformed(line, fmt::format("MAX {} is below MIN {}", *check.max, check.min));
  }
  return check;
}

json::object parse_object(std::string_view line, std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec) malformed(line, fmt::format("not valid JSON ({})", ec.message()));
  if (!value.is_object()) malformed(line, "expected a JSON object ({...})");
  return std::move(value.as_object());
}

}  // namespace

callback_contracts parse_contracts(const std::vector<std::string>& lines) {
  callback_contracts parsed;
  bool has_url = false, has_cb_kwargs = false, has_meta = false;
  auto once = [](bool& seen, std::string_view line, std::string_view tag) {
    if (seen) malformed(line, fmt::format("a second @{} for the same callback", tag));
    seen = true;
  };
  for (const auto& written : lines) {
    const std::string_view line = trimmed(written);
    if (line.empty() || line.front() != '@') malformed(line, "a contract line starts with @ (@url, @returns, @scrapes, @cb_kwargs or @meta)");
    std::size_t tag_end = 1;
    while (tag_end < line.size() && !is_space(line[tag_end])) ++tag_end;
    const std::string_view tag = line.substr(1, tag_end - 1);
    const std::string_view rest = trimmed(line.substr(tag_end));
    const auto args = words(rest);
    if (tag == "url") {
      once(has_url, line, tag);
      if (args.size() != 1) malformed(line, "expected @url URL");
      parsed.url = args[0];
    } else if (tag == "returns") {
      parsed.checks.push_back(parse_returns(line, args));
    } else if (tag == "scrapes") {
      if (args.empty()) malformed(line, "expected @scrapes FIELD...");
      output_check check;
      check.tag = "scrapes";
      check.fields = args;
      parsed.checks.push_back(std::move(check));
    } else if (tag == "cb_kwargs") {
      once(has_cb_kwargs, line, tag);
      parsed.cb_kwargs = parse_object(line, rest);
    } else if (tag == "meta") {
      once(has_meta, line, tag);
      parsed.meta = parse_object(line, rest);
    } else {
      malformed(line, fmt::format("unknown contract @{} (known: @url, @returns, @scrapes, @cb_kwargs, @meta)", tag));
    }
  }
  if (!has_url) throw contract_error("no @url line: the check needs a page to download");
  return parsed;
}

std::optional<std::string> check_output(const output_check& check, const std::vector<item>& items,
                                        std::size_t request_count) {
  if (check.tag == "returns") {
    const auto count = static_cast<long long>(check.counts_items ? items.size() : request_count);
    if (count >= check.min && count <= check.max.value_or(std::numeric_limits<long long>::max())) return std::nullopt;
    const std::string expected = check.max == check.min ? fmt::format("{}", check.min)
                                 : check.max          ? fmt::format("{}..{}", check.min, *check.max)
                                                      : fmt::format("{}..inf", check.min);
    return fmt::format("Returned {} {}, expected {}", count, check.noun, expected);
  }
  for (const auto& it : items) {
    std::string missing;
    for (const auto& field : check.fields)
      if (!it.contains(field)) missing += (missing.empty() ? "" : ", ") + field;
    if (!missing.empty()) return "Missing fields: " + missing;
  }
  return std::nullopt;
}

}  // namespace orbweaver::contracts
