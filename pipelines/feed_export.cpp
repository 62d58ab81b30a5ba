#include "feed_export.hpp"
#include "engine/builtin_components.hpp"
#include "engine/checkpointed_sink.hpp"
#include "core/text.hpp"
#include "html/charset.hpp"

#include "item_json.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/item_fields.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/pipeline.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <unistd.h>
#include <stdexcept>

namespace orbweaver::pipelines {
namespace {

// Large enough that a write call moves many items at once, small enough to bound memory per feed.
constexpr std::size_t buffer_limit = 64 * 1024;

bool needs_csv_quotes(std::string_view cell) { return cell.find_first_of(",\"\r\n") != std::string_view::npos; }

void append_csv_cell(std::string& out, std::string_view cell) {
  // A spider's own strings may hold any bytes; a CSV feed is UTF-8, invalid sequences U+FFFD.
  std::string repaired;
  if (!html::is_valid_utf8(cell)) {
    repaired = html::replace_invalid_utf8(cell);
    cell = repaired;
  }
  if (!needs_csv_quotes(cell)) {
    out += cell;
    return;
  }
  out += '"';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// Strings as they are, everything else (numbers, booleans, arrays, objects) as JSON; null is empty.
std::string csv_cell_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return {};
  std::string text;
  append_json(text, v);
  return text;
}

// The first record of an existing CSV file: its header, whose columns an append must keep.
std::vector<std::string> read_csv_header(const std::string& path) {
  std::vector<std::string> fields;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return fields;
  std::string field;
  bool quoted = false;
  bool had_quote = false;
  for (int c; (c = std::fgetc(file)) != EOF;) {
    if (quoted) {
      if (c == '"') {
        int next = std::fgetc(file);
        if (next == '"') {
          field += '"';
          continue;
        }
        quoted = false;
        if (next == EOF) break;
        c = next;
      } else {
        field += static_cast<char>(c);
        continue;
      }
    }
    if (c == '"' && field.empty() && !had_quote) {
      quoted = had_quote = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      had_quote = false;
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      field += static_cast<char>(c);
    }
  }
  fields.push_back(std::move(field));
  std::fclose(file);
  return fields;
}

// The end of the last whole line: one past its '\n', 0 when there is none. JSON lines never hold a
// raw newline inside a record, so only the file's tail is read.
std::uintmax_t end_of_last_line(std::FILE* file, std::uintmax_t size) {
  char chunk[64 * 1024];
  for (std::uintmax_t end = size; end > 0;) {
    std::uintmax_t begin = end > sizeof chunk ? end - sizeof chunk : 0;
    auto length = static_cast<std::size_t>(end - begin);
    if (std::fseek(file, static_cast<long>(begin), SEEK_SET) != 0 || std::fread(chunk, 1, length, file) != length)
      throw std::runtime_error(std::strerror(errno));
    for (std::size_t i = length; i-- > 0;)
      if (chunk[i] == '\n') return begin + i + 1;
    end = begin;
  }
  return 0;
}

// The end of the last whole CSV record: a '\n' outside quotes (a quoted cell may hold newlines,
// so the whole file is read).
std::uintmax_t end_of_last_csv_record(std::FILE* file) {
  char chunk[64 * 1024];
  std::uintmax_t offset = 0, last_end = 0;
  bool quoted = false;  // an escaped quote ("") toggles twice, which keeps this right
  while (std::size_t length = std::fread(chunk, 1, sizeof chunk, file)) {
    for (std::size_t i = 0; i < length; ++i) {
      if (chunk[i] == '"') quoted = !quoted;
      else if (chunk[i] == '\n' && !quoted) last_end = offset + i + 1;
    }
    offset += length;
  }
  if (std::ferror(file)) throw std::runtime_error(std::strerror(errno));
  return last_end;
}

}  // namespace

std::uintmax_t cut_torn_record(const std::string& path, feed_format format) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size == 0 || format == feed_format::json) return 0;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) throw std::runtime_error(fmt::format("cannot read feed '{}': {}", path, std::strerror(errno)));
  std::uintmax_t whole = 0;
  try {
    whole = format == feed_format::csv ? end_of_last_csv_record(file) : end_of_last_line(file, size);
  } catch (const std::runtime_error& e) {
    std::fclose(file);
    throw std::runtime_error(fmt::format("cannot read feed '{}': {}", path, e.what()));
  }
  std::fclose(file);
  if (whole == size) return 0;
  std::filesystem::resize_file(path, whole, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot cut the torn last record of feed '{}': {}", path, ec.message()));
  return size - whole;
}

