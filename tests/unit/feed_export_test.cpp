#include "feed_export.hpp"

#include "engine/components.hpp"
#include "html/charset.hpp"

#include <orbweaver/crawler.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace orbweaver::pipelines {
namespace {

class FeedExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "orbweaver-feed-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string contents(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static std::vector<std::string> lines(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<std::string> result;
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
  }
  static void write_all(feed_options options, const std::vector<item>& items) {
    feed_writer writer(std::move(options));
    for (const auto& it : items) writer.write(it);
    writer.close();
  }

  std::filesystem::path dir_;
};

// Non-ASCII text (two-, three- and four-byte UTF-8), quotes, commas, newlines and nesting.
const std::vector<item> sample_items{
    {{"title", "Café «Ünïcode» 東京 🕷"}, {"price", 12.5}, {"tags", json::array{"a", "b"}}},
    {{"title", "He said \"hi\", then\nleft"}, {"price", 3}, {"tags", json::array{}}},
    {{"title", "plain"}, {"price", nullptr}, {"stock", true}},
};

TEST_F(FeedExportTest, FormatByExtension) {
  EXPECT_EQ(feed_format_for("out/items.jsonl"), feed_format::json_lines);
  EXPECT_EQ(feed_format_for("items.JL"), feed_format::json_lines);
  EXPECT_EQ(feed_format_for("items.json"), feed_format::json);
  EXPECT_EQ(feed_format_for("items.Csv"), feed_format::csv);
  EXPECT_EQ(feed_format_for("items.xml"), std::nullopt);
  EXPECT_EQ(feed_format_for("items"), std::nullopt);
  EXPECT_EQ(format_name(feed_format::json_lines), "jsonlines");
}

// Scrapy's feed URIs: a format after the last colon when it names one, "-" for standard output.
TEST_F(FeedExportTest, FeedUriFormatAfterTheLastColon) {
  auto target = [](std::string_view uri) -> std::string {
    auto t = parse_feed_uri(uri);
    return t ? t->path + " as " + std::string(format_name(t->format)) : "refused";
  };
  EXPECT_EQ(target("out/items.jsonl"), "out/items.jsonl as jsonlines");
  EXPECT_EQ(target("items.out:csv"), "items.out as csv");
  EXPECT_EQ(target("items.out:CSV"), "items.out as csv");
  EXPECT_EQ(target("-:jsonl"), "- as jsonlines");
  EXPECT_EQ(target("-:jl"), "- as jsonlines");
  EXPECT_EQ(target("-:json"), "- as json");
  EXPECT_EQ(target("items.csv:jsonlines"), "items.csv as jsonlines");
  // A colon that is not followed by a known format is part of the path.
  EXPECT_EQ(target("data:2026.jsonl"), "data:2026.jsonl as jsonlines");
  EXPECT_EQ(target("a:b:json"), "a:b as json");
  EXPECT_EQ(target("items:xml"), "refused");
  EXPECT_EQ(target("-"), "refused");
  EXPECT_EQ(target(":csv"), "refused");
  EXPECT_EQ(target("items.out"), "refused");
}

TEST_F(FeedExportTest, JsonLinesRoundTripKeepsUtf8) {
  auto file = path("items.jsonl");
  write_all({file, feed_format::json_lines}, sample_items);
  auto written = lines(file);
  ASSERT_EQ(written.size(), sample_items.size());
  for (std::size_t i = 0; i < written.size(); ++i) EXPECT_EQ(json::parse(written[i]).as_object(), sample_items[i]);
  auto text = contents(file);
  EXPECT_NE(text.find("Café «Ünïcode» 東京 🕷"), std::string::npos) << "non-ASCII must stay UTF-8";
  EXPECT_NE(text.find("\"price\":12.5"), std::string::npos) << "numbers in their plain form";
}

