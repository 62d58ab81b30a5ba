#include "storage/scratch_directory.hpp"

#include "storage/sqlite.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

namespace orbweaver::storage {

scratch_directory::scratch_directory() {
  std::error_code ec;
  auto base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "orbweaver-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    throw storage_error(fmt::format("cannot create a temporary directory in '{}': {}", base.string(),
                                    std::strerror(errno)));
  path_ = pattern;
}

scratch_directory::~scratch_directory() {
  std::error_code ec;  // nothing to report to at exit: a leftover directory is only untidy
  std::filesystem::remove_all(path_, ec);
}

}  // namespace orbweaver::storage
