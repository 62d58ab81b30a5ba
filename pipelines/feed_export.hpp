#pragma once
// Feed exports: every feed in FEEDS gets a feed_writer, its format chosen by the extension or a
// ":FORMAT" suffix; "-:FORMAT" writes to standard output (the log stays on standard error).
// The writer has no crawler dependency (it is tested on its own); the pipeline reads the settings,
// feeds each item to every writer and reports to the stats.
//
// Formats: .jsonl/.jl one JSON object per line; .json one JSON array, written incrementally and
// closed at the end of the crawl, whatever the reason; .csv RFC 4180 with a header row.
// Records reach the file whole (one write call each time the buffer goes out), at the latest
// FEED_FLUSH_INTERVAL seconds after they were scraped, so a crawl killed with SIGKILL leaves a
// feed of whole records, but for one torn by a write cut at that moment; appending to the file
// later cuts such a torn record away (jsonlines, CSV; a JSON array cannot be appended to).
// Stats per format: feedexport/success_count/<format>, feedexport/failed_count/<format> (feeds)
// and feedexport/item_count/<format> (items written).
#include <orbweaver/item.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::pipelines {

enum class feed_format { json_lines, json, csv };

// By extension, case-insensitive; nullopt for an extension we do not export.
std::optional<feed_format> feed_format_for(std::string_view path);

// A feed as -o and FEEDS name it, as Scrapy writes feed URIs: "items.jsonl" (the format from the
// extension), "items.out:csv" (the format after the last colon, only when it names one: jsonl, jl,
// jsonlines, json, csv; so "data:2026.jsonl" is a path), "-:jsonl" for standard output.
struct feed_target {
  std::string path;  // "-": standard output
  feed_format format;
};
std::optional<feed_target> parse_feed_uri(std::string_view uri);
inline constexpr std::string_view standard_output_path = "-";
// What to say about a feed parse_feed_uri refuses.
inline constexpr std::string_view unknown_feed_format_advice =
    "unknown format; name the file .jsonl, .jl, .json or .csv, or give the format after a colon "
    "(items.out:csv; -:jsonl for standard output)";
// "jsonlines", "json", "csv" (Scrapy's format names, used in stats keys and log lines).
std::string_view format_name(feed_format format);

struct feed_options {
  std::string path{};  // standard_output_path for standard output
  feed_format format = feed_format::json_lines;
  bool overwrite = false;           // truncate instead of appending
  // Export these, in this order. Empty: every key, in the order of the item's declared type
  // (ORBWEAVER_ITEM) when it has one; CSV columns: the fields of the first item's declared type,
  // else the first item's keys.
  std::vector<std::string> fields{};
  bool ascii_only = false;          // escape non-ASCII as \uXXXX (JSON formats only)
  // Continue a JOBDIR's feed: cut the file back to this many bytes (where the JOBDIR's last
  // checkpoint says it ended) and write after them, whatever `overwrite` says.
  std::optional<std::uintmax_t> resume_at{};
};

// When an append finds `path` ending in a torn record (bytes after the last record end of a
// jsonlines or CSV file, as a kill in the middle of a write leaves), cuts them away and returns
// how many bytes were cut; 0 when the file ends cleanly or does not exist. Throws
// std::runtime_error when the file cannot be read or cut.
std::uintmax_t cut_torn_record(const std::string& path, feed_format format);

class feed_writer {
 public:
  // Opens (creating missing parent directories) or throws std::runtime_error saying why not.
  // Appending to a non-empty .json file is refused, as the result would not be JSON; appending to
  // a non-empty .csv file keeps its existing header row and columns. Before an append, a torn last
  // record is cut away (cut_torn_record) with a warning.
  explicit feed_writer(feed_options options);
  ~feed_writer();  // closes, if close() was not called, without throwing
  feed_writer(const feed_writer&) = delete;
  feed_writer& operator=(const feed_writer&) = delete;

  // Buffered (whole records go out when 64 KiB are waiting, or on flush()); throws
  // std::runtime_error when the file cannot be written.
  void write(const item& it);
  // Writes the buffered records, whole, in one write call; throws std::runtime_error on failure.
  void flush();
  // Records written to the buffer since the last flush.
  bool has_unflushed() const { return !buffer_.empty(); }
  // flush(), then fdatasync: the records survive power loss. Throws std::runtime_error.
  void sync();
  // Bytes in the file once the buffer is written (standard output: those written by this writer).
  std::uintmax_t size() const { return file_bytes_; }
  // Writes the buffer and the format's trailer, then closes; throws std::runtime_error on failure.
  void close();

  const feed_options& options() const { return options_; }
  std::uint64_t items_written() const { return items_written_; }

 private:
  void append_csv_header();
  void append_csv_row(const item& it);
  void close_file();

  feed_options options_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  std::uint64_t items_written_ = 0;
  std::uintmax_t file_bytes_ = 0;
  bool csv_header_pending_ = true;
  bool json_array_has_items_ = false;  // a resumed .json feed: items come after a comma
};

}  // namespace orbweaver::pipelines
