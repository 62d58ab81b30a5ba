#include "postgres_store.hpp"
#include "engine/builtin_components.hpp"
#include "engine/checkpointed_sink.hpp"
#include "core/redact.hpp"
#include "html/charset.hpp"

#include "item_json.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/pipeline.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <random>
#include <stdexcept>

namespace orbweaver::pipelines {
namespace {

using std::chrono::steady_clock;
using namespace std::chrono_literals;

using result_ptr = std::unique_ptr<PGresult, decltype(&PQclear)>;

result_ptr exec(PGconn* conn, const char* sql) { return {PQexec(conn, sql), &PQclear}; }

result_ptr exec(PGconn* conn, const char* sql, std::initializer_list<std::string_view> params) {
  std::vector<std::string> texts(params.begin(), params.end());  // libpq wants NUL-terminated text
  std::vector<const char*> values;
  for (const auto& t : texts) values.push_back(t.c_str());
  return {PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
          &PQclear};
}

bool has_status(const result_ptr& r, ExecStatusType expected) { return r && PQresultStatus(r.get()) == expected; }

// The server ended the session (restart, pg_terminate_backend) or the network failed: SQLSTATE
// classes 08 (connection exception) and 57P (operator intervention: admin or crash shutdown).
bool connection_error(PGconn* conn, const result_ptr& r) {
  if (PQstatus(conn) != CONNECTION_OK) return true;
  const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state ? state : "";
  return code.starts_with("08") || code.starts_with("57P");
}

std::string random_writer_id() {
  std::random_device device;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", device(), device(), device(), device());
}

// libpq's messages span lines ("...failed: Connection refused\n\tIs the server running..."): one
// line for the log.
std::string one_line(std::string_view message) {
  std::string line;
  for (char c : message) {
    bool space = c == '\n' || c == '\t' || c == ' ';
    if (!space) line += c;
    else if (!line.empty() && line.back() != ' ') line += ' ';
  }
  if (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

double seconds(steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

bool is_postgres_uri(std::string_view uri) {
  return uri.starts_with("postgresql://") || uri.starts_with("postgres://");
}

std::string postgres_target::describe() const {
  return fmt::format("database '{}' on {}{}{} as user '{}'", database.empty() ? user : database,
                     host.empty() ? "the local socket" : host, port.empty() ? "" : ":", port,
                     user.empty() ? "(your login name)" : user);
}

postgres_target parse_postgres_uri(std::string_view uri) {
  if (!is_postgres_uri(uri))
    throw std::runtime_error(
        fmt::format("STORE_URI '{}' is not a PostgreSQL URI (postgresql://...)", redact_password(uri)));
  char* error = nullptr;
  std::string text(uri);
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  if (!options) {
    std::string why = error ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    // libpq quotes the whole URI in some messages: the password must not show.
    const auto redacted = redact_password(text);
    for (auto pos = why.find(text); pos != std::string::npos; pos = why.find(text, pos + redacted.size()))
      why.replace(pos, text.size(), redacted);
    throw std::runtime_error(fmt::format("STORE_URI '{}': {}", redact_password(uri), why));
  }
  postgres_target target;
  for (auto* o = options; o->keyword; ++o) {
    std::string_view keyword = o->keyword;
    std::string value = o->val ? o->val : "";
    if (keyword == "host") target.host = value;
    else if (keyword == "port") target.port = value;
    else if (keyword == "dbname") target.database = value;
    else if (keyword == "user") target.user = value;
  }
  PQconninfoFree(options);
  return target;
}

void append_copy_field(std::string& out, std::string_view field) {
  for (char c : field) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\0': break;
      default: out += c;
    }
  }
}

void replace_json_nul_escapes(std::string& json) {
  for (std::size_t i = 0; i + 1 < json.size(); ++i) {
    if (json[i] != '\\') continue;
    if (json.compare(i + 1, 5, "u0000") == 0) json.replace(i + 2, 4, "fffd");
    ++i;  // past the escaped character, so "\\u0000" (a backslash, then text) stays
  }
}

postgres_item_store::postgres_item_store(const std::string& uri, options opts)
    : target_(parse_postgres_uri(uri)), options_(opts), writer_id_(random_writer_id()) {
  if (options_.batch_size < 1) throw std::runtime_error("POSTGRES_BATCH_SIZE must be at least 1");
  // The URI's own settings win over the defaults before it; client_encoding after it: items are UTF-8.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {"10", "orbweaver", uri.c_str(), "UTF8", nullptr};
  conn_ = PQconnectdbParams(keywords, values, 1);
  try {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) fail("cannot connect");
    // Notices ("relation already exists, skipping") would go to standard error.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    auto created = exec(conn_,
                        "CREATE TABLE IF NOT EXISTS items (id BIGSERIAL PRIMARY KEY, spider TEXT NOT NULL, "
                        "scraped_at TIMESTAMPTZ NOT NULL, data JSONB NOT NULL);"
                        "CREATE TABLE IF NOT EXISTS orbweaver_batches (writer TEXT PRIMARY KEY, batch BIGINT NOT NULL, "
                        "last_id BIGINT NOT NULL, committed_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    if (!has_status(created, PGRES_COMMAND_OK)) fail("cannot create the tables");
    auto columns = exec(conn_, "SELECT id, spider, scraped_at, data::jsonb FROM items WHERE false");
    if (!has_status(columns, PGRES_TUPLES_OK)) fail("'items' is a table of another schema");
    auto largest = exec(conn_, "SELECT COALESCE(MAX(id), 0) FROM items");
    if (!has_status(largest, PGRES_TUPLES_OK)) fail("cannot read the items table");
    last_id_ = std::stoll(PQgetvalue(largest.get(), 0, 0));
  } catch (...) {
    PQfinish(conn_);  // accepts null
    conn_ = nullptr;
    throw;
  }
  writer_ = std::thread([this] { run(); });
}

postgres_item_store::~postgres_item_store() { close(); }

std::string postgres_item_store::error_text() const { return one_line(conn_ ? PQerrorMessage(conn_) : "out of memory"); }

void postgres_item_store::fail(std::string_view what) const {
  throw std::runtime_error(fmt::format("PostgreSQL store ({}): {}: {}", target_.describe(), what, error_text()));
}

bool postgres_item_store::full() const {
  std::lock_guard lock(mutex_);
  return !gave_up_ && waiting_.size() >= 4 * options_.batch_size;
}

void postgres_item_store::write(std::string_view spider, const item& it) {
  std::string data;
  append_json(data, it);
  replace_json_nul_escapes(data);
  std::string row;
  row.reserve(data.size() + spider.size() + 32);
  if (html::is_valid_utf8(spider)) append_copy_field(row, spider);
  else append_copy_field(row, html::replace_invalid_utf8(spider));
  row += '\t';
  row += utc_timestamp();
  row += '\t';
  append_copy_field(row, data);
  row += '\n';

  std::lock_guard lock(mutex_);
  ++handed_over_;
  if (gave_up_) {
    ++settled_;
    ++items_failed_;
    return;
  }
  waiting_.push_back({std::move(row), steady_clock::now()});
  // The writer sleeps until the first item's deadline or a full batch.
  if (waiting_.size() == 1 || waiting_.size() == options_.batch_size) changed_.notify_all();
}

void postgres_item_store::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (waiting_.empty()) {
      if (stopping_) return;
      changed_.wait(lock);
      continue;
    }
    if (gave_up_) {
      items_failed_ += waiting_.size();
      settled_ += waiting_.size();
      waiting_.clear();
      changed_.notify_all();
      continue;
    }
    auto due = waiting_.front().since + options_.batch_interval;
    if (waiting_.size() < options_.batch_size && flushing_ == 0 && !stopping_ && steady_clock::now() < due) {
      changed_.wait_until(lock, due);
      continue;
    }
    auto count = std::min(waiting_.size(), options_.batch_size);
    std::vector<queued_item> batch(std::make_move_iterator(waiting_.begin()),
                                   std::make_move_iterator(waiting_.begin() + static_cast<std::ptrdiff_t>(count)));
    waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(count));
    busy_ = true;
    lock.unlock();
    store(batch);
    lock.lock();
    busy_ = false;
    settled_ += count;
    changed_.notify_all();
  }
}