TEST_F(FeedExportTest, InvalidUtf8FromASpiderIsRepairedInEveryFormat) {
  // A spider's own strings may hold any bytes: a lone lead byte, a cut sequence, a surrogate, an
  // overlong form. Feeds get U+FFFD for each, so they stay valid UTF-8 and valid JSON.
  const std::string bad = "a\xC7 b\xE6\x9D c\xED\xA0\x80 d\xC0\xAF";
  const std::string repaired = "a\uFFFD b\uFFFD c\uFFFD\uFFFD\uFFFD d\uFFFD\uFFFD";
  const std::vector<item> items{{{"text", bad}, {bad, json::array{bad}}}};
  for (auto format : {feed_format::json_lines, feed_format::json, feed_format::csv}) {
    auto file = path(std::string("bad.") + (format == feed_format::csv ? "csv" : format == feed_format::json ? "json" : "jsonl"));
    write_all({.path = file, .format = format, .fields = format == feed_format::csv ? std::vector<std::string>{"text"}
                                                                                    : std::vector<std::string>{}},
              items);
    const std::string text = contents(file);
    EXPECT_TRUE(orbweaver::html::is_valid_utf8(text)) << text;
    EXPECT_NE(text.find(repaired), std::string::npos) << text;
    if (format == feed_format::csv) continue;
    const json::value parsed = json::parse(format == feed_format::json ? text : lines(file).at(0));
    const json::object& written = format == feed_format::json ? parsed.as_array().at(0).as_object() : parsed.as_object();
    EXPECT_EQ(std::string(written.at("text").as_string()), repaired);
    EXPECT_EQ(written.at(repaired).as_array(), json::array{json::string(repaired)}) << "keys are repaired too";
  }
  auto ascii = path("bad_ascii.jsonl");
  write_all({.path = ascii, .format = feed_format::json_lines, .ascii_only = true}, items);
  EXPECT_NE(contents(ascii).find("a\\ufffd b\\ufffd"), std::string::npos) << contents(ascii);
}

TEST_F(FeedExportTest, JsonArrayIsValidJson) {
  auto file = path("items.json");
  write_all({file, feed_format::json}, sample_items);
  auto parsed = json::parse(contents(file)).as_array();
  ASSERT_EQ(parsed.size(), sample_items.size());
  for (std::size_t i = 0; i < parsed.size(); ++i) EXPECT_EQ(parsed[i].as_object(), sample_items[i]);
}

TEST_F(FeedExportTest, EmptyJsonArray) {
  auto file = path("empty.json");
  write_all({file, feed_format::json}, {});
  EXPECT_EQ(json::parse(contents(file)), json::array{});
}

TEST_F(FeedExportTest, DestroyedWithoutCloseStillLeavesValidJson) {
  auto file = path("interrupted.json");
  {
    feed_writer writer({file, feed_format::json});
    writer.write(sample_items[0]);
  }
  EXPECT_EQ(json::parse(contents(file)).as_array().size(), 1u);
}

TEST_F(FeedExportTest, LargeFeedsAreFlushedInChunks) {
  auto file = path("many.jsonl");
  std::vector<item> items;
  for (int i = 0; i < 5000; ++i) items.push_back({{"n", i}, {"text", std::string(50, 'z')}});
  feed_writer writer({file, feed_format::json_lines});
  for (const auto& it : items) writer.write(it);
  EXPECT_GT(std::filesystem::file_size(file), 0u) << "the buffer is written before close";
  writer.close();
  EXPECT_EQ(writer.items_written(), 5000u);
  auto written = lines(file);
  ASSERT_EQ(written.size(), 5000u);
  EXPECT_EQ(json::parse(written[4999]).at("n"), 4999);
}

TEST_F(FeedExportTest, AsciiEscapesNonAscii) {
  auto file = path("ascii.jsonl");
  write_all({.path = file, .format = feed_format::json_lines, .ascii_only = true}, {sample_items[0]});
  auto text = contents(file);
  for (unsigned char c : text) ASSERT_LT(c, 0x80) << text;
  EXPECT_NE(text.find("Caf\\u00e9"), std::string::npos);
  EXPECT_NE(text.find("\\ud83d\\udd77"), std::string::npos) << "a surrogate pair above U+FFFF";
  EXPECT_EQ(json::parse(lines(file).at(0)).as_object(), sample_items[0]);
}

