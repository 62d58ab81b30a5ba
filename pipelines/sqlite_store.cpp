#include "sqlite_store.hpp"
#include "engine/builtin_components.hpp"
#include "engine/checkpointed_sink.hpp"
#include "core/redact.hpp"
#include "html/charset.hpp"

#include "item_json.hpp"
#include "postgres_store.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/pipeline.hpp>

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

namespace orbweaver::pipelines {

std::string sqlite_path_from_uri(std::string_view uri) {
  constexpr std::string_view scheme = "sqlite:";
  if (!uri.starts_with(scheme))
    throw std::runtime_error(fmt::format(
        "STORE_URI '{}' is not supported: expected sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE",
        redact_password(uri)));
  std::string_view path = uri.substr(scheme.size());
  if (path.starts_with("//")) {
    // sqlite:///abs/path, as in a file URL; a host part (sqlite://host/...) means nothing here.
    path.remove_prefix(2);
    if (!path.starts_with('/'))
      throw std::runtime_error(
          fmt::format("STORE_URI '{}': write sqlite:relative/path or sqlite:///absolute/path", uri));
  }
  if (path.empty()) throw std::runtime_error(fmt::format("STORE_URI '{}' names no database file", uri));
  return std::string(path);
}

sqlite_item_store::sqlite_item_store(const std::string& path, std::int64_t batch_size)
    : path_(path), batch_size_(batch_size) {
  if (batch_size_ < 1)
    throw std::runtime_error(fmt::format("SQLITE_BATCH_SIZE must be at least 1, not {}", batch_size_));
  std::error_code ec;
  auto directory = std::filesystem::path(path_).parent_path();
  if (!directory.empty() && !std::filesystem::create_directories(directory, ec) && ec)
    throw std::runtime_error(
        fmt::format("cannot create directory '{}' for SQLite store '{}': {}", directory.string(), path_, ec.message()));

  // One thread (the reactor) uses the connection, so SQLite's own locking is not needed.
  int rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  try {
    if (rc != SQLITE_OK) fail("cannot open");
    // Other processes may read the store during a crawl: wait for their locks rather than fail.
    sqlite3_busy_timeout(db_, 5000);
    execute("PRAGMA journal_mode=WAL");
    execute("PRAGMA synchronous=NORMAL");
    execute(
        "CREATE TABLE IF NOT EXISTS items ("
        "id INTEGER PRIMARY KEY, spider TEXT NOT NULL, scraped_at TEXT NOT NULL, data TEXT NOT NULL)");
    if (sqlite3_prepare_v3(db_, "INSERT INTO items (spider, scraped_at, data) VALUES (?1, ?2, ?3)", -1,
                           SQLITE_PREPARE_PERSISTENT, &insert_, nullptr) != SQLITE_OK)
      fail("cannot prepare the insert (is 'items' a table of another schema?)");
    sqlite3_stmt* largest = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT COALESCE(MAX(id), 0) FROM items", -1, &largest, nullptr) != SQLITE_OK)
      fail("cannot read the items table");
    if (sqlite3_step(largest) == SQLITE_ROW) last_id_ = sqlite3_column_int64(largest, 0);
    sqlite3_finalize(largest);
  } catch (...) {
    sqlite3_close(db_);  // accepts null; the statement was not prepared
    throw;
  }
}

sqlite_item_store::~sqlite_item_store() {
  try {
    close();
  } catch (const std::exception& e) {
    log::error("store", "{}", e.what());
  }
}

void sqlite_item_store::fail(std::string_view what) {
  throw std::runtime_error(
      fmt::format("SQLite store '{}': {}: {}", path_, what, db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

void sqlite_item_store::execute(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
}

void sqlite_item_store::write(std::string_view spider, const item& it) {
  if (!db_) throw std::runtime_error(fmt::format("SQLite store '{}' is closed", path_));
  if (pending_ == 0) execute("BEGIN");
  std::string data;
  append_json(data, it);
  std::string valid_spider;  // SQLite takes text as UTF-8 without checking it
  if (!html::is_valid_utf8(spider)) {
    valid_spider = html::replace_invalid_utf8(spider);
    spider = valid_spider;
  }
  std::string scraped_at = utc_timestamp();
  // SQLITE_STATIC: the strings outlive the step below, and the bindings are cleared before they die.
  sqlite3_bind_text(insert_, 1, spider.data(), static_cast<int>(spider.size()), SQLITE_STATIC);
  sqlite3_bind_text(insert_, 2, scraped_at.data(), static_cast<int>(scraped_at.size()), SQLITE_STATIC);
  sqlite3_bind_text(insert_, 3, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
  int rc = sqlite3_step(insert_);
  if (rc == SQLITE_DONE) last_id_ = sqlite3_last_insert_rowid(db_);
  sqlite3_reset(insert_);
  sqlite3_clear_bindings(insert_);
  ++pending_;
  if (rc != SQLITE_DONE) {
    // A failed statement may have rolled the transaction back already; make sure it is.
    std::int64_t lost = pending_;
    pending_ = 0;
    items_failed_ += static_cast<std::uint64_t>(lost);
    std::string message = fmt::format("insert failed ({} items of this batch lost): {}", lost, sqlite3_errmsg(db_));
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw std::runtime_error(fmt::format("SQLite store '{}': {}", path_, message));
  }
  if (pending_ >= batch_size_) commit();
}

void sqlite_item_store::commit() {
  if (pending_ == 0) return;
  std::int64_t batch = pending_;
  pending_ = 0;
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    items_failed_ += static_cast<std::uint64_t>(batch);
    std::string message = fmt::format("commit failed ({} items lost): {}", batch, sqlite3_errmsg(db_));
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw std::runtime_error(fmt::format("SQLite store '{}': {}", path_, message));
  }
  items_written_ += static_cast<std::uint64_t>(batch);
}

std::int64_t sqlite_item_store::commit_durably() {
  if (!db_) throw std::runtime_error(fmt::format("SQLite store '{}' is closed", path_));
  if (!synced_commits_) {
    if (pending_ > 0) commit();  // PRAGMA synchronous cannot change inside a transaction
    execute("PRAGMA synchronous=FULL");
    synced_commits_ = true;
  }
  commit();
  return last_id_;
}

std::int64_t sqlite_item_store::cut_after(std::int64_t last_id, std::string_view spider) {
  commit();
  sqlite3_stmt* cut = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM items WHERE id > ?1 AND spider = ?2", -1, &cut, nullptr) != SQLITE_OK)
    fail("cannot prepare the cut");
  sqlite3_bind_int64(cut, 1, last_id);
  sqlite3_bind_text(cut, 2, spider.data(), static_cast<int>(spider.size()), SQLITE_STATIC);
  int rc = sqlite3_step(cut);
  sqlite3_finalize(cut);
  if (rc != SQLITE_DONE) fail("cannot delete the items after the last checkpoint");
  last_id_ = last_id;
  return sqlite3_changes(db_);
}

void sqlite_item_store::close() {
  if (!db_) return;
  // Close the database even when the last commit fails, then report the failure.
  struct closer {
    sqlite_item_store& store;
    ~closer() {
      sqlite3_finalize(store.insert_);
      sqlite3_close(store.db_);
      store.insert_ = nullptr;
      store.db_ = nullptr;
    }
  } closing{*this};
  commit();
}

namespace {

class sqlite_store_pipeline : public item_pipeline, public checkpointed_sink {
 public:
  bool open(crawler& c) override {
    const auto& uri = c.config().get_string("STORE_URI");
    if (uri.empty() || is_postgres_uri(uri)) return false;  // the PostgreSQL store takes those
    stats_ = &c.stats();
    spider_name_ = c.target().name;
    earlier_written_ = stats_->get("store/items_written");  // with a JOBDIR: the earlier runs'
    store_ = std::make_unique<sqlite_item_store>(sqlite_path_from_uri(uri), c.config().get_int("SQLITE_BATCH_SIZE"));
    return true;
  }

  void resume(const json::value* at) override {
    auto last_id = last_item_of(at);
    if (!last_id) return;
    if (auto cut = store_->cut_after(*last_id, spider_name_))
      log::info("store", "SQLite store '{}': removed {} items stored after the last checkpoint (JOBDIR or Redis commit; their "
                "requests are crawled again)", store_->path(), cut);
  }

  json::value checkpoint() override {
    auto last_id = store_->commit_durably();
    // Items lost to a failed write belong to requests this checkpoint would mark done.
    if (store_->items_failed() > 0)
      throw std::runtime_error(fmt::format("{} items could not be stored in '{}'", store_->items_failed(), store_->path()));
    report();  // before the JOBDIR records the stats
    return last_item_position(last_id);
  }

  boost::asio::awaitable<void> process_item(item& it, spider& s) override {
    try {
      store_->write(s.name, it);
    } catch (const std::exception& e) {
      log::error("store", "{}", e.what());
    }
    report();
    co_return;
  }

  boost::asio::awaitable<void> close(spider&) override {
    try {
      store_->close();
    } catch (const std::exception& e) {
      log::error("store", "{}", e.what());
    }
    report();
    log::info("store", "Stored {} items in SQLite store: {}", store_->items_written(), store_->path());
    co_return;
  }

 private:
  void report() {
    stats_->set("store/items_written", earlier_written_ + static_cast<std::int64_t>(store_->items_written()));
    if (store_->items_failed()) stats_->set("store/items_failed", store_->items_failed());
  }

  std::unique_ptr<sqlite_item_store> store_;
  stats_collector* stats_ = nullptr;
  std::string spider_name_;
  std::int64_t earlier_written_ = 0;
};

}  // namespace

// After the feed exports and every user pipeline.
ORBWEAVER_BUILTIN_PIPELINE(sqlite_store_pipeline, "sqlite_store", 1200);

}  // namespace orbweaver::pipelines