void postgres_item_store::store(const std::vector<queued_item>& batch) {
  const auto number = ++batches_;
  std::optional<steady_clock::time_point> outage;  // since the connection was lost
  bool must_reconnect = false;
  bool uncertain = false;  // the connection was lost while this batch was sent: it may have committed
  auto backoff = 100ms;
  auto committed = [&](std::int64_t last_id) {
    std::lock_guard lock(mutex_);
    last_id_ = last_id;
    items_written_ += batch.size();
  };
  auto failed = [&] {
    items_failed_ += batch.size();
    log::error("store", "PostgreSQL store ({}): a batch of {} items failed: {}", target_.describe(), batch.size(),
               last_error_);
  };
  for (;;) {
    if (must_reconnect) {
      if (!outage) {
        outage = steady_clock::now();
        log::warning("store", "PostgreSQL store ({}): lost the connection ({}); reconnecting", target_.describe(),
                     last_error_);
      }
      PQreset(conn_);
      if (PQstatus(conn_) == CONNECTION_OK) {
        ++reconnects_;
        log::info("store", "PostgreSQL store ({}): reconnected after {:.1f} s", target_.describe(),
                  seconds(steady_clock::now() - *outage));
        must_reconnect = false;
        outage.reset();
        backoff = 100ms;
      } else if (steady_clock::now() - *outage >= options_.retry_timeout) {
        items_failed_ += batch.size();
        gave_up_ = true;
        log::error("store", "PostgreSQL store ({}): gave up reconnecting after {:.0f} s ({}); the items not yet "
                   "stored are lost", target_.describe(), seconds(steady_clock::now() - *outage), error_text());
        return;
      } else {
        std::this_thread::sleep_for(backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 5s);
        continue;
      }
    }
    if (uncertain) {
      auto answer = exec(conn_, "SELECT last_id FROM orbweaver_batches WHERE writer = $1 AND batch = $2",
                         {writer_id_, std::to_string(number)});
      if (!has_status(answer, PGRES_TUPLES_OK)) {
        last_error_ = error_text();
        if (!connection_error(conn_, answer)) return failed();
        must_reconnect = true;
        continue;
      }
      if (PQntuples(answer.get()) == 1) return committed(std::stoll(PQgetvalue(answer.get(), 0, 0)));
      uncertain = false;
    }
    std::int64_t last_id = 0;
    switch (send(batch, number, last_id)) {
      case outcome::committed: return committed(last_id);
      case outcome::failed: return failed();
      case outcome::connection_lost:
        must_reconnect = true;
        uncertain = true;
    }
  }
}