TEST_F(FeedExportTest, FieldsSelectAndOrderJson) {
  auto file = path("fields.jsonl");
  write_all({.path = file, .format = feed_format::json_lines, .fields = {"price", "title", "missing"}}, {sample_items[0]});
  EXPECT_EQ(lines(file).at(0), R"({"price":12.5,"title":"Café «Ünïcode» 東京 🕷"})");
}

TEST_F(FeedExportTest, CsvQuotesAndSerialises) {
  auto file = path("items.csv");
  write_all({file, feed_format::csv}, sample_items);
  // Columns from the first item; "stock" of the third item is not one of them.
  EXPECT_EQ(contents(file),
            "title,price,tags\r\n"
            "Café «Ünïcode» 東京 🕷,12.5,\"[\"\"a\"\",\"\"b\"\"]\"\r\n"
            "\"He said \"\"hi\"\", then\nleft\",3,[]\r\n"
            "plain,,\r\n");
}

TEST_F(FeedExportTest, CsvWithConfiguredFields) {
  auto file = path("fields.csv");
  write_all({.path = file, .format = feed_format::csv, .fields = {"stock", "title"}}, {sample_items[0], sample_items[2]});
  EXPECT_EQ(contents(file),
            "stock,title\r\n"
            ",Café «Ünïcode» 東京 🕷\r\n"
            "true,plain\r\n");
}

TEST_F(FeedExportTest, CsvRefusesAscii) {
  EXPECT_THROW(feed_writer({.path = path("a.csv"), .format = feed_format::csv, .ascii_only = true}), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(path("a.csv")));
}

TEST_F(FeedExportTest, AppendAndOverwrite) {
  auto file = path("items.jsonl");
  write_all({file, feed_format::json_lines}, {sample_items[0]});
  write_all({file, feed_format::json_lines}, {sample_items[1]});
  EXPECT_EQ(lines(file).size(), 2u);
  write_all({.path = file, .format = feed_format::json_lines, .overwrite = true}, {sample_items[2]});
  ASSERT_EQ(lines(file).size(), 1u);
  EXPECT_EQ(json::parse(lines(file)[0]).as_object(), sample_items[2]);
}

TEST_F(FeedExportTest, AppendingToCsvKeepsItsHeader) {
  auto file = path("items.csv");
  write_all({.path = file, .format = feed_format::csv, .fields = {"title", "price"}}, {sample_items[2]});
  // The second run's items have other keys first; the file's columns still rule.
  write_all({file, feed_format::csv}, {{{"price", 1}, {"title", "x,y"}, {"extra", 0}}});
  EXPECT_EQ(contents(file),
            "title,price\r\n"
            "plain,\r\n"
            "\"x,y\",1\r\n");
}

TEST_F(FeedExportTest, FlushWritesWholeRecordsAtOnce) {
  auto file = path("flushed.jsonl");
  feed_writer writer({file, feed_format::json_lines});
  writer.write(sample_items[0]);
  EXPECT_TRUE(writer.has_unflushed());
  EXPECT_EQ(contents(file), "") << "records wait in the buffer until a flush";
  writer.flush();
  EXPECT_FALSE(writer.has_unflushed());
  auto text = contents(file);
  ASSERT_TRUE(text.ends_with('\n')) << text;
  EXPECT_EQ(json::parse(text).as_object(), sample_items[0]);
  writer.close();
}

// What a kill in the middle of a write leaves: the last record cut short.
TEST_F(FeedExportTest, AppendingCutsATornLastLine) {
  auto file = path("torn.jsonl");
  write_all({file, feed_format::json_lines}, {sample_items[0], sample_items[1]});
  std::ofstream(file, std::ios::app | std::ios::binary) << R"({"title": "half a rec)";
  write_all({file, feed_format::json_lines}, {sample_items[2]});
  auto written = lines(file);
  ASSERT_EQ(written.size(), 3u) << contents(file);
  for (const auto& line : written) EXPECT_NO_THROW(json::parse(line)) << line;
  EXPECT_EQ(json::parse(written[2]).as_object(), sample_items[2]);
}

