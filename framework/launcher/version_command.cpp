#include "command_line.hpp"
#include "commands.hpp"

#include <boost/version.hpp>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <zlib.h>

#include <array>

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
  utsname system{};
  uname(&system);
  fmt::print("orbweaver : {}\n", ORBWEAVER_VERSION);
  fmt::print("Boost     : {}.{}.{}\n", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
  fmt::print("OpenSSL   : {}\n", OpenSSL_version(OPENSSL_VERSION));
  fmt::print("SQLite    : {}\n", sqlite3_libversion());
  fmt::print("zlib      : {}\n", zlibVersion());
  fmt::print("fmt       : {}.{}.{}\n", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100);
  fmt::print("Platform  : {} {} {}\n", system.sysname, system.release, system.machine);
  return 0;
}

}  // namespace orbweaver::launcher