postgres_item_store::outcome postgres_item_store::send(const std::vector<queued_item>& batch, std::uint64_t number,
                                                       std::int64_t& last_id) {
  // Any failure: a lost connection is retried by the caller; otherwise the transaction is undone.
  auto failure = [&](const result_ptr& r) {
    last_error_ = r ? one_line(PQresultErrorMessage(r.get())) : "";
    if (last_error_.empty()) last_error_ = error_text();
    if (connection_error(conn_, r)) return outcome::connection_lost;
    exec(conn_, "ROLLBACK");
    return outcome::failed;
  };
  if (auto begun = exec(conn_, "BEGIN"); !has_status(begun, PGRES_COMMAND_OK)) return failure(begun);
  auto copy = exec(conn_, "COPY items (spider, scraped_at, data) FROM STDIN");
  if (!has_status(copy, PGRES_COPY_IN)) return failure(copy);
  std::string rows;
  for (const auto& queued : batch) rows += queued.row;
  bool sent = PQputCopyData(conn_, rows.data(), static_cast<int>(rows.size())) == 1;
  sent = PQputCopyEnd(conn_, sent ? nullptr : "the connection failed") == 1 && sent;
  // Every result of the COPY must be read before the next command, the first failure kept.
  result_ptr copied{nullptr, &PQclear};
  for (result_ptr r{PQgetResult(conn_), &PQclear}; r; r.reset(PQgetResult(conn_)))
    if (!copied || has_status(copied, PGRES_COMMAND_OK)) copied = std::move(r);
  if (!sent || !has_status(copied, PGRES_COMMAND_OK)) return failure(copied);
  // In the same transaction: this batch committed, and the last id it took (the sequence's value
  // in this session, which COPY advanced row by row).
  auto recorded = exec(conn_,
                       "INSERT INTO orbweaver_batches (writer, batch, last_id) "
                       "VALUES ($1, $2, currval(pg_get_serial_sequence('items', 'id'))) "
                       "ON CONFLICT (writer) DO UPDATE SET batch = EXCLUDED.batch, last_id = EXCLUDED.last_id, "
                       "committed_at = now() RETURNING last_id",
                       {writer_id_, std::to_string(number)});
  if (!has_status(recorded, PGRES_TUPLES_OK)) return failure(recorded);
  last_id = std::stoll(PQgetvalue(recorded.get(), 0, 0));
  if (auto done = exec(conn_, "COMMIT"); !has_status(done, PGRES_COMMAND_OK)) return failure(done);
  return outcome::committed;
}

