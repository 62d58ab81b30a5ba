#include "downloader/http_cache_storage.hpp"

#include "download/decompress.hpp"
#include "engine/fingerprint.hpp"

#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <fstream>
#include <iterator>

#include <unistd.h>

namespace orbweaver::middlewares::http_cache {
namespace {

namespace fs = std::filesystem;

// The first line of every entry; another version is a damaged entry (a miss), never misread.
constexpr std::string_view magic = "orbweaver-httpcache 1\n";

// Cuts the next line (without its \n) off the front of `rest`.
std::string_view take_line(std::string_view& rest) {
  auto end = rest.find('\n');
  if (end == std::string_view::npos) throw damaged_entry("the entry is truncated");
  auto line = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  return line;
}

std::size_t take_number(std::string_view& line) {
  auto space = line.find(' ');
  auto word = line.substr(0, space);
  line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc{} || end != word.data() + word.size() || word.empty())
    throw damaged_entry(fmt::format("'{}' is not a number", word));
  return value;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fs::filesystem_error("cannot open the cache entry", path, std::make_error_code(std::errc::io_error));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool is_gzip(std::string_view bytes) { return bytes.size() >= 2 && bytes[0] == '\x1f' && bytes[1] == '\x8b'; }

}  // namespace

// Format: the magic line; "STATUS HEADER_BYTES BODY_BYTES"; "METHOD REQUEST_URL" (for people
// looking at the folder); the response URL; the headers as "Name: value\r\n" lines; the body.
std::string encode_entry(const request& r, const response& resp) {
  std::string headers;
  for (const auto& [name, value] : resp.headers()) headers += fmt::format("{}: {}\r\n", name, value);
  std::string entry(magic);
  entry += fmt::format("{} {} {}\n{} {}\n{}\n", resp.status(), headers.size(), resp.body().size(), r.method, r.url,
                       resp.url());
  entry += headers;
  entry += resp.body();
  return entry;
}

response_ptr decode_entry(std::string_view bytes, const request& r) {
  if (!bytes.starts_with(magic)) throw damaged_entry("not an orbweaver cache entry of this version");
  std::string_view rest = bytes.substr(magic.size());
  std::string_view sizes = take_line(rest);
  const std::size_t status = take_number(sizes);
  const std::size_t header_bytes = take_number(sizes);
  const std::size_t body_bytes = take_number(sizes);
  if (!sizes.empty() || status < 100 || status > 999) throw damaged_entry("the entry's status line is damaged");
  take_line(rest);  // the request, for people only
  std::string url(take_line(rest));
  if (rest.size() != header_bytes + body_bytes || header_bytes > rest.size())
    throw damaged_entry(fmt::format("the entry holds {} bytes after its URL where it says {}", rest.size(),
                                    header_bytes + body_bytes));
  http_headers headers;
  for (std::string_view block = rest.substr(0, header_bytes); !block.empty();) {
    auto end = block.find("\r\n");
    auto colon = block.find(": ");
    if (end == std::string_view::npos || colon > end) throw damaged_entry("the entry's headers are damaged");
    headers.add(block.substr(0, colon), block.substr(colon + 2, end - colon - 2));
    block.remove_prefix(end + 2);
  }
  return std::make_shared<response>(r, std::move(url), static_cast<int>(status), std::move(headers),
                                    std::string(rest.substr(header_bytes)));
}

filesystem_storage::filesystem_storage(fs::path dir, std::chrono::seconds expiration, bool gzip)
    : dir_(std::move(dir)), expiration_(expiration), gzip_(gzip) {}

fs::path filesystem_storage::entry_path(const std::string& spider_name, const request& r) const {
  const std::string key = to_hex(request_fingerprint(r));
  return dir_ / spider_name / key.substr(0, 2) / key;
}

response_ptr filesystem_storage::retrieve(const std::string& spider_name, const request& r) const {
  const fs::path path = entry_path(spider_name, r);
  std::error_code missing;
  const auto modified = fs::last_write_time(path, missing);
  if (missing) return nullptr;
  if (expiration_.count() > 0 && fs::file_time_type::clock::now() - modified > expiration_) return nullptr;
  std::string bytes = read_file(path);
  // Read by its first bytes rather than HTTPCACHE_GZIP, so turning the setting over keeps the cache.
  if (is_gzip(bytes)) {
    auto unzipped = download::decode_body("gzip", bytes, 0);
    if (unzipped.error) throw damaged_entry("its gzip stream is damaged");
    bytes = std::move(unzipped.body);
  }
  return decode_entry(bytes, r);
}

void filesystem_storage::store(const std::string& spider_name, const request& r, const response& resp) const {
  static std::atomic<unsigned> written{0};
  const fs::path path = entry_path(spider_name, r);
  fs::create_directories(path.parent_path());
  std::string bytes = encode_entry(r, resp);
  if (gzip_) bytes = download::gzip_compress(bytes);
  const fs::path temporary = path.parent_path() / fmt::format(".{}.tmp-{}-{}", path.filename().string(), ::getpid(), ++written);
  std::error_code ec;
  try {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.exceptions(std::ios::failbit | std::ios::badbit);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    fs::rename(temporary, path);
  } catch (...) {
    fs::remove(temporary, ec);  // a full disk must not fill up with half entries
    throw;
  }
}

}  // namespace orbweaver::middlewares::http_cache