std::optional<feed_format> feed_format_for(std::string_view path) {
  auto extension = text::ascii_lowered(std::filesystem::path(path).extension().string());
  if (extension == ".jsonl" || extension == ".jl") return feed_format::json_lines;
  if (extension == ".json") return feed_format::json;
  if (extension == ".csv") return feed_format::csv;
  return std::nullopt;
}

std::optional<feed_target> parse_feed_uri(std::string_view uri) {
  if (auto colon = uri.rfind(':'); colon != std::string_view::npos) {
    auto suffix = text::ascii_lowered(uri.substr(colon + 1));
    std::optional<feed_format> named;
    if (suffix == "jsonl" || suffix == "jl" || suffix == "jsonlines") named = feed_format::json_lines;
    if (suffix == "json") named = feed_format::json;
    if (suffix == "csv") named = feed_format::csv;
    if (named && colon > 0) return feed_target{std::string(uri.substr(0, colon)), *named};
  }
  if (uri == standard_output_path) return std::nullopt;  // standard output has no extension to go by
  if (auto format = feed_format_for(uri)) return feed_target{std::string(uri), *format};
  return std::nullopt;
}

std::string_view format_name(feed_format format) {
  switch (format) {
    case feed_format::json_lines: return "jsonlines";
    case feed_format::json: return "json";
    case feed_format::csv: return "csv";
  }
  return "unknown";
}

feed_writer::feed_writer(feed_options options) : options_(std::move(options)) {
  const std::string& path = options_.path;
  if (options_.format == feed_format::csv && options_.ascii_only)
    throw std::runtime_error(fmt::format(
        "feed '{}': CSV has no escape for non-ASCII text, so only JSON feeds can be written as ascii", path));
  if (path == standard_output_path) {
    file_ = stdout;
    if (options_.format == feed_format::json) buffer_ = "[";
    return;
  }

  std::error_code ec;
  auto directory = std::filesystem::path(path).parent_path();
  if (!directory.empty() && !std::filesystem::create_directories(directory, ec) && ec)
    throw std::runtime_error(
        fmt::format("cannot create directory '{}' for feed '{}': {}", directory.string(), path, ec.message()));

  auto existing_size = std::filesystem::file_size(path, ec);
  if (ec) existing_size = 0;
  if (options_.resume_at) {
    if (existing_size < *options_.resume_at)
      throw std::runtime_error(fmt::format(
          "feed '{}' holds {} bytes, fewer than the {} its last checkpoint recorded (JOBDIR or Redis): it was changed outside the crawl", path,
          existing_size, *options_.resume_at));
    if (existing_size > *options_.resume_at) {
      std::filesystem::resize_file(path, *options_.resume_at, ec);
      if (ec) throw std::runtime_error(fmt::format("cannot cut feed '{}' back to its last checkpoint: {}", path, ec.message()));
      log::info("feedexport", "Feed '{}': cut {} bytes written after the last checkpoint (JOBDIR or Redis commit; their requests are crawled again)",
                path, existing_size - *options_.resume_at);
      existing_size = *options_.resume_at;
    }
    options_.overwrite = false;
  } else if (!options_.overwrite) {
    if (auto cut = cut_torn_record(path, options_.format)) {
      log::warning("feedexport",
                   "Feed '{}' ended in a torn record ({} bytes after its last whole one, as a killed crawl "
                   "leaves it); cut away before appending",
                   path, cut);
      existing_size -= cut;
    }
  }
  bool appending_to_content = !options_.overwrite && existing_size > 0;
  json_array_has_items_ = options_.resume_at && appending_to_content && options_.format == feed_format::json;
  if (appending_to_content && options_.format == feed_format::json && !json_array_has_items_)
    throw std::runtime_error(fmt::format(
        "feed '{}' already has content and a JSON array cannot be appended to; overwrite it (-O) or "
        "use a .jsonl feed",
        path));
  if (appending_to_content && options_.format == feed_format::csv) {
    if (options_.fields.empty()) options_.fields = read_csv_header(path);
    csv_header_pending_ = false;
  }

  file_ = std::fopen(path.c_str(), options_.overwrite ? "wb" : "ab");
  if (!file_)
    throw std::runtime_error(fmt::format("cannot open feed '{}' for writing: {}", path, std::strerror(errno)));
  // No stdio buffer: flush() hands the records to the kernel in one write call, whole.
  std::setvbuf(file_, nullptr, _IONBF, 0);
  file_bytes_ = options_.overwrite ? 0 : existing_size;
  if (options_.format == feed_format::json && !json_array_has_items_) buffer_ = "[";
}

