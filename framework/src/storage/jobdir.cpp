#include "storage/jobdir.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

namespace orbweaver::storage {
namespace {

namespace json = boost::json;

// "orbw" in job.sqlite's header: a file of ours, whatever its version.
constexpr int application_id = 0x6f726277;

std::string read_all(int fd) {
  std::string text;
  char buf[64];
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(text.size()))) > 0) text.append(buf, static_cast<std::size_t>(n));
  return text;
}

std::string job_value(database& db, const char* key) {
  auto find = db.prepare("SELECT value FROM job WHERE key = ?1");
  find.bind_text(1, key);
  std::string value;
  if (find.step()) value = std::string(find.column_blob(0));
  find.reset();
  return value;
}

json::object json_object_of(const std::string& text, const char* key, const std::string& file) {
  if (text.empty()) return {};
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) throw storage_error(fmt::format("'{}': the job's {} is not a JSON object", file, key));
  return std::move(v.as_object());
}

}  // namespace

jobdir::jobdir(const std::filesystem::path& dir, std::string_view spider_name) : dir_(dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw storage_error(fmt::format("cannot create JOBDIR '{}': {}", dir_.string(), ec.message()));
  lock();
  try {
    check_format(spider_name);
    std::filesystem::remove_all(spill_directory(), ec);
    if (ec)
      throw storage_error(fmt::format("cannot empty the spill folder '{}': {}", spill_directory().string(), ec.message()));
  } catch (...) {
    ::close(lock_fd_);
    throw;
  }
}

jobdir::~jobdir() {
  writer_.reset();
  reader_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void jobdir::lock() {
  auto file = dir_ / "lock";
  lock_fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0)
    throw storage_error(fmt::format("cannot use JOBDIR '{}': cannot create its lock file: {}", dir_.string(),
                                    std::strerror(errno)));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    std::string holder = read_all(lock_fd_);
    ::close(lock_fd_);
    if (error == EWOULDBLOCK)
      throw storage_error(fmt::format(
          "JOBDIR '{}' is in use by another crawl{}; a JOBDIR serves one crawl at a time: wait for that one to end "
          "or give another directory",
          dir_.string(), holder.empty() ? "" : fmt::format(" (process {})", holder)));
    throw storage_error(fmt::format("cannot lock JOBDIR '{}': {}", dir_.string(), std::strerror(error)));
  }
  auto pid = std::to_string(::getpid());
  if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    int error = errno;
    ::close(lock_fd_);
    throw storage_error(fmt::format("cannot write JOBDIR '{}': {}", dir_.string(), std::strerror(error)));
  }
}

