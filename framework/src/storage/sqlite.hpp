#pragma once
// A thin RAII layer over SQLite for the crawl's own storage (duplicate filter, request store):
// one connection per thread, WAL mode, failures thrown as storage_error naming the file.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace orbweaver::storage {

// A failure of the crawl's storage (disk full, unwritable directory, a file that is not ours).
struct storage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class statement;

// What a commit survives. In WAL mode both keep the file whole (a torn last transaction is
// discarded on the next open); they differ in fsync, the cost that dominates on a slow disk.
enum class durability {
  process_crash,  // synchronous=OFF: survives kill -9, not power loss (no fsync; a crawl's scratch files)
  power_loss,     // synchronous=NORMAL: fsync at each checkpoint; power loss may undo the last commits (JOBDIR)
};

class database {
 public:
  // Opens (creating it when missing) in WAL mode with the page cache capped at cache_kib;
  // page_size applies to a file being created.
  explicit database(const std::filesystem::path& file, durability d = durability::process_crash,
                    int cache_kib = 8192, int page_size = 4096);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  void exec(const char* sql);
  statement prepare(const char* sql);
  const std::string& file() const { return file_; }
  [[noreturn]] void fail(std::string_view what) const;
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string file_;
};

// A prepared statement; step() returns true while there is a row.
class statement {
 public:
  statement(database& db, const char* sql);
  ~statement() { sqlite3_finalize(stmt_); }
  statement(statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  // The bytes must stay alive until the statement is reset.
  statement& bind_blob(int index, const void* data, std::size_t size) {
    sqlite3_bind_blob(stmt_, index, data, static_cast<int>(size), SQLITE_STATIC);
    return *this;
  }
  statement& bind_text(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
  }
  bool step();
  // step() to the end of a statement that returns no rows, then reset().
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  std::string_view column_blob(int i) const {
    const void* p = sqlite3_column_blob(stmt_, i);
    return {static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
  }

 private:
  database* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back when destroyed without commit().
class transaction {
 public:
  explicit transaction(database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~transaction() {
    if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit() {
    db_.exec("COMMIT");
    open_ = false;
  }

 private:
  database& db_;
  bool open_ = true;
};

}  // namespace orbweaver::storage