feed_writer::~feed_writer() {
  if (!file_) return;
  try {
    close();
  } catch (const std::exception&) {
    // Destruction during unwinding: the failure was (or will be) reported by whoever unwinds.
  }
}

void feed_writer::write(const item& it) {
  if (!file_) throw std::runtime_error(fmt::format("feed '{}' is closed", options_.path));
  switch (options_.format) {
    case feed_format::json_lines:
    case feed_format::json: {
      if (options_.format == feed_format::json)
        buffer_ += items_written_ == 0 && !json_array_has_items_ ? "\n" : ",\n";
      if (options_.fields.empty()) {
        // A declared item type (item_fields.hpp) gives the keys their declared order.
        if (const auto* type = declared_item_type(it))
          append_json(buffer_, type->ordered(it), options_.ascii_only);
        else
          append_json(buffer_, it, options_.ascii_only);
      } else {
        json::object selected;
        for (const auto& field : options_.fields)
          if (auto* v = it.if_contains(field)) selected[field] = *v;
        append_json(buffer_, selected, options_.ascii_only);
      }
      if (options_.format == feed_format::json_lines) buffer_ += '\n';
      break;
    }
    case feed_format::csv:
      if (options_.fields.empty()) {
        // The columns of the first item's declared type (all its fields, as Scrapy's header from
        // an Item class), else the first item's keys.
        if (const auto* type = declared_item_type(it))
          options_.fields = type->names();
        else
          for (const auto& entry : it) options_.fields.emplace_back(entry.key());
      }
      if (csv_header_pending_) append_csv_header();
      append_csv_row(it);
      break;
  }
  ++items_written_;
  if (buffer_.size() >= buffer_limit) flush();
}

void feed_writer::append_csv_header() {
  for (std::size_t i = 0; i < options_.fields.size(); ++i) {
    if (i) buffer_ += ',';
    append_csv_cell(buffer_, options_.fields[i]);
  }
  buffer_ += "\r\n";
  csv_header_pending_ = false;
}

void feed_writer::append_csv_row(const item& it) {
  for (std::size_t i = 0; i < options_.fields.size(); ++i) {
    if (i) buffer_ += ',';
    if (auto* v = it.if_contains(options_.fields[i])) append_csv_cell(buffer_, csv_cell_text(*v));
  }
  buffer_ += "\r\n";
}

void feed_writer::flush() {
  if (buffer_.empty() || !file_) return;
  std::size_t written = std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
  if (written != buffer_.size() || (file_ == stdout && std::fflush(file_) != 0)) {
    int error = errno;
    // A full disk took part of the records: cut them away, so the file still ends in a whole one.
    if (file_ != stdout && ::ftruncate(fileno(file_), static_cast<off_t>(file_bytes_)) == 0) written = 0;
    file_bytes_ += written;
    buffer_.erase(0, written);
    throw std::runtime_error(fmt::format("writing feed '{}': {}", options_.path, std::strerror(error)));
  }
  file_bytes_ += written;
  buffer_.clear();
}

