#pragma once
// A private temporary directory for a crawl's storage when JOBDIR is not set: created under
// $TMPDIR (or /tmp) and removed with everything in it when the object is destroyed.
#include <filesystem>

namespace orbweaver::storage {

class scratch_directory {
 public:
  scratch_directory();  // throws storage_error when it cannot be created
  ~scratch_directory();
  scratch_directory(const scratch_directory&) = delete;
  scratch_directory& operator=(const scratch_directory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace orbweaver::storage