TEST_F(FeedExportTest, AFileOfOnlyATornLineIsEmptied) {
  auto file = path("torn-only.jsonl");
  std::ofstream(file, std::ios::binary) << R"({"title": "cut)";
  EXPECT_EQ(cut_torn_record(file, feed_format::json_lines), 14u);
  EXPECT_EQ(std::filesystem::file_size(file), 0u);
  EXPECT_EQ(cut_torn_record(file, feed_format::json_lines), 0u) << "an empty file is whole";
  EXPECT_EQ(cut_torn_record(path("missing.jsonl"), feed_format::json_lines), 0u);
}

TEST_F(FeedExportTest, LongTornLinesAreCutWhole) {
  // Longer than the chunk the tail is read in, so the search for the last newline crosses chunks.
  auto file = path("long.jsonl");
  std::string whole = "{\"a\": \"" + std::string(100'000, 'x') + "\"}\n";
  std::ofstream(file, std::ios::binary) << whole << "{\"b\": \"" << std::string(200'000, 'y');
  EXPECT_EQ(cut_torn_record(file, feed_format::json_lines), 200'007u);
  EXPECT_EQ(contents(file), whole);
}

TEST_F(FeedExportTest, AppendingToCsvCutsATornRecordEvenInsideQuotes) {
  auto file = path("torn.csv");
  write_all({file, feed_format::csv}, {sample_items[1]});
  auto whole = contents(file);
  // Cut after a newline inside a quoted cell: a line-based cut would keep half a record.
  std::ofstream(file, std::ios::app | std::ios::binary) << "\"Two\nlines";
  write_all({file, feed_format::csv}, {sample_items[2]});
  EXPECT_EQ(contents(file), whole + "plain,,\r\n");
}

TEST_F(FeedExportTest, AJsonArrayIsLeftAlone) {
  // Never appended to (refused below), so never cut: -O starts it afresh.
  auto file = path("left.json");
  std::ofstream(file, std::ios::binary) << "[\n{\"a\": 1},\n{\"b\"";
  EXPECT_EQ(cut_torn_record(file, feed_format::json), 0u);
  EXPECT_EQ(std::filesystem::file_size(file), 16u);
}

TEST_F(FeedExportTest, AppendingToJsonArrayIsRefused) {
  auto file = path("items.json");
  write_all({file, feed_format::json}, {sample_items[0]});
  try {
    feed_writer writer({file, feed_format::json});
    FAIL() << "appending to a JSON array was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos);
  }
  write_all({.path = file, .format = feed_format::json, .overwrite = true}, {sample_items[1]});
  EXPECT_EQ(json::parse(contents(file)).as_array().size(), 1u);
}

TEST_F(FeedExportTest, CreatesParentDirectories) {
  auto file = path("out/2026/items.jsonl");
  write_all({file, feed_format::json_lines}, {sample_items[0]});
  EXPECT_EQ(lines(file).size(), 1u);
}

TEST_F(FeedExportTest, UnwritablePathThrowsWithThePath) {
  // Through a regular file: fails even for root, unlike a permission check.
  std::ofstream(path("blocker")) << "x";
  auto file = path("blocker/items.jsonl");
  try {
    feed_writer writer({file, feed_format::json_lines});
    FAIL() << "opened a feed under a regular file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

// The pipeline as the engine builds it: registered as "feed_export" and configured by settings.
class FeedExportPipelineTest : public FeedExportTest {
 protected:
  // The opened pipelines of a crawler with these settings; the crawl itself never runs.
  void open(const std::vector<std::pair<std::string, std::string>>& values) {
    settings config;
    for (const auto& [name, value] : values) config.set(name, value, setting_priority::command_line);
    crawl_ = std::make_unique<crawler>(std::make_unique<spider>(), std::move(config));
    pipelines_ = build_pipelines(*crawl_);
  }
  item_pipeline* feed_export() {
    for (auto& p : pipelines_)
      if (p.name == "feed_export") return p.instance.get();
    return nullptr;
  }
  // Runs until nothing is left to do, a flush timer included.
  void run(boost::asio::awaitable<void> task) {
    io_.restart();
    boost::asio::co_spawn(io_, std::move(task), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    io_.run();
  }

  boost::asio::io_context io_;  // the reactor; outlives the pipelines, whose flush timer it runs
  std::unique_ptr<crawler> crawl_;
  component_list<item_pipeline> pipelines_;
};

TEST_F(FeedExportPipelineTest, StaysOutWithoutFeeds) {
  open({});
  EXPECT_EQ(feed_export(), nullptr);
}

TEST_F(FeedExportPipelineTest, WritesEveryFeedAndCounts) {
  open({{"FEEDS", path("a.jsonl") + "," + path("b.csv")}});
  auto* pipeline = feed_export();
  ASSERT_NE(pipeline, nullptr);
  for (auto it : sample_items) run(pipeline->process_item(it, crawl_->target()));
  run(pipeline->close(crawl_->target()));
  EXPECT_EQ(lines(path("a.jsonl")).size(), sample_items.size());
  EXPECT_TRUE(contents(path("b.csv")).starts_with("title,price,tags\r\n"));
  EXPECT_EQ(crawl_->stats().get("feedexport/item_count/jsonlines"), 3);
  EXPECT_EQ(crawl_->stats().get("feedexport/item_count/csv"), 3);
  EXPECT_EQ(crawl_->stats().get("feedexport/success_count/jsonlines"), 1);
  EXPECT_EQ(crawl_->stats().get("feedexport/success_count/csv"), 1);
  EXPECT_EQ(crawl_->stats().get("feedexport/failed_count/csv"), 0);
}

TEST_F(FeedExportPipelineTest, OverwriteSetting) {
  std::ofstream(path("a.jsonl")) << "{\"old\":1}\n";
  open({{"FEEDS", path("a.jsonl")}, {"FEED_OVERWRITE", "true"}});
  item it = sample_items[2];
  run(feed_export()->process_item(it, crawl_->target()));
  run(feed_export()->close(crawl_->target()));
  ASSERT_EQ(lines(path("a.jsonl")).size(), 1u);
  EXPECT_EQ(json::parse(lines(path("a.jsonl"))[0]).as_object(), sample_items[2]);
}

TEST_F(FeedExportPipelineTest, ItemsReachTheFileWithinTheFlushInterval) {
  open({{"FEEDS", path("a.jsonl") + "," + path("b.csv")}, {"FEED_FLUSH_INTERVAL", "0.05"}});
  item it = sample_items[2];
  auto started = std::chrono::steady_clock::now();
  run(feed_export()->process_item(it, crawl_->target()));  // returns once the timer has fired
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(50));
  ASSERT_EQ(lines(path("a.jsonl")).size(), 1u) << "written before close";
  EXPECT_EQ(json::parse(lines(path("a.jsonl"))[0]).as_object(), sample_items[2]);
  EXPECT_EQ(contents(path("b.csv")), "title,price,stock\r\nplain,,true\r\n");
  it = sample_items[0];
  run(feed_export()->process_item(it, crawl_->target()));
  EXPECT_EQ(lines(path("a.jsonl")).size(), 2u) << "the timer is armed again for the next items";
  run(feed_export()->close(crawl_->target()));
  EXPECT_EQ(lines(path("a.jsonl")).size(), 2u);
}

TEST_F(FeedExportPipelineTest, ZeroFlushIntervalWritesEveryItemAtOnce) {
  open({{"FEEDS", path("a.jsonl")}, {"FEED_FLUSH_INTERVAL", "0"}});
  item it = sample_items[1];
  run(feed_export()->process_item(it, crawl_->target()));
  EXPECT_EQ(lines(path("a.jsonl")).size(), 1u);
  run(feed_export()->close(crawl_->target()));
}

TEST_F(FeedExportPipelineTest, CloseCancelsAPendingFlush) {
  open({{"FEEDS", path("a.jsonl")}, {"FEED_FLUSH_INTERVAL", "30"}});
  item it = sample_items[1];
  auto started = std::chrono::steady_clock::now();
  boost::asio::co_spawn(io_, feed_export()->process_item(it, crawl_->target()), boost::asio::detached);
  run(feed_export()->close(crawl_->target()));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5)) << "close waited for the timer";
  EXPECT_EQ(lines(path("a.jsonl")).size(), 1u);
}

TEST_F(FeedExportPipelineTest, MistakesRefusedBeforeAnyFileIsOpened) {
  const std::vector<std::vector<std::pair<std::string, std::string>>> mistakes{
      {{"FEEDS", path("a.jsonl") + "," + path("b.xml")}},
      {{"FEEDS", path("a.jsonl") + "," + path("a.jsonl")}},
      {{"FEEDS", path("a.jsonl") + "," + path("b.csv")}, {"FEED_EXPORT_ENCODING", "ascii"}},
      {{"FEEDS", path("a.jsonl")}, {"FEED_EXPORT_ENCODING", "latin-1"}},
      {{"FEEDS", path("a.jsonl")}, {"FEED_FLUSH_INTERVAL", "-1"}},
  };
  for (const auto& values : mistakes) {
    SCOPED_TRACE(values.back().second);
    EXPECT_THROW(open(values), std::runtime_error);
    EXPECT_FALSE(std::filesystem::exists(path("a.jsonl")));
  }
}

TEST_F(FeedExportPipelineTest, AsciiEncodingEscapesJsonFeeds) {
  open({{"FEEDS", path("a.json")}, {"FEED_EXPORT_ENCODING", "ASCII"}});
  item it = sample_items[0];
  run(feed_export()->process_item(it, crawl_->target()));
  run(feed_export()->close(crawl_->target()));
  auto text = contents(path("a.json"));
  EXPECT_NE(text.find("Caf\\u00e9"), std::string::npos) << text;
  EXPECT_EQ(json::parse(text).as_array().at(0).as_object(), sample_items[0]);
}

// A JOBDIR's feed is cut back to where its last checkpoint said it ended and continued, -O or
// not; a JSON array stays one array; a file shorter than recorded was changed by someone else.
TEST_F(FeedExportTest, AResumedFeedIsCutBackToItsCheckpointAndContinued) {
  std::uintmax_t checkpoint = 0;
  {
    feed_writer writer({.path = path("items.jsonl"), .overwrite = true});
    writer.write({{"n", 1}});
    writer.sync();
    checkpoint = writer.size();
    writer.write({{"n", 2}});  // after the checkpoint
    writer.close();
  }
  write_all({.path = path("items.jsonl"), .overwrite = true, .resume_at = checkpoint}, {{{"n", 3}}});
  EXPECT_EQ(lines(path("items.jsonl")), (std::vector<std::string>{R"({"n":1})", R"({"n":3})"}));

  {
    feed_writer writer({.path = path("items.json"), .format = feed_format::json, .overwrite = true});
    writer.write({{"n", 1}});
    writer.sync();
    checkpoint = writer.size();
    writer.close();  // the closing bracket comes after the checkpoint
  }
  write_all({.path = path("items.json"), .format = feed_format::json, .resume_at = checkpoint}, {{{"n", 2}}});
  EXPECT_EQ(json::parse(contents(path("items.json"))), json::parse(R"([{"n":1},{"n":2}])"));

  EXPECT_THROW(feed_writer({.path = path("items.jsonl"), .resume_at = 1000000}), std::runtime_error);
}

}  // namespace
}  // namespace orbweaver::pipelines