void jobdir::check_format(std::string_view spider_name) {
  auto file = database_file();
  reader_ = std::make_unique<database>(file, durability::power_loss);
  auto pragma = [&](const char* sql) {
    auto s = reader_->prepare(sql);
    s.step();
    auto v = s.column_int(0);
    s.reset();
    return v;
  };
  auto version = pragma("PRAGMA user_version");
  auto id = pragma("PRAGMA application_id");
  auto tables = pragma("SELECT count(*) FROM sqlite_master");
  if (tables > 0 && id != application_id)
    throw storage_error(fmt::format("JOBDIR '{}': '{}' is not an orbweaver job file", dir_.string(), file.string()));
  if (tables > 0 && version != format_version)
    throw storage_error(fmt::format(
        "JOBDIR '{}' was written by an incompatible version of orbweaver (job format {}; this version reads format "
        "{}): finish that crawl with the version that started it, or start afresh in another directory",
        dir_.string(), version, format_version));

  writer_ = std::make_shared<write_queue>(file, durability::power_loss, [&](database& db) {
    transaction tx(db);
    db.exec("CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, batches_done INTEGER NOT NULL DEFAULT 0, "
            "record BLOB NOT NULL)");
    db.exec("CREATE TABLE IF NOT EXISTS seen (fp BLOB PRIMARY KEY) WITHOUT ROWID");
    db.exec("CREATE TABLE IF NOT EXISTS job (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    db.exec(fmt::format("PRAGMA application_id = {}", application_id).c_str());
    db.exec(fmt::format("PRAGMA user_version = {}", format_version).c_str());
    auto spider = db.prepare("INSERT OR IGNORE INTO job (key, value) VALUES ('spider', ?1)");
    spider.bind_text(1, spider_name).run();
    tx.commit();
  });

  std::string owner = job_value(*reader_, "spider");
  if (owner != spider_name)
    throw storage_error(fmt::format("JOBDIR '{}' belongs to a crawl of spider '{}', not '{}'", dir_.string(), owner,
                                    spider_name));
  auto checkpoints = job_value(*reader_, "checkpoints");
  checkpoints_ = checkpoints.empty() ? 0 : std::stoull(checkpoints);
  start_requests_issued_ = job_value(*reader_, "start_requests_issued") == "1";
  stats_ = json_object_of(job_value(*reader_, "stats"), "stats", file.string());
  spider_state_ = json_object_of(job_value(*reader_, "spider_state"), "spider state", file.string());
  sinks_ = json_object_of(job_value(*reader_, "sinks"), "sink positions", file.string());
  pending_at_open_ = static_cast<std::uint64_t>(pragma("SELECT count(*) FROM requests"));
  next_id_ = static_cast<std::uint64_t>(pragma("SELECT COALESCE(MAX(id), 0) FROM requests")) + 1;
  auto last_id = job_value(*reader_, "last_id");
  if (!last_id.empty()) next_id_ = std::max<std::uint64_t>(next_id_, std::stoull(last_id) + 1);
}

std::vector<pending_request> jobdir::read_pending(std::uint64_t after, std::size_t n) {
  auto select = reader_->prepare("SELECT id, batches_done, record FROM requests WHERE id > ?1 ORDER BY id LIMIT ?2");
  select.bind(1, static_cast<std::int64_t>(after)).bind(2, static_cast<std::int64_t>(n));
  std::vector<pending_request> rows;
  while (select.step())
    rows.push_back({static_cast<std::uint64_t>(select.column_int(0)), static_cast<std::uint64_t>(select.column_int(1)),
                    std::string(select.column_blob(2))});
  select.reset();
  return rows;
}

std::uint64_t jobdir::commit(checkpoint_delta delta) {
  auto d = std::make_shared<checkpoint_delta>(std::move(delta));
  auto number = ++checkpoints_;
  auto last_id = next_id_ - 1;
  return writer_->submit([d, number, last_id](database& db) {
    // A request admitted and done within one checkpoint is never written.
    std::unordered_set<std::uint64_t> done(d->done.begin(), d->done.end());
    std::unordered_set<std::uint64_t> added_and_done;
    auto insert = db.prepare("INSERT INTO requests (id, record) VALUES (?1, ?2)");
    for (const auto& [id, record] : d->added) {
      if (done.contains(id)) {
        added_and_done.insert(id);
        continue;
      }
      insert.bind(1, static_cast<std::int64_t>(id)).bind_blob(2, record.data(), record.size()).run();
    }
    auto progress = db.prepare("UPDATE requests SET batches_done = ?2 WHERE id = ?1");
    for (const auto& [id, batches] : d->progress)
      if (!done.contains(id)) progress.bind(1, static_cast<std::int64_t>(id)).bind(2, static_cast<std::int64_t>(batches)).run();
    auto remove = db.prepare("DELETE FROM requests WHERE id = ?1");
    for (auto id : d->done)
      if (!added_and_done.contains(id)) remove.bind(1, static_cast<std::int64_t>(id)).run();
    if (d->fingerprints) {
      auto seen = db.prepare("INSERT OR IGNORE INTO seen (fp) VALUES (?1)");
      for (const auto& f : *d->fingerprints) seen.bind_blob(1, f.data(), f.size()).run();
    }
    auto set = db.prepare("INSERT OR REPLACE INTO job (key, value) VALUES (?1, ?2)");
    auto put = [&](const char* key, const std::string& value) { set.bind_text(1, key).bind_text(2, value).run(); };
    put("stats", json::serialize(d->stats));
    put("spider_state", json::serialize(d->spider_state));
    put("sinks", json::serialize(d->sinks));
    put("start_requests_issued", d->start_requests_issued ? "1" : "0");
    put("checkpoints", std::to_string(number));
    put("last_id", std::to_string(last_id));
  });
}

}  // namespace orbweaver::storage
