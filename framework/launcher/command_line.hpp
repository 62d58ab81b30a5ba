#pragma once
// Command-line parsing shared by the launcher's commands, in the style of Python's argparse (which
// Scrapy uses): "-o FILE", "-oFILE", "--output FILE", "--output=FILE", "--" ends the options, and
// -h/--help anywhere asks for the command's help.
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::launcher {

// A mistake in how the tool was called: reported with a pointer to -h, exit status 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct option_spec {
  char short_name;             // '\0': long form only
  std::string_view long_name;  // "": short form only
  bool takes_value;
};

struct parsed_option {
  const option_spec* spec;
  std::string value;  // empty for a flag
};

struct parsed_args {
  bool help = false;
  std::vector<parsed_option> options;  // in command-line order
  std::vector<std::string> positionals;
};

// Throws usage_error for an unknown option or a missing value.
parsed_args parse_args(std::span<const std::string> args, std::span<const option_spec> specs);

// "-o/--output", as the option is named in messages.
std::string option_label(const option_spec& spec);

}  // namespace orbweaver::launcher