void feed_writer::sync() {
  flush();
  if (!file_ || file_ == stdout) return;
  if (::fdatasync(fileno(file_)) != 0)
    throw std::runtime_error(fmt::format("syncing feed '{}': {}", options_.path, std::strerror(errno)));
}

void feed_writer::close() {
  if (!file_) return;
  if (options_.format == feed_format::json) buffer_ += "\n]\n";
  try {
    flush();
  } catch (...) {
    close_file();
    throw;
  }
  close_file();
}

void feed_writer::close_file() {
  std::FILE* file = std::exchange(file_, nullptr);
  // Standard output stays open for whoever prints after the crawl; only its buffer is written.
  if (file == stdout ? std::fflush(file) != 0 : std::fclose(file) != 0)
    throw std::runtime_error(fmt::format("closing feed '{}': {}", options_.path, std::strerror(errno)));
}

namespace {

bool ascii_only_encoding(const std::string& encoding) {
  auto lowered = text::ascii_lowered(encoding);
  if (lowered == "utf-8" || lowered == "utf8") return false;
  if (lowered == "ascii" || lowered == "us-ascii") return true;
  throw std::runtime_error(
      fmt::format("FEED_EXPORT_ENCODING '{}' is not supported (use utf-8 or ascii)", encoding));
}

// With a JOBDIR (or SCHEDULER=redis) the feeds open in resume(), once the engine knows where the
// last checkpoint (commit) left them; without, in open().
class feed_export_pipeline : public item_pipeline, public checkpointed_sink {
 public:
  bool open(crawler& c) override {
    const settings& config = c.config();
    auto paths = config.get_list("FEEDS");
    if (paths.empty()) return false;
    stats_ = &c.stats();
    flush_interval_ = std::chrono::duration<double>(config.get_double("FEED_FLUSH_INTERVAL"));
    if (flush_interval_.count() < 0)
      throw std::runtime_error(fmt::format("FEED_FLUSH_INTERVAL must be 0 or more seconds, not {}", flush_interval_.count()));

    // Formats, names and encoding are checked for every path before any file is opened, so such a
    // mistake truncates nothing.
    std::vector<feed_options> all_options;
    std::set<std::string> seen;
    bool ascii_only = ascii_only_encoding(config.get_string("FEED_EXPORT_ENCODING"));
    for (auto& uri : paths) {
      auto target = parse_feed_uri(uri);
      if (!target) throw std::runtime_error(fmt::format("feed '{}': {}", uri, unknown_feed_format_advice));
      if (!seen.insert(target->path).second)
        throw std::runtime_error(fmt::format("feed '{}' is listed twice in FEEDS", target->path));
      if (ascii_only && target->format == feed_format::csv)
        throw std::runtime_error(fmt::format(
            "feed '{}': FEED_EXPORT_ENCODING is ascii, and CSV has no escape for non-ASCII text", uri));
      all_options.push_back({target->path, target->format, config.get_bool("FEED_OVERWRITE"),
                             config.get_list("FEED_EXPORT_FIELDS"), ascii_only});
    }
    for (auto& options : all_options)
      if (auto earlier = stats_->get(item_count_key(options.format))) earlier_counts_[item_count_key(options.format)] = earlier;
    if (!sinks_are_resumed(config))
      for (auto& options : all_options) feeds_.push_back({std::make_unique<feed_writer>(std::move(options))});
    else
      deferred_ = std::move(all_options);
    return true;
  }

  // `at`: {path: bytes} as checkpoint() gave it.
  void resume(const json::value* at) override {
    for (auto& options : deferred_) {
      const json::value* bytes = at && at->is_object() ? at->as_object().if_contains(options.path) : nullptr;
      if (bytes && bytes->is_int64() && bytes->as_int64() >= 0) options.resume_at = static_cast<std::uintmax_t>(bytes->as_int64());
      feeds_.push_back({std::make_unique<feed_writer>(std::move(options))});
    }
    deferred_.clear();
  }

  json::value checkpoint() override {
    json::object ends;
    for (auto& feed : feeds_) {
      const auto& path = feed.writer->options().path;
      if (feed.failed) throw std::runtime_error(fmt::format("feed '{}' failed earlier", path));
      feed.writer->sync();
      if (path != standard_output_path) ends[path] = static_cast<std::int64_t>(feed.writer->size());
    }
    report_item_counts();  // before the JOBDIR records the stats
    return ends;
  }

