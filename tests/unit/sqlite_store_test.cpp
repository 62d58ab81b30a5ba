#include "sqlite_store.hpp"

#include "engine/components.hpp"

#include <orbweaver/crawler.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace orbweaver::pipelines {
namespace {

// Reads back through the C API, as any other tool would.
class reader {
 public:
  explicit reader(const std::string& path) { EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK); }
  ~reader() { sqlite3_close(db_); }
  std::vector<std::vector<std::string>> query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        auto* text = sqlite3_column_text(stmt, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return rows;
  }
  std::string scalar(const std::string& sql) { return query(sql).at(0).at(0); }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "orbweaver-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_path_ = (dir_ / "items.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string db_path_;
};

TEST(SqliteStoreUri, Paths) {
  EXPECT_EQ(sqlite_path_from_uri("sqlite:items.db"), "items.db");
  EXPECT_EQ(sqlite_path_from_uri("sqlite:data/items.db"), "data/items.db");
  EXPECT_EQ(sqlite_path_from_uri("sqlite:/var/items.db"), "/var/items.db");
  EXPECT_EQ(sqlite_path_from_uri("sqlite:///var/items.db"), "/var/items.db");
  EXPECT_THROW(sqlite_path_from_uri("sqlite:"), std::runtime_error);
  EXPECT_THROW(sqlite_path_from_uri("sqlite://host/items.db"), std::runtime_error);
  EXPECT_THROW(sqlite_path_from_uri("postgres://localhost/items"), std::runtime_error);
  EXPECT_THROW(sqlite_path_from_uri("items.db"), std::runtime_error);
}

TEST_F(SqliteStoreTest, ItemsAreQueryableWithJsonExtract) {
  sqlite_item_store store(db_path_, 500);
  store.write("books", {{"title", "Café 東京 🕷"}, {"price", 12.5}, {"tags", json::array{"a", "b"}}});
  store.write("books", {{"title", "He said \"hi\""}, {"price", 3}});
  store.write("films", {{"title", "x"}});
  store.close();
  EXPECT_EQ(store.items_written(), 3u);

  reader db(db_path_);
  EXPECT_EQ(db.scalar("PRAGMA journal_mode"), "wal");
  auto rows = db.query(
      "SELECT id, spider, json_extract(data, '$.title'), json_extract(data, '$.price'), "
      "json_extract(data, '$.tags[1]') FROM items ORDER BY id");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1", "books", "Café 東京 🕷", "12.5", "b"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2", "books", "He said \"hi\"", "3", "NULL"}));
  EXPECT_EQ(rows[2][1], "films");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items WHERE spider = 'books'"), "2");
  // The stored JSON round-trips.
  EXPECT_EQ(json::parse(db.scalar("SELECT data FROM items WHERE id = 2")),
            (json::object{{"title", "He said \"hi\""}, {"price", 3}}));
  auto scraped_at = db.scalar("SELECT scraped_at FROM items WHERE id = 1");
  EXPECT_TRUE(std::regex_match(scraped_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << scraped_at;
  EXPECT_NE(db.scalar("SELECT datetime(scraped_at) FROM items WHERE id = 1"), "NULL");
}

TEST_F(SqliteStoreTest, InvalidUtf8IsStoredRepaired) {
  sqlite_item_store store(db_path_, 500);
  store.write("bo\xC7oks", {{"title", "x\xE6\x9D y"}});
  store.close();
  reader db(db_path_);
  EXPECT_EQ(db.scalar("SELECT json_valid(data) FROM items"), "1");
  EXPECT_EQ(db.scalar("SELECT json_extract(data, '$.title') FROM items"), "x\uFFFD y");
  EXPECT_EQ(db.scalar("SELECT spider FROM items"), "bo\uFFFDoks");
}

TEST_F(SqliteStoreTest, CommitsInBatchesAndAtClose) {
  sqlite_item_store store(db_path_, 2);
  reader db(db_path_);
  store.write("s", {{"n", 1}});
  EXPECT_EQ(store.items_written(), 0u);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), "0") << "the batch is not committed yet";
  store.write("s", {{"n", 2}});
  EXPECT_EQ(store.items_written(), 2u);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), "2") << "a full batch is committed and visible";
  store.write("s", {{"n", 3}});
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), "2");
  store.close();
  EXPECT_EQ(store.items_written(), 3u);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), "3") << "the last partial batch is committed at close";
}

TEST_F(SqliteStoreTest, DestructorCommitsPending) {
  {
    sqlite_item_store store(db_path_, 100);
    store.write("s", {{"n", 1}});
  }
  EXPECT_EQ(reader(db_path_).scalar("SELECT count(*) FROM items"), "1");
}

TEST_F(SqliteStoreTest, ReopeningAppends) {
  for (int run = 0; run < 2; ++run) {
    sqlite_item_store store(db_path_, 10);
    store.write("s", {{"run", run}});
    store.close();
  }
  EXPECT_EQ(reader(db_path_).scalar(
                "SELECT group_concat(run) FROM (SELECT json_extract(data, '$.run') AS run FROM items ORDER BY id)"), "0,1");
}

