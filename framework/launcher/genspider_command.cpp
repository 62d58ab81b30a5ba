// orbweaver genspider [-t TEMPLATE] NAME DOMAIN: spiders/NAME.cpp in a project (NAME.cpp in the
// current folder outside one) from share/orbweaver/templates/spiders/TEMPLATE.cpp.tmpl.
#include "command_line.hpp"
#include "commands.hpp"
#include "project.hpp"
#include "templates.hpp"

#include <orbweaver/url.hpp>

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace orbweaver::launcher {
namespace {

constexpr std::array genspider_options{
    option_spec{'l', "list", false},
    option_spec{'t', "template", true},
};

constexpr std::string_view genspider_help =
    "Usage\n"
    "=====\n"
    "  orbweaver genspider [options] <name> <domain>\n"
    "\n"
    "Generate new spider using pre-defined templates\n"
    "\n"
    "Options\n"
    "=======\n"
    "  -h, --help            show this help message and exit\n"
    "  -l, --list            List available templates\n"
    "  -t TEMPLATE, --template TEMPLATE\n"
    "                        Uses a custom template (default: basic)\n"
    "\n"
    "<domain> is a domain (example.com) or a start URL (https://example.com/shop/)\n";

fs::path spider_templates() { return this_installation().templates_dir / "spiders"; }

std::vector<std::string> template_names() {
  std::vector<std::string> names;
  for (const auto& file : list_template_files(spider_templates()))
    names.push_back(file.destination.stem().string());
  return names;
}

// The file under `spiders` whose spider is already called `name`, if any.
std::optional<fs::path> spider_named(const fs::path& spiders, const std::string& name) {
  std::error_code ec;
  if (!fs::is_directory(spiders, ec)) return std::nullopt;
  const std::regex assignment("\\bname\\s*=\\s*\"" + name + "\"");
  for (const auto& entry : fs::recursive_directory_iterator(spiders, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    if (std::regex_search(text.str(), assignment)) return entry.path();
  }
  return std::nullopt;
}

}  // namespace

int genspider_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, genspider_options);
  if (parsed.help) {
    fmt::print("{}", genspider_help);
    return 0;
  }
  std::string template_name = "basic";
  for (const auto& [spec, value] : parsed.options) {
    if (spec == &genspider_options[0]) {
      fmt::print("Available templates:\n");
      for (const auto& t : template_names()) fmt::print("  {}\n", t);
      return 0;
    }
    template_name = value;
  }
  if (parsed.positionals.size() < 2) throw usage_error("expected a spider name and a domain");
  if (parsed.positionals.size() > 2) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[2]));
  const std::string& name = parsed.positionals[0];
  const std::string& domain_or_url = parsed.positionals[1];

  fs::path template_file = spider_templates() / (template_name + ".cpp.tmpl");
  if (!fs::exists(template_file)) {
    fmt::print(stderr, "Unable to find template: {}\n\nUse \"orbweaver genspider --list\" to see all available templates.\n",
               template_name);
    return 1;
  }
  if (!is_valid_name(name)) {
    fmt::print(stderr,
               "Error: Spider names must be C++ identifiers (letters, digits and underscores, not starting with a "
               "digit) and not C++ keywords: '{}'\n",
               name);
    return 1;
  }

  // Scrapy 2.x takes a URL as well as a domain: the URL is the start URL, its host the domain.
  std::string domain = domain_or_url, start_url;
  if (domain_or_url.find("://") != std::string::npos) {
    domain = url::host(domain_or_url);
    start_url = domain_or_url;
  } else {
    while (!domain.empty() && domain.back() == '/') domain.pop_back();
    start_url = "https://" + domain + "/";
  }
  if (domain.empty()) {
    fmt::print(stderr, "Error: '{}' is neither a domain nor a URL with a host\n", domain_or_url);
    return 1;
  }

  auto root = find_project_root(".");
  fs::path destination = root ? *root / "spiders" / (name + ".cpp") : fs::absolute(name + ".cpp");
  if (root) {
    if (auto existing = spider_named(*root / "spiders", name)) {
      fmt::print(stderr, "Error: Spider '{}' already exists in {}\n", name, existing->lexically_relative(*root).string());
      return 1;
    }
  }
  if (fs::exists(destination)) {
    fmt::print(stderr, "Error: {} already exists; nothing was written\n", destination.string());
    return 1;
  }
  try {
    write_rendered(template_file, destination,
                   {{"name", name},
                    {"domain", domain},
                    {"start_url", start_url},
                    // scheme://host[:port], where the sitemap template finds robots.txt
                    {"origin", start_url.substr(0, start_url.find('/', start_url.find("://") + 3))},
                    {"template", template_name}});
  } catch (const std::exception& e) {
    fmt::print(stderr, "Error: {}\n", e.what());
    return 1;
  }
  fmt::print("Created spider '{}' using template '{}' in module:\n  {}\n", name, template_name,
             root ? destination.lexically_relative(*root).string() : destination.filename().string());
  return 0;
}

}  // namespace orbweaver::launcher
