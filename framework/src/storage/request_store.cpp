#include "storage/request_store.hpp"

#include <fmt/format.h>
#include <zlib.h>

namespace orbweaver::storage {
namespace {

std::int64_t checksum(std::string_view bytes) {
  return static_cast<std::int64_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

}  // namespace

request_store::request_store(const std::filesystem::path& dir, durability d) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw storage_error(fmt::format("cannot create '{}': {}", dir.string(), ec.message()));
  auto file = dir / "requests.sqlite";
  writer_ = std::make_unique<write_queue>(
      file, d,
      [](database& db) {
        db.exec("CREATE TABLE IF NOT EXISTS fifos (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)");
        db.exec(
            "CREATE TABLE IF NOT EXISTS records (fifo INTEGER, seq INTEGER, crc INTEGER, data BLOB,"
            " PRIMARY KEY (fifo, seq)) WITHOUT ROWID");
      },
      64);
  reader_ = std::make_unique<database>(file, d, 2048);  // point lookups only: a small cache
  read_.emplace(reader_->prepare("SELECT seq, crc, data FROM records WHERE fifo = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3"));
  auto known = reader_->prepare(
      "SELECT f.id, f.key, min(r.seq), max(r.seq), count(r.seq) FROM fifos f LEFT JOIN records r ON r.fifo = f.id"
      " GROUP BY f.id");
  while (known.step()) {
    fifo f{known.column_int(0)};
    if (known.column_int(4) > 0) {
      f.head = known.column_int(2);
      f.tail = known.column_int(3) + 1;
      total_ += static_cast<std::size_t>(known.column_int(4));
    }
    next_id_ = std::max(next_id_, f.id + 1);
    fifos_.emplace(std::string(known.column_blob(1)), f);
  }
}

request_store::~request_store() = default;  // the writer commits its queue when destroyed

request_store::fifo& request_store::fifo_for(std::string_view key) {
  auto it = fifos_.find(std::string(key));
  if (it != fifos_.end()) return it->second;
  fifo f{next_id_++};
  writer_->submit([id = f.id, name = std::string(key)](database& db) {
    db.prepare("INSERT INTO fifos (id, key) VALUES (?1, ?2)").bind(1, id).bind_text(2, name).run();
  });
  return fifos_.emplace(std::string(key), f).first->second;
}

void request_store::append(std::string_view key, std::vector<std::string> records) {
  if (records.empty()) return;
  auto& f = fifo_for(key);
  auto first = f.tail;
  f.tail += static_cast<std::int64_t>(records.size());
  total_ += records.size();
  f.last_write = writer_->submit([id = f.id, first, records = std::move(records)](database& db) {
    auto insert = db.prepare("INSERT INTO records (fifo, seq, crc, data) VALUES (?1, ?2, ?3, ?4)");
    auto seq = first;
    for (const auto& r : records)
      insert.bind(1, id).bind(2, seq++).bind(3, checksum(r)).bind_blob(4, r.data(), r.size()).run();
  });
}

std::vector<std::string> request_store::take(std::string_view key, std::size_t n) {
  std::vector<std::string> out;
  auto it = fifos_.find(std::string(key));
  if (it == fifos_.end() || n == 0) return out;
  auto& f = it->second;
  n = std::min<std::size_t>(n, static_cast<std::size_t>(f.tail - f.head));
  if (n == 0) return out;
  writer_->wait(f.last_write);
  out.reserve(n);
  read_->bind(1, f.id).bind(2, f.head).bind(3, static_cast<std::int64_t>(n));
  while (read_->step()) {
    auto seq = read_->column_int(0);
    auto data = read_->column_blob(2);
    if (seq != f.head + static_cast<std::int64_t>(out.size()) || checksum(data) != read_->column_int(1)) {
      read_->reset();
      throw storage_error(fmt::format("'{}': record {} of '{}' is damaged (checksum or sequence)", reader_->file(),
                                      seq, key));
    }
    out.emplace_back(data);
  }
  read_->reset();
  if (out.size() != n)
    throw storage_error(fmt::format("'{}': records {} to {} of '{}' are missing", reader_->file(),
                                    f.head + static_cast<std::int64_t>(out.size()), f.head + static_cast<std::int64_t>(n) - 1,
                                    key));
  f.head += static_cast<std::int64_t>(n);
  total_ -= n;
  writer_->submit([id = f.id, head = f.head](database& db) {
    db.prepare("DELETE FROM records WHERE fifo = ?1 AND seq < ?2").bind(1, id).bind(2, head).run();
  });
  return out;
}

std::size_t request_store::size(std::string_view key) const {
  auto it = fifos_.find(std::string(key));
  return it == fifos_.end() ? 0 : static_cast<std::size_t>(it->second.tail - it->second.head);
}

std::vector<std::string> request_store::keys() const {
  std::vector<std::string> out;
  for (const auto& [key, f] : fifos_)
    if (f.tail > f.head) out.push_back(key);
  return out;
}

void request_store::flush() { writer_->flush(); }

}  // namespace orbweaver::storage