std::int64_t postgres_item_store::commit_all() {
  std::unique_lock lock(mutex_);
  ++flushing_;
  changed_.notify_all();
  changed_.wait(lock, [&] { return settled_ == handed_over_; });
  --flushing_;
  if (items_failed_ > 0)
    throw std::runtime_error(
        fmt::format("PostgreSQL store ({}): {} items could not be stored", target_.describe(), items_failed_.load()));
  return last_id_;
}

std::int64_t postgres_item_store::cut_after(std::int64_t last_id, std::string_view spider) {
  {
    // The writer uses the connection only while it holds a batch; none can come while this runs
    // on the reactor, the only thread that writes.
    std::lock_guard lock(mutex_);
    if (!waiting_.empty() || busy_) throw std::logic_error("postgres_item_store::cut_after after a write");
  }
  auto cut = exec(conn_, "DELETE FROM items WHERE id > $1 AND spider = $2", {std::to_string(last_id), spider});
  if (!has_status(cut, PGRES_COMMAND_OK)) fail("cannot delete the items stored after the last checkpoint");
  std::lock_guard lock(mutex_);
  last_id_ = last_id;
  return std::stoll(PQcmdTuples(cut.get()));
}

void postgres_item_store::close() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  writer_.join();
  // Every batch is settled: the record of the last one is no longer needed.
  if (PQstatus(conn_) == CONNECTION_OK) exec(conn_, "DELETE FROM orbweaver_batches WHERE writer = $1", {writer_id_});
  PQfinish(conn_);
  conn_ = nullptr;
}

namespace {

class postgres_store_pipeline : public item_pipeline, public checkpointed_sink {
 public:
  bool open(crawler& c) override {
    const auto& uri = c.config().get_string("STORE_URI");
    if (!is_postgres_uri(uri)) return false;
    crawler_ = &c;
    auto batch_size = c.config().get_int("POSTGRES_BATCH_SIZE");
    if (batch_size < 1) throw std::runtime_error(fmt::format("POSTGRES_BATCH_SIZE must be at least 1, not {}", batch_size));
    postgres_item_store::options opts;
    opts.batch_size = static_cast<std::size_t>(batch_size);
    opts.retry_timeout = std::chrono::milliseconds(static_cast<long long>(c.config().get_double("POSTGRES_RETRY_TIMEOUT") * 1000));
    store_ = std::make_unique<postgres_item_store>(uri, opts);
    log::info("store", "Storing items in PostgreSQL: {}", store_->target().describe());
    return true;
  }

  void resume(const json::value* at) override {
    auto last_id = last_item_of(at);
    if (!last_id) return;
    if (auto cut = store_->cut_after(*last_id, crawler_->target().name))
      log::info("store", "PostgreSQL store ({}): removed {} items stored after the last checkpoint (JOBDIR or Redis commit; their "
                "requests are crawled again)", store_->target().describe(), cut);
  }

  json::value checkpoint() override {
    auto last_id = store_->commit_all();
    report();
    return last_item_position(last_id);
  }

  // Back-pressure: while the writer is a whole queue behind (a slow or unreachable server), the
  // item waits here on a timer, so the scraper stops taking responses and the reactor runs on.
  boost::asio::awaitable<void> process_item(item& it, spider& s) override {
    if (store_->full()) {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
      while (store_->full()) {
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(boost::asio::use_awaitable);
      }
    }
    store_->write(s.name, it);
    report();
    if (store_->gave_up() && !closed_for_failure_) {
      closed_for_failure_ = true;
      crawler_->close(std::string(storage_failure));
    }
  }

  boost::asio::awaitable<void> close(spider&) override {
    store_->close();
    report();
    if (store_->items_failed() > 0)
      log::error("store", "PostgreSQL store ({}): {} items could not be stored", store_->target().describe(),
                 store_->items_failed());
    log::info("store", "Stored {} items in PostgreSQL: {}", store_->items_written(), store_->target().describe());
    co_return;
  }

 private:
  void report() {
    auto& stats = crawler_->stats();
    stats.set("store/items_written", store_->items_written());
    if (store_->items_failed()) stats.set("store/items_failed", store_->items_failed());
    if (store_->reconnects()) stats.set("store/reconnects", store_->reconnects());
  }

  crawler* crawler_ = nullptr;
  std::unique_ptr<postgres_item_store> store_;
  bool closed_for_failure_ = false;
};

}  // namespace

// Where the SQLite store is: after the feed exports and every user pipeline (one of the two is on).
ORBWEAVER_BUILTIN_PIPELINE(postgres_store_pipeline, "postgres_store", 1200);

}  // namespace orbweaver::pipelines