// A JOBDIR's checkpoint records the last item id; a resume removes what this spider stored after it.
TEST_F(SqliteStoreTest, CutAfterRemovesThisSpidersItemsAfterACheckpoint) {
  std::int64_t checkpoint = 0;
  {
    sqlite_item_store store(db_path_, 100);
    store.write("other", {{"n", 0}});
    EXPECT_EQ(store.commit_durably(), 1);
    store.write("books", {{"n", 1}});
    store.write("books", {{"n", 2}});
    checkpoint = store.commit_durably();
    EXPECT_EQ(checkpoint, 3);
    store.write("books", {{"n", 3}});  // after the checkpoint: committed by close, then killed
    store.write("other", {{"n", 4}});
    store.close();
  }
  sqlite_item_store store(db_path_, 100);
  EXPECT_EQ(store.cut_after(checkpoint, "books"), 1);
  store.write("books", {{"n", 5}});
  store.close();
  EXPECT_EQ(reader(db_path_).scalar(
                "SELECT group_concat(n) FROM (SELECT json_extract(data, '$.n') AS n FROM items ORDER BY id)"), "0,1,2,4,5");
}

TEST_F(SqliteStoreTest, CreatesParentDirectories) {
  auto nested = (dir_ / "a/b/items.db").string();
  sqlite_item_store store(nested, 10);
  store.write("s", {{"n", 1}});
  store.close();
  EXPECT_EQ(reader(nested).scalar("SELECT count(*) FROM items"), "1");
}

TEST_F(SqliteStoreTest, ForeignItemsTableIsRefused) {
  {
    reader db(db_path_);
    db.query("CREATE TABLE items (name TEXT)");
  }
  EXPECT_THROW(sqlite_item_store(db_path_, 10), std::runtime_error);
}

TEST_F(SqliteStoreTest, BadBatchSizeAndUnwritablePath) {
  EXPECT_THROW(sqlite_item_store(db_path_, 0), std::runtime_error);
  std::ofstream((dir_ / "blocker").string()) << "x";
  try {
    sqlite_item_store store((dir_ / "blocker/items.db").string(), 10);
    FAIL() << "opened a store under a regular file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("blocker/items.db"), std::string::npos) << e.what();
  }
}

TEST_F(SqliteStoreTest, WriteAfterCloseThrows) {
  sqlite_item_store store(db_path_, 10);
  store.close();
  EXPECT_THROW(store.write("s", {{"n", 1}}), std::runtime_error);
}

// The pipeline as the engine builds it: registered as "sqlite_store" and configured by settings.
class SqliteStorePipelineTest : public SqliteStoreTest {
 protected:
  item_pipeline* open(const std::vector<std::pair<std::string, std::string>>& values) {
    settings config;
    for (const auto& [name, value] : values) config.set(name, value, setting_priority::command_line);
    auto books = std::make_unique<spider>();
    books->name = "books";
    crawl_ = std::make_unique<crawler>(std::move(books), std::move(config));
    pipelines_ = build_pipelines(*crawl_);
    for (auto& p : pipelines_)
      if (p.name == "sqlite_store") return p.instance.get();
    return nullptr;
  }
  static void run(boost::asio::awaitable<void> task) {
    boost::asio::io_context io;
    boost::asio::co_spawn(io, std::move(task), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    io.run();
  }

  std::unique_ptr<crawler> crawl_;
  component_list<item_pipeline> pipelines_;
};

TEST_F(SqliteStorePipelineTest, StaysOutWithoutStoreUri) { EXPECT_EQ(open({}), nullptr); }

TEST_F(SqliteStorePipelineTest, StoresItemsAndCountsThem) {
  auto* store = open({{"STORE_URI", "sqlite://" + db_path_}, {"SQLITE_BATCH_SIZE", "2"}});
  ASSERT_NE(store, nullptr);
  for (int n = 1; n <= 3; ++n) {
    item it{{"n", n}};
    run(store->process_item(it, crawl_->target()));
  }
  EXPECT_EQ(crawl_->stats().get("store/items_written"), 2) << "one full batch committed so far";
  run(store->close(crawl_->target()));
  EXPECT_EQ(crawl_->stats().get("store/items_written"), 3);
  reader db(db_path_);
  EXPECT_EQ(db.scalar("SELECT group_concat(spider || ':' || json_extract(data, '$.n')) FROM items"),
            "books:1,books:2,books:3");
}

TEST_F(SqliteStorePipelineTest, BadConfigurationStopsTheCrawlBeforeItStarts) {
  EXPECT_THROW(open({{"STORE_URI", "mysql://localhost/items"}}), std::runtime_error);
  EXPECT_THROW(open({{"STORE_URI", "sqlite:" + db_path_}, {"SQLITE_BATCH_SIZE", "0"}}), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(db_path_));
}

}  // namespace
}  // namespace orbweaver::pipelines
