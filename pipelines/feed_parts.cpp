#include "feed_parts.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

namespace orbweaver::pipelines {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::runtime_error(fmt::format("{} '{}': {}", what, path.string(), std::strerror(errno)));
}

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using file_handle = std::unique_ptr<std::FILE, file_closer>;

file_handle open_file(const fs::path& path, const char* mode) {
  file_handle file(std::fopen(path.c_str(), mode));
  if (!file) fail(mode[0] == 'r' ? "cannot read" : "cannot write", path);
  return file;
}

// Counts records as their bytes pass: a '\n' ends one, except inside a quoted CSV cell.
class record_counter {
 public:
  explicit record_counter(bool csv) : csv_(csv) {}
  void see(std::string_view bytes) {
    for (char c : bytes) {
      if (csv_ && c == '"') quoted_ = !quoted_;  // an escaped quote ("") toggles twice
      else if (c == '\n' && !quoted_) ++records_;
    }
  }
  std::uint64_t records() const { return records_; }

 private:
  bool csv_;
  bool quoted_ = false;
  std::uint64_t records_ = 0;
};

// The first CSV record of `path`'s first `limit` bytes, with its '\n' (all of them when none ends).
std::string first_csv_record(const fs::path& path, std::uintmax_t limit) {
  auto file = open_file(path, "rb");
  std::string record;
  bool quoted = false;
  for (int c; record.size() < limit && (c = std::fgetc(file.get())) != EOF;) {
    record += static_cast<char>(c);
    if (c == '"') quoted = !quoted;
    else if (c == '\n' && !quoted) break;
  }
  if (std::ferror(file.get())) fail("cannot read", path);
  return record;
}

char first_byte(const fs::path& path) {
  auto file = open_file(path, "rb");
  const int c = std::fgetc(file.get());
  if (std::ferror(file.get())) fail("cannot read", path);
  return c == EOF ? '\0' : static_cast<char>(c);
}

// The merged feed as it is written: bytes go out through stdio and are synced at the end.
class merged_output {
 public:
  merged_output(fs::path path, bool append) : path_(std::move(path)), file_(open_file(path_, append ? "ab" : "wb")) {}

  void write(std::string_view bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size()) fail("cannot write", path_);
  }
  // Bytes [from, to) of `part`.
  void copy(const fs::path& part, std::uintmax_t from, std::uintmax_t to, record_counter& counter) {
    auto in = open_file(part, "rb");
    if (std::fseek(in.get(), static_cast<long>(from), SEEK_SET) != 0) fail("cannot read", part);
    char buffer[64 * 1024];
    for (std::uintmax_t left = to - from; left > 0;) {
      const std::size_t want = left < sizeof buffer ? static_cast<std::size_t>(left) : sizeof buffer;
      const std::size_t got = std::fread(buffer, 1, want, in.get());
      if (got == 0) {
        if (std::ferror(in.get())) fail("cannot read", part);
        throw std::runtime_error(fmt::format("feed part '{}' ended while it was read", part.string()));
      }
      counter.see(std::string_view(buffer, got));
      write(std::string_view(buffer, got));
      left -= got;
    }
  }
  void sync_and_close() {
    if (std::fflush(file_.get()) != 0 || ::fdatasync(fileno(file_.get())) != 0) fail("cannot write", path_);
    if (std::fclose(file_.release()) != 0) fail("cannot write", path_);
  }

 private:
  fs::path path_;
  file_handle file_;
};

// A renamed file survives a crash only once its folder is synced too.
void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) fail("cannot sync the folder", folder);
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) fail("cannot sync the folder", folder);
}

struct committed_slice {
  fs::path path;
  std::uintmax_t bytes;
};

// The parts with committed bytes, each checked against its file's size.
std::vector<committed_slice> committed_slices(const std::vector<feed_part>& parts) {
  std::vector<committed_slice> slices;
  for (const auto& part : parts) {
    if (!part.committed || *part.committed == 0) continue;
    std::error_code ec;
    const auto size = fs::file_size(part.path, ec);
    if (ec)
      throw std::runtime_error(fmt::format("feed part '{}' holds {} committed bytes but cannot be read: {}",
                                           part.path.string(), *part.committed, ec.message()));
    if (size < *part.committed)
      throw std::runtime_error(fmt::format("feed part '{}' has {} bytes, fewer than the {} its worker committed",
                                           part.path.string(), size, *part.committed));
    slices.push_back({part.path, *part.committed});
  }
  return slices;
}

