// The PostgreSQL item store (STORE_URI=postgresql://...) against a real server this binary starts
// on loopback (tests/support/postgres_server): batches, a partial batch committed within a second,
// a restarted server and killed connections, a connection cut just before and just after COMMIT, a
// server gone for good, a bad password and an unreachable server, a JOBDIR crawl resumed. Every
// test skips with the reason when PostgreSQL is not installed or cannot start.
#include "crawl_runner.hpp"
#include "postgres_server.hpp"
#include "private_tmpdir.hpp"
#include "program_runner.hpp"
#include "test_server.hpp"

#include "engine/components.hpp"

#include <orbweaver/orbweaver.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

constexpr int pages = 60;
constexpr int items_per_page = 10;
constexpr int total_items = pages * items_per_page;
// Text that COPY's format and JSONB must carry unchanged: tab, newline, backslash, quotes, non-ASCII
// (and a NUL in another field, which JSONB cannot hold).
const std::string tricky_text = "tab\there\nnew line \\ back\\slash \"quoted\" caf\u00e9 \u2603";

// Page N links to page N+1 and yields items_per_page items; on_page runs first, on the reactor.
class listing_spider : public spider {
 public:
  std::function<void(int)> on_page;
  listing_spider() { name = "pg_listing"; }
  void parse(const response& r, output& out) override {
    auto url = r.url();
    int page = std::stoi(url.substr(url.rfind('/') + 1));
    if (on_page) on_page(page);
    for (int n = 0; n < items_per_page; ++n)
      out.emit(item{{"page", page}, {"n", n}, {"text", tricky_text}, {"nul", std::string("a\0b", 3)}});
    if (page < pages) out.follow("/page/" + std::to_string(page + 1));
  }
};

void serve_listing(test_server& site, std::chrono::milliseconds delay = {}) {
  for (int page = 1; page <= pages; ++page)
    site.route("/page/" + std::to_string(page), [delay](const test_request&) {
      return test_reply{.body = "<html><body>listing</body></html>", .delay = delay};
    });
}

