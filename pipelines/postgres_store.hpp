#pragma once
// The PostgreSQL item store: STORE_URI "postgresql://user:password@host:port/dbname" (or
// postgres://, with libpq's query parameters such as ?sslmode=require) keeps every item in
//
//   items(id BIGSERIAL PRIMARY KEY, spider TEXT, scraped_at TIMESTAMPTZ, data JSONB)
//
// queried with JSONB's operators: SELECT data->>'title' FROM items WHERE spider = 'books';
//
// The reactor never waits for the server: write() hands the item to a writer thread through a
// bounded queue, and the writer COPYs batches of POSTGRES_BATCH_SIZE items, or what has waited a
// second. Each batch is one transaction that also records (writer, batch number) in
// orbweaver_batches, so after a connection lost during COMMIT the writer reconnects and reads there
// whether the batch committed: no item is lost or stored twice.
#include <orbweaver/item.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

typedef struct pg_conn PGconn;

namespace orbweaver::pipelines {

// True for the schemes libpq takes: postgresql:// and postgres://.
bool is_postgres_uri(std::string_view uri);

// What a STORE_URI names, read by libpq's own parser without connecting. Empty fields are left to
// libpq's defaults (the local socket, port 5432, the user's login name).
struct postgres_target {
  std::string host, port, database, user;
  // "database 'items' on 127.0.0.1:5432 as user 'crawler'": never the password.
  std::string describe() const;
};
// Throws std::runtime_error (with the password redacted) when libpq cannot parse the URI.
postgres_target parse_postgres_uri(std::string_view uri);

// COPY's text format: backslash, tab, newline and carriage return escaped, NUL (which TEXT cannot
// hold) dropped.
void append_copy_field(std::string& out, std::string_view field);
// JSONB refuses the escape \u0000 that JSON allows: it becomes \ufffd (U+FFFD) in `json`.
void replace_json_nul_escapes(std::string& json);

class postgres_item_store {
 public:
  struct options {
    std::size_t batch_size = 500;
    // How long a lost connection is retried before the store gives up (its items then fail).
    std::chrono::milliseconds retry_timeout{60'000};
    std::chrono::milliseconds batch_interval{1'000};  // the longest an item waits for its batch
  };

  // Connects and creates the tables if missing; throws std::runtime_error naming the database,
  // host and user (never the password) when it cannot.
  postgres_item_store(const std::string& uri, options opts);
  ~postgres_item_store();  // close(), without throwing
  postgres_item_store(const postgres_item_store&) = delete;
  postgres_item_store& operator=(const postgres_item_store&) = delete;

  // True while the writer holds a whole queue (four batches): the caller waits before write().
  bool full() const;
  // Hands the item to the writer and returns. After the store gave up, the item is counted failed.
  void write(std::string_view spider, const item& it);
  // Blocks until every item handed over is committed, and returns the id of the last one stored
  // (the table's largest id at the start before any). Throws std::runtime_error when items failed.
  std::int64_t commit_all();
  // Before any write (a JOBDIR's resume): deletes `spider`'s items with ids above `last_id` and
  // returns how many.
  std::int64_t cut_after(std::int64_t last_id, std::string_view spider);
  // Commits what is queued (retrying a lost connection up to retry_timeout), stops the writer and
  // disconnects.
  void close();

  const postgres_target& target() const { return target_; }
  std::uint64_t items_written() const { return items_written_; }  // committed
  std::uint64_t items_failed() const { return items_failed_; }
  std::uint64_t reconnects() const { return reconnects_; }
  bool gave_up() const { return gave_up_; }

 private:
  struct queued_item {
    std::string row;  // one line of COPY text
    std::chrono::steady_clock::time_point since;
  };
  enum class outcome { committed, connection_lost, failed };

  void run();
  void store(const std::vector<queued_item>& batch);
  outcome send(const std::vector<queued_item>& batch, std::uint64_t number, std::int64_t& last_id);
  std::string error_text() const;
  [[noreturn]] void fail(std::string_view what) const;

  postgres_target target_;
  options options_;
  std::string writer_id_;  // this store's key in orbweaver_batches
  PGconn* conn_ = nullptr;
  std::string last_error_;  // of the last failed batch (writer thread)

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<queued_item> waiting_;
  std::uint64_t handed_over_ = 0;  // items given to write()
  std::uint64_t settled_ = 0;      // of those, committed or failed
  bool busy_ = false;              // the writer is sending a batch
  int flushing_ = 0;               // commit_all() calls waiting
  bool stopping_ = false;
  std::int64_t last_id_ = 0;
  std::uint64_t batches_ = 0;

  std::atomic<std::uint64_t> items_written_{0};
  std::atomic<std::uint64_t> items_failed_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<bool> gave_up_{false};
  std::thread writer_;
};

}  // namespace orbweaver::pipelines
