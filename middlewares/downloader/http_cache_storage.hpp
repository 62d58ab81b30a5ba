#pragma once
// The HTTP cache's filesystem storage (Scrapy's FilesystemCacheStorage, in one file per entry):
// DIR/SPIDER/ab/abcdef... named by the request fingerprint (engine/fingerprint.hpp), so a folder
// holds at most 1/256 of the entries. An entry holds the response's status, URL, headers and body
// (before content decoding, as the server sent it), gzip-compressed with HTTPCACHE_GZIP. It is
// written to a temporary file in its folder and renamed over the old one, so a crash or a kill
// leaves the old entry or the new one, never half of one. Reads and writes are single small files,
// done where the middleware runs (the reactor), as Scrapy does.
#include <orbweaver/request.hpp>
#include <orbweaver/response.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace orbweaver::middlewares::http_cache {

// An entry that cannot be read back: truncated, overwritten, of another format.
struct damaged_entry : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class filesystem_storage {
 public:
  // expiration: entries older than this (by their file's modification time) are absent; zero
  // keeps them for ever.
  filesystem_storage(std::filesystem::path dir, std::chrono::seconds expiration, bool gzip);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path entry_path(const std::string& spider_name, const request& r) const;

  // The stored response for `r` (carrying `r` as its request); nullptr when there is none or it
  // expired. Throws damaged_entry for an entry that does not read back, std::filesystem_error
  // when the file cannot be read.
  response_ptr retrieve(const std::string& spider_name, const request& r) const;
  // Replaces the entry of `r` with `resp`; throws std::filesystem_error or std::ios_base::failure
  // when it cannot be written (the old entry then stays).
  void store(const std::string& spider_name, const request& r, const response& resp) const;

 private:
  std::filesystem::path dir_;
  std::chrono::seconds expiration_;
  bool gzip_;
};

// An entry's bytes (before any gzip) and back; the parse throws damaged_entry.
std::string encode_entry(const request& r, const response& resp);
response_ptr decode_entry(std::string_view bytes, const request& r);

}  // namespace orbweaver::middlewares::http_cache
