#pragma once
// The embedded item store: STORE_URI "sqlite:PATH" keeps every item in one SQLite table,
//
//   items(id INTEGER PRIMARY KEY, spider TEXT, scraped_at TEXT, data TEXT)
//
// with `data` the item as JSON, so it is queried with json_extract:
//   SELECT json_extract(data, '$.title') FROM items WHERE spider = 'books';
// WAL mode lets readers query while a crawl writes; inserts go through one prepared statement in
// transactions of SQLITE_BATCH_SIZE items, and the last batch is committed when the spider closes.
#include <orbweaver/item.hpp>

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace orbweaver::pipelines {

// The database path of a STORE_URI: "sqlite:items.db" -> "items.db",
// "sqlite:///var/data/items.db" -> "/var/data/items.db". Throws std::runtime_error otherwise.
std::string sqlite_path_from_uri(std::string_view uri);

class sqlite_item_store {
 public:
  // Opens or creates the database and its table (creating missing parent directories).
  // Throws std::runtime_error saying what failed.
  sqlite_item_store(const std::string& path, std::int64_t batch_size);
  ~sqlite_item_store();  // commits what is pending, without throwing
  sqlite_item_store(const sqlite_item_store&) = delete;
  sqlite_item_store& operator=(const sqlite_item_store&) = delete;

  // Inserts in the open transaction, committing when the batch is full. On failure the items of
  // the batch are rolled back (counted in items_failed()) and std::runtime_error is thrown.
  void write(std::string_view spider, const item& it);
  // Commits the pending batch; then closes the database.
  void close();
  // For a JOBDIR's checkpoints: commits the pending batch and syncs it to disk (synchronous=FULL
  // from now on), and returns the id of the last item stored.
  std::int64_t commit_durably();
  // Deletes `spider`'s items stored after item `last_id` (written after the JOBDIR's last
  // checkpoint) and returns how many.
  std::int64_t cut_after(std::int64_t last_id, std::string_view spider);

  const std::string& path() const { return path_; }
  std::uint64_t items_written() const { return items_written_; }  // committed
  std::uint64_t items_failed() const { return items_failed_; }

 private:
  void execute(const char* sql);
  void commit();
  [[noreturn]] void fail(std::string_view what);

  std::string path_;
  std::int64_t batch_size_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::int64_t pending_ = 0;  // inserted in the open transaction
  std::uint64_t items_written_ = 0;
  std::uint64_t items_failed_ = 0;
  std::int64_t last_id_ = 0;  // of the last item inserted: the table's largest id at the start
  bool synced_commits_ = false;
};

}  // namespace orbweaver::pipelines