// A TCP relay to the server that cuts the connection once at a COMMIT: before the server gets it
// (the transaction is rolled back), or after the server answered it (the batch committed, and the
// writer does not know).
class commit_cutter {
 public:
  enum class cut { before_commit, after_commit };
  commit_cutter(unsigned short server_port, cut where) : server_port_(server_port), where_(where) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    threads_.emplace_back([this] { accept_loop(); });
  }
  ~commit_cutter() {
    ::shutdown(listener_, SHUT_RDWR);
    {
      std::lock_guard lock(mutex_);
      for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
    for (int fd : sockets_) ::close(fd);
    ::close(listener_);
  }
  unsigned short port() const { return port_; }
  bool has_cut() const { return cut_done_; }

 private:
  void accept_loop() {
    for (;;) {
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(server_port_);
      if (::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) ::shutdown(client, SHUT_RDWR);
      std::lock_guard lock(mutex_);
      sockets_.push_back(client);
      sockets_.push_back(server);
      // The query COMMIT goes one way ('Q'), its completion the other ('C'): type, length 11, tag.
      threads_.emplace_back([this, client, server] { relay(client, server, where_ == cut::before_commit ? 'Q' : 0); });
      threads_.emplace_back([this, client, server] { relay(server, client, where_ == cut::after_commit ? 'C' : 0); });
    }
  }
  void relay(int from, int to, char cut_at) {
    const std::string commit = std::string(1, cut_at) + std::string("\0\0\0\x0b" "COMMIT\0", 11);
    char buffer[65536];
    for (;;) {
      auto n = ::read(from, buffer, sizeof buffer);
      if (n <= 0) break;
      std::string_view chunk(buffer, static_cast<std::size_t>(n));
      if (cut_at && chunk.find(commit) != std::string_view::npos && !cut_done_.exchange(true)) break;
      if (::send(to, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
    }
    ::shutdown(from, SHUT_RDWR);
    ::shutdown(to, SHUT_RDWR);
  }

  unsigned short server_port_;
  cut where_;
  int listener_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> cut_done_{false};
  std::mutex mutex_;
  std::vector<int> sockets_;
  std::vector<std::thread> threads_;
};

class PostgresStore : public ::testing::Test {
 protected:
  // One server for the whole binary (initdb takes a few seconds); TearDownTestSuite stops it
  // whatever the tests did.
  static void SetUpTestSuite() { server_ = new postgres_server(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    if (!server_->unavailable().empty()) GTEST_SKIP() << "no PostgreSQL server for this test: " << server_->unavailable();
    static int databases = 0;
    database_ = fmt::format("crawl_{}", ++databases);
    server_->create_database(database_);
  }

  std::unique_ptr<listing_spider> start_spider(std::function<void(int)> on_page = {}) const {
    auto s = std::make_unique<listing_spider>();
    s->start_urls = {site_.url("/page/1")};
    s->on_page = std::move(on_page);
    return s;
  }
  setting_overrides settings(std::string store_uri, std::vector<std::pair<std::string, std::string>> more = {}) const {
    setting_overrides s{{"STORE_URI", std::move(store_uri)}};
    for (auto& m : more) s.push_back(std::move(m));
    return s;
  }
  std::string scalar(const std::string& sql) const {
    auto rows = server_->query(database_, sql);
    return rows.empty() || rows[0].empty() ? "" : rows[0][0];
  }
  // Every (page, n) of the crawl exactly once, with its text whole.
  void expect_every_item_once() const {
    EXPECT_EQ(scalar("SELECT count(*) FROM items"), std::to_string(total_items));
    EXPECT_EQ(scalar("SELECT count(DISTINCT (data->>'page', data->>'n')) FROM items"), std::to_string(total_items));
    EXPECT_EQ(scalar("SELECT count(*) FROM items WHERE spider <> 'pg_listing' OR data->>'text' <> " +
                     quoted(tricky_text)),
              "0");
    // JSONB refuses \u0000: the store keeps U+FFFD in its place rather than fail the batch.
    EXPECT_EQ(scalar("SELECT count(*) FROM items WHERE data->>'nul' <> 'a' || chr(65533) || 'b'"), "0");
  }
  // A crawl whose store connects through a commit_cutter: one cut, one reconnect, every item once.
  void crawl_with_a_cut(commit_cutter::cut where) {
    serve_listing(site_);
    commit_cutter relay(server_->port(), where);
    auto uri = fmt::format("postgresql://{}:{}@127.0.0.1:{}/{}", server_->user, server_->password, relay.port(),
                           database_);
    auto run = run_finished_crawl(start_spider(), settings(uri, {{"POSTGRES_BATCH_SIZE", "50"}}));
    EXPECT_TRUE(relay.has_cut());
    EXPECT_EQ(run.stats.get("store/reconnects"), 1);
    EXPECT_EQ(run.stats.get("store/items_written"), total_items);
    expect_every_item_once();
  }
  static std::string quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }

  static inline postgres_server* server_ = nullptr;
  std::string database_;
  test_server site_;
};

TEST_F(PostgresStore, CrawlStoresEveryItemOnceInBatches) {
  serve_listing(site_);
  auto run = run_finished_crawl(start_spider(),
                                settings(server_->uri(database_) + "?sslmode=disable", {{"POSTGRES_BATCH_SIZE", "7"}}));
  expect_every_item_once();
  EXPECT_EQ(run.stats.get("store/items_written"), total_items);
  EXPECT_EQ(run.stats.get("store/items_failed"), 0);
  // Rows of one transaction share xmin: no batch is larger than 7, and there are many.
  EXPECT_EQ(scalar("SELECT max(c) FROM (SELECT count(*) c FROM items GROUP BY xmin::text) b"), "7");
  EXPECT_GE(std::stoi(scalar("SELECT count(DISTINCT xmin::text) FROM items")), total_items / 7);
  EXPECT_EQ(scalar("SELECT count(*) FROM items WHERE scraped_at > now() - interval '5 minutes'"),
            std::to_string(total_items));
  EXPECT_EQ(scalar("SELECT count(*) FROM orbweaver_batches"), "0") << "a clean close leaves no batch record";
}

TEST_F(PostgresStore, PartialBatchIsCommittedWithinASecond) {
  serve_listing(site_, std::chrono::milliseconds(1000));
  std::string seen_at_page_3;
  auto look = [&](int page) {
    if (page == 3) seen_at_page_3 = scalar("SELECT count(*) FROM items WHERE (data->>'page')::int = 1");
  };
  auto run = run_crawl(start_spider(look), settings(server_->uri(database_), {{"CLOSESPIDER_PAGECOUNT", "3"}}));
  // Page 1's items were handed over 2 s before page 3 came back, far fewer than a batch of 500.
  EXPECT_EQ(seen_at_page_3, std::to_string(items_per_page));
}

TEST_F(PostgresStore, FullQueueMakesItemsWaitWithoutBlockingTheReactor) {
  orbweaver::settings config;
  config.set("STORE_URI", server_->uri(database_), setting_priority::command_line);
  config.set("POSTGRES_BATCH_SIZE", "1", setting_priority::command_line);
  crawler crawl(std::make_unique<listing_spider>(), std::move(config));
  auto pipelines = build_pipelines(crawl);
  ASSERT_EQ(pipelines.size(), 1u);
  ASSERT_EQ(pipelines[0].name, "postgres_store");
  auto& store = *pipelines[0].instance;

  // Another session holds the table, so the writer's first COPY waits: one item in its hands,
  // four (a queue of four batches of one) waiting, and the sixth must wait in process_item.
  PGconn* holder = PQconnectdb(server_->uri(database_).c_str());
  PQclear(PQexec(holder, "BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE"));
  constexpr int items = 10;
  int handed = 0, ticks = 0, handed_when_released = 0;
  boost::asio::io_context reactor;
  auto produce = [&]() -> boost::asio::awaitable<void> {
    for (; handed < items; ++handed) {
      item it{{"n", handed}};
      co_await store.process_item(it, crawl.target());
    }
  };
  auto tick_then_release = [&]() -> boost::asio::awaitable<void> {
    boost::asio::steady_timer timer(reactor);
    for (; ticks < 20; ++ticks) {
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    handed_when_released = handed;
    PQclear(PQexec(holder, "ROLLBACK"));
  };
  boost::asio::co_spawn(reactor, produce(), boost::asio::detached);
  boost::asio::co_spawn(reactor, tick_then_release(), boost::asio::detached);
  reactor.run();
  PQfinish(holder);
  boost::asio::co_spawn(reactor, store.close(crawl.target()), boost::asio::detached);
  reactor.restart();
  reactor.run();

  EXPECT_EQ(ticks, 20) << "the reactor ran while the item waited";
  EXPECT_GE(handed_when_released, 4);
  EXPECT_LE(handed_when_released, 5) << "items were taken beyond the queue's bound";
  EXPECT_EQ(handed, items);
  EXPECT_EQ(scalar("SELECT count(*) FROM items"), std::to_string(items));
}

TEST_F(PostgresStore, ServerRestartedMidCrawlLosesAndDuplicatesNothing) {
  serve_listing(site_, std::chrono::milliseconds(20));
  std::thread restarter;
  std::atomic<bool> restarted{false};
  auto restart_at_page_15 = [&](int page) {
    if (page == 15) restarter = std::thread([&] { restarted = server_->restart(); });
  };
  auto run = run_crawl_with_log(start_spider(restart_at_page_15),
                                settings(server_->uri(database_), {{"POSTGRES_BATCH_SIZE", "5"}, {"LOG_LEVEL", "INFO"}}));
  restarter.join();
  ASSERT_TRUE(restarted);
  EXPECT_EQ(run.reason, "finished");
  expect_every_item_once();
  EXPECT_EQ(run.stats.get("store/items_written"), total_items);
  auto reconnects = run.stats.get("store/reconnects");
  EXPECT_GE(reconnects, 1);
  // Logged once per outage, however many retries it took.
  std::size_t warnings = 0;
  for (auto at = run.log.find("lost the connection"); at != std::string::npos; at = run.log.find("lost the connection", at + 1))
    ++warnings;
  EXPECT_EQ(static_cast<long long>(warnings), reconnects) << run.log;
  EXPECT_EQ(run.log.find(server_->password), std::string::npos) << "the log shows the password";
}

TEST_F(PostgresStore, KilledConnectionsLoseAndDuplicateNothing) {
  serve_listing(site_, std::chrono::milliseconds(10));
  std::atomic<bool> crawling{true};
  std::atomic<int> killed{0};
  std::thread killer;
  // From page 2 on (the store has connected), the writer's connection is killed every 80 ms.
  auto start_killing = [&](int page) {
    if (page != 2) return;
    killer = std::thread([&] {
      while (crawling) {
        std::this_thread::sleep_for(std::chrono::milliseconds(80));
        auto rows = server_->query("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                               "WHERE application_name = 'orbweaver'");
        if (!rows.empty()) killed += std::stoi(rows[0][0]);
      }
    });
  };
  auto run = run_crawl(start_spider(start_killing), settings(server_->uri(database_), {{"POSTGRES_BATCH_SIZE", "3"}}));
  crawling = false;
  killer.join();
  EXPECT_EQ(run.reason, "finished");
  EXPECT_GE(killed, 1);
  EXPECT_GE(run.stats.get("store/reconnects"), 1);
  expect_every_item_once();
}

TEST_F(PostgresStore, ConnectionCutBeforeCommitSendsTheBatchAgain) {
  crawl_with_a_cut(commit_cutter::cut::before_commit);
}

TEST_F(PostgresStore, ConnectionCutAfterCommitDoesNotSendTheBatchAgain) {
  crawl_with_a_cut(commit_cutter::cut::after_commit);
}

TEST_F(PostgresStore, ServerGoneForGoodClosesTheCrawlWithStorageError) {
  serve_listing(site_, std::chrono::milliseconds(80));
  std::thread stopper;
  auto stop_at_page_5 = [&](int page) {
    if (page == 5) stopper = std::thread([] { server_->stop(); });
  };
  auto run = run_crawl(start_spider(stop_at_page_5),
                       settings(server_->uri(database_), {{"POSTGRES_BATCH_SIZE", "5"}, {"POSTGRES_RETRY_TIMEOUT", "1"}}));
  stopper.join();
  ASSERT_TRUE(server_->start());
  EXPECT_EQ(run.reason, std::string(storage_failure));
  EXPECT_GE(run.stats.get("store/items_failed"), 1);
  EXPECT_EQ(run.stats.get("store/items_written") + run.stats.get("store/items_failed"),
            run.stats.get("item_scraped_count"));
  EXPECT_EQ(scalar("SELECT count(*) FROM items"), std::to_string(run.stats.get("store/items_written")));
}

TEST_F(PostgresStore, BadPasswordOrNoServerStopsTheCrawlBeforeAnyRequest) {
  private_tmpdir dir("orbweaver-postgres-launcher");
  const std::string wrong_password = "Not-The-Password-42";
  auto bad_password = run_program(ORBWEAVER_BINARY, {"crawl", "books", "-a", "url=" + site_.url("/"), "-s",
                                                     "STORE_URI=" + server_->uri(database_, wrong_password)},
                                  dir.path());
  EXPECT_EQ(bad_password.status, 1);
  const auto& err = bad_password.err;
  EXPECT_NE(err.find("the crawl could not start"), std::string::npos) << err;
  EXPECT_NE(err.find("password authentication failed"), std::string::npos) << err;
  EXPECT_NE(err.find(fmt::format("database '{}' on 127.0.0.1:{} as user '{}'", database_, server_->port(),
                                 server_->user)),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find(wrong_password), std::string::npos) << "the message shows the password: " << err;
  EXPECT_NE(err.find(fmt::format("{}:***@127.0.0.1", server_->user)), std::string::npos) << "the log line of settings";

  // Nothing listens on this port now.
  auto no_server_uri = fmt::format("postgres://{}:{}@127.0.0.1:1/{}", server_->user, wrong_password, database_);
  auto no_server = run_program(ORBWEAVER_BINARY, {"crawl", "books", "-a", "url=" + site_.url("/"), "-s",
                                                  "STORE_URI=" + no_server_uri}, dir.path());
  EXPECT_EQ(no_server.status, 1);
  EXPECT_NE(no_server.err.find("the crawl could not start"), std::string::npos) << no_server.err;
  EXPECT_NE(no_server.err.find("127.0.0.1:1"), std::string::npos) << no_server.err;
  EXPECT_EQ(no_server.err.find(wrong_password), std::string::npos) << no_server.err;

  EXPECT_EQ(site_.requests_served(), 0u);
}

TEST_F(PostgresStore, JobdirCrawlStoppedAndResumedStoresEachItemOnce) {
  serve_listing(site_);
  private_tmpdir dir("orbweaver-postgres-jobdir");
  auto jobdir_settings = [&](std::vector<std::pair<std::string, std::string>> more = {}) {
    more.emplace_back("JOBDIR", (dir.path() / "job").string());
    more.emplace_back("JOBDIR_CHECKPOINT_INTERVAL", "0.05");
    more.emplace_back("POSTGRES_BATCH_SIZE", "4");
    return settings(server_->uri(database_), std::move(more));
  };
  {
    auto first = run_crawl(start_spider(), jobdir_settings({{"CLOSESPIDER_ITEMCOUNT", "100"}}));
    ASSERT_EQ(first.reason, "closespider_itemcount");
  }
  auto stored = std::stoi(scalar("SELECT count(*) FROM items"));
  ASSERT_GE(stored, 100);
  ASSERT_LT(stored, total_items);
  // As a crash after the last checkpoint leaves them: rows of this spider past the recorded
  // position (their requests are crawled again), and one of another spider, which stays.
  server_->query(database_, "INSERT INTO items (spider, scraped_at, data) VALUES "
                            "('pg_listing', now(), '{\"page\": 1, \"n\": 0, \"after\": \"checkpoint\"}'), "
                            "('other_spider', now(), '{\"kept\": true}')");
  auto second = run_finished_crawl(start_spider(), jobdir_settings());
  EXPECT_EQ(scalar("DELETE FROM items WHERE spider = 'other_spider' RETURNING 1"), "1");
  expect_every_item_once();
  EXPECT_EQ(scalar("SELECT count(*) FROM items WHERE data ? 'after'"), "0");
}

}  // namespace