  boost::asio::awaitable<void> process_item(item& it, spider&) override {
    for (auto& feed : feeds_)
      if (!feed.failed) write_or_stop(feed, [&] { feed.writer->write(it); });
    if (flush_interval_.count() == 0) {
      flush_all();
    } else if (!flush_scheduled_) {
      // A timer on the reactor (process_item runs there): the records of an interval go out in one
      // small append, and the reactor never waits for the disk longer than that.
      if (!flush_timer_) flush_timer_.emplace(co_await boost::asio::this_coro::executor);
      schedule_flush();
    }
  }

  boost::asio::awaitable<void> close(spider&) override {
    if (flush_timer_) flush_timer_->cancel();
    for (auto& feed : feeds_) {
      auto format = format_name(feed.writer->options().format);
      // Scrapy names standard output "stdout:".
      std::string_view path = feed.writer->options().path;
      if (path == standard_output_path) path = "stdout:";
      try {
        feed.writer->close();
      } catch (const std::exception& e) {
        if (!feed.failed) log::error("feedexport", "{}", e.what());
        feed.failed = true;
      }
      if (feed.failed) {
        stats_->inc(fmt::format("feedexport/failed_count/{}", format));
        log::error("feedexport", "Error storing {} feed ({} items) in: {}", format, feed.writer->items_written(), path);
      } else {
        stats_->inc(fmt::format("feedexport/success_count/{}", format));
        log::info("feedexport", "Stored {} feed ({} items) in: {}", format, feed.writer->items_written(), path);
      }
    }
    report_item_counts();
    co_return;
  }

 private:
  struct feed {
    std::unique_ptr<feed_writer> writer;
    bool failed = false;
  };

  template <class Write>
  static void write_or_stop(feed& f, Write write) {
    try {
      write();
    } catch (const std::exception& e) {
      // One message per feed: the feed stops, the crawl and the other feeds go on.
      log::error("feedexport", "{}; no more items go to this feed", e.what());
      f.failed = true;
    }
  }

  // feedexport/item_count/<format>: the items written by this run and, with a JOBDIR, the earlier
  // runs (their count comes back with the stats).
  void report_item_counts() {
    std::map<std::string, std::int64_t> counts = earlier_counts_;
    for (auto& feed : feeds_)
      counts[item_count_key(feed.writer->options().format)] += static_cast<std::int64_t>(feed.writer->items_written());
    for (const auto& [key, count] : counts) stats_->set(key, count);
  }
  static std::string item_count_key(feed_format format) {
    return fmt::format("feedexport/item_count/{}", format_name(format));
  }

  void flush_all() {
    for (auto& feed : feeds_)
      if (!feed.failed && feed.writer->has_unflushed()) write_or_stop(feed, [&] { feed.writer->flush(); });
  }

  void schedule_flush() {
    flush_scheduled_ = true;
    flush_timer_->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(flush_interval_));
    flush_timer_->async_wait([this](boost::system::error_code ec) {
      if (ec) return;  // cancelled by close(), which writes everything itself
      flush_scheduled_ = false;
      flush_all();
    });
  }

  std::vector<feed> feeds_;
  std::vector<feed_options> deferred_;  // with a JOBDIR or SCHEDULER=redis, until resume()
  std::map<std::string, std::int64_t> earlier_counts_;  // item counts of earlier runs of a JOBDIR
  stats_collector* stats_ = nullptr;
  std::chrono::duration<double> flush_interval_{1.0};
  std::optional<boost::asio::steady_timer> flush_timer_;
  bool flush_scheduled_ = false;
};

}  // namespace

// After user pipelines (Scrapy's conventional range is 0-1000): items are exported as they leave
// the last of them, as Scrapy's feed exporter sees them on item_scraped.
ORBWEAVER_BUILTIN_PIPELINE(feed_export_pipeline, "feed_export", 1100);

}  // namespace orbweaver::pipelines
