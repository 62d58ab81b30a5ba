#include "command_line.hpp"
#include "commands.hpp"

#include <boost/version.hpp>
#include <brotli/decode.h>
#include <fmt/format.h>
#include <unicode/uversion.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <toml++/impl/version.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace orbweaver::launcher {

int version_command(std::span<const std::string> args) {
  static constexpr std::array options{option_spec{'v', "verbose", false}};
  auto parsed = parse_args(args, options);
  if (parsed.help) {
    fmt::print(
        "Usage\n"
        "=====\n"
        "  orbweaver version [-v]\n"
        "\n"
        "Print orbweaver version\n"
        "\n"
        "Options\n"
        "=======\n"
        "  -h, --help            show this help message and exit\n"
        "  -v, --verbose         also print the versions of the libraries, useful for bug reports\n");
    return 0;
  }
  if (!parsed.positionals.empty()) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[0]));
  if (parsed.options.empty()) {
    fmt::print("orbweaver {}\n", ORBWEAVER_VERSION);
    return 0;
  }
  // Runtime version functions where a library has one (the library loaded may be newer than the
  // headers), the headers' or pkg-config's version otherwise. Scrapy's layout.
  utsname system{};
  uname(&system);
  const auto brotli = BrotliDecoderVersion();  // major << 24 | minor << 12 | patch
  const std::vector<std::pair<std::string_view, std::string>> versions{
      {"orbweaver", ORBWEAVER_VERSION},
      {"Boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)},
      {"OpenSSL", OpenSSL_version(OPENSSL_VERSION)},
      {"gumbo", ORBWEAVER_GUMBO_VERSION},
      {"fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
      {"SQLite", sqlite3_libversion()},
      {"zlib", zlibVersion()},
      {"brotli", fmt::format("{}.{}.{}", brotli >> 24, (brotli >> 12) & 0xFFF, brotli & 0xFFF)},
      {"zstd", ZSTD_versionString()},
      {"ICU", U_ICU_VERSION},
      {"toml++", fmt::format("{}.{}.{}", TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH)},
      {"libedit", ORBWEAVER_LIBEDIT_VERSION},
#if defined(__clang__)
      {"Compiler", fmt::format("clang {}", __clang_version__)},
#elif defined(__GNUC__)
      {"Compiler", fmt::format("GCC {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__)},
#endif
      {"Platform", fmt::format("{} {} {}", system.sysname, system.release, system.machine)},
  };
  std::size_t width = 0;
  for (const auto& [name, version] : versions) width = std::max(width, name.size());
  for (const auto& [name, version] : versions) fmt::print("{:<{}} : {}\n", name, width, version);
  return 0;
}

}  // namespace orbweaver::launcher
