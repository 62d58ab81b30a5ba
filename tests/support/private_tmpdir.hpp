#pragma once
// TMPDIR points at a new folder of the test's own while this lives (a crawl's temporary
// directories then go there, where the test can look); TMPDIR is restored and the folder removed
// on destruction.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <unistd.h>

namespace orbweaver::testing {

class private_tmpdir {
 public:
  explicit private_tmpdir(std::string_view name)
      : path_(std::filesystem::temp_directory_path() / fmt::format("{}-{}", name, ::getpid())) {
    std::filesystem::create_directories(path_);
    if (const char* saved = std::getenv("TMPDIR")) previous_ = saved;
    setenv("TMPDIR", path_.c_str(), 1);
  }
  ~private_tmpdir() {
    previous_ ? setenv("TMPDIR", previous_->c_str(), 1) : unsetenv("TMPDIR");
    std::filesystem::remove_all(path_);
  }
  private_tmpdir(const private_tmpdir&) = delete;
  private_tmpdir& operator=(const private_tmpdir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::optional<std::string> previous_;
};

}  // namespace orbweaver::testing