std::string shown_header(std::string_view record) {
  while (!record.empty() && (record.back() == '\n' || record.back() == '\r')) record.remove_suffix(1);
  return std::string(record);
}

std::uint64_t merge_csv(const std::vector<committed_slice>& slices, merged_output& out, std::string existing_header,
                        const std::string& target) {
  // Every header is checked before a byte is written: an append that stops halfway would leave
  // the target with some parts and not others.
  std::vector<std::string> headers;
  std::string header = std::move(existing_header);
  std::string header_from = target;
  for (const auto& slice : slices) {
    headers.push_back(first_csv_record(slice.path, slice.bytes));
    if (header.empty()) {
      header = headers.back();
      header_from = slice.path.string();
    } else if (headers.back() != header) {
      throw std::runtime_error(fmt::format("the CSV columns of '{}' ({}) differ from those of '{}' ({})",
                                           slice.path.string(), shown_header(headers.back()), header_from,
                                           shown_header(header)));
    }
  }
  const bool target_has_header = header_from == target;
  if (!target_has_header && !headers.empty()) out.write(header);
  record_counter rows(true);
  for (std::size_t i = 0; i < slices.size(); ++i) out.copy(slices[i].path, headers[i].size(), slices[i].bytes, rows);
  return rows.records();
}

// A part of a JSON array, cut at a record's end, is "[", then "\n" ITEM, then ",\n" ITEM...: its
// items follow the "[", and the merged array joins the parts' items with ",".
std::uint64_t merge_json(const std::vector<committed_slice>& slices, merged_output& out) {
  record_counter items(false);
  out.write("[");
  bool first = true;
  for (const auto& slice : slices) {
    if (first_byte(slice.path) != '[')
      throw std::runtime_error(fmt::format("feed part '{}' is not a JSON array", slice.path.string()));
    if (slice.bytes == 1) continue;
    if (!first) out.write(",");
    out.copy(slice.path, 1, slice.bytes, items);
    first = false;
  }
  out.write("\n]\n");
  return items.records();
}

std::string_view extension(feed_format format) {
  switch (format) {
    case feed_format::json_lines: return ".jsonl";
    case feed_format::json: return ".json";
    case feed_format::csv: return ".csv";
  }
  return "";
}

}  // namespace

fs::path feed_parts_folder(const std::string& target) { return fs::path(target + ".parts"); }

fs::path feed_part_path(const std::string& target, feed_format format, const std::string& worker_id) {
  return feed_parts_folder(target) / (worker_id + std::string(extension(format)));
}

std::uint64_t merge_feed_parts(const std::vector<feed_part>& parts, const std::string& target, feed_format format,
                               bool overwrite) {
  const auto slices = committed_slices(parts);
  const fs::path target_path(target);
  std::error_code ec;
  const bool target_has_content = fs::exists(target_path, ec) && fs::file_size(target_path, ec) > 0;
  if (format == feed_format::json && !overwrite && target_has_content)
    throw std::runtime_error(fmt::format(
        "cannot append to '{}': it already holds a JSON array, and items after it would not be JSON (use -O)",
        target));
  if (const auto folder = target_path.parent_path(); !folder.empty()) fs::create_directories(folder);

  // Replacing: written beside the target and renamed over it, so a failure leaves the old one.
  const bool replace = overwrite || format == feed_format::json;
  const fs::path written = replace ? fs::path(target + ".merging") : target_path;
  std::string existing_header;
  if (!replace && target_has_content) {
    cut_torn_record(target, format);
    if (format == feed_format::csv) existing_header = first_csv_record(target_path, fs::file_size(target_path));
  }
  std::uint64_t items = 0;
  try {
    merged_output out(written, !replace);
    if (format == feed_format::json) {
      items = merge_json(slices, out);
    } else if (format == feed_format::csv) {
      items = merge_csv(slices, out, existing_header, target);
    } else {
      record_counter lines(false);
      for (const auto& slice : slices) out.copy(slice.path, 0, slice.bytes, lines);
      items = lines.records();
    }
    out.sync_and_close();
  } catch (...) {
    if (replace) fs::remove(written, ec);
    throw;
  }
  if (replace) {
    fs::rename(written, target_path, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot replace '{}': {}", target, ec.message()));
  }
  sync_folder(target_path.parent_path());
  return items;
}

}  // namespace orbweaver::pipelines
