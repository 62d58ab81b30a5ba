#include "storage/sqlite.hpp"

#include <fmt/format.h>

namespace orbweaver::storage {

database::database(const std::filesystem::path& file, durability d, int cache_kib, int page_size)
    : file_(file.string()) {
  int rc = sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw storage_error(fmt::format("cannot open '{}': {}", file_, why));
  }
  try {
    sqlite3_busy_timeout(db_, 10000);
    exec(fmt::format("PRAGMA page_size={}", page_size).c_str());  // before WAL mode creates the file
    exec("PRAGMA journal_mode=WAL");
    exec(d == durability::power_loss ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=OFF");
    exec(fmt::format("PRAGMA cache_size=-{}", cache_kib).c_str());
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

database::~database() { sqlite3_close(db_); }

void database::fail(std::string_view what) const {
  throw storage_error(fmt::format("'{}': {}: {}", file_, what, sqlite3_errmsg(db_)));
}

void database::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
}

statement database::prepare(const char* sql) { return statement(*this, sql); }

statement::statement(database& db, const char* sql) : db_(&db) {
  if (sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
    db.fail(fmt::format("cannot prepare '{}'", sql));
}

bool statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string sql = sqlite3_sql(stmt_);
  sqlite3_reset(stmt_);
  db_->fail(sql);
}

}  // namespace orbweaver::storage
