#include "command_line.hpp"

#include <fmt/format.h>

#include <optional>

namespace orbweaver::launcher {

std::string option_label(const option_spec& spec) {
  if (spec.short_name && !spec.long_name.empty()) return fmt::format("-{}/--{}", spec.short_name, spec.long_name);
  if (spec.short_name) return fmt::format("-{}", spec.short_name);
  return fmt::format("--{}", spec.long_name);
}

parsed_args parse_args(std::span<const std::string> args, std::span<const option_spec> specs) {
  parsed_args parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      parsed.positionals.insert(parsed.positionals.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      parsed.positionals.emplace_back(arg);
      continue;
    }

    const option_spec* spec = nullptr;
    std::optional<std::string> attached;  // "--output=FILE", "-oFILE"
    if (arg.starts_with("--")) {
      auto name = arg.substr(2);
      auto equals = name.find('=');
      if (equals != std::string_view::npos) {
        attached = std::string(name.substr(equals + 1));
        name = name.substr(0, equals);
      }
      for (const auto& candidate : specs)
        if (!candidate.long_name.empty() && candidate.long_name == name) spec = &candidate;
    } else {
      for (const auto& candidate : specs)
        if (candidate.short_name == arg[1]) spec = &candidate;
      if (arg.size() > 2) attached = std::string(arg.substr(2));
    }
    if (!spec) throw usage_error(fmt::format("no such option: {}", arg.substr(0, arg.find('='))));

    if (!spec->takes_value) {
      if (attached) throw usage_error(fmt::format("option {} takes no value", option_label(*spec)));
      parsed.options.push_back({spec, {}});
    } else if (attached) {
      parsed.options.push_back({spec, std::move(*attached)});
    } else if (i + 1 < args.size()) {
      parsed.options.push_back({spec, args[++i]});
    } else {
      throw usage_error(fmt::format("option {} requires a value", option_label(*spec)));
    }
  }
  return parsed;
}

}  // namespace orbweaver::launcher
