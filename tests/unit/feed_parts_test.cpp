// The merge of the workers' feed parts (--workers N -o FILE), on part files the feed writer wrote:
// each part cut at its committed position, one CSV header, one JSON array.
#include "feed_parts.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace orbweaver::pipelines {
namespace {

namespace fs = std::filesystem;

item numbered(int id) { return item{{"id", id}, {"title", "Item \"" + std::to_string(id) + "\",\nwith a newline"}}; }

class FeedParts : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-parts-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A part as a worker leaves it: `committed` items synced (their end is the position its commit
  // recorded), then `uncommitted` more written after the commit, then closed.
  feed_part part(const std::string& name, feed_format format, std::vector<int> committed, std::vector<int> uncommitted,
                 std::vector<std::string> fields = {}) const {
    feed_writer writer({.path = path(name), .format = format, .overwrite = true, .fields = std::move(fields)});
    for (int id : committed) writer.write(numbered(id));
    writer.sync();
    const auto position = writer.size();
    for (int id : uncommitted) writer.write(numbered(id));
    writer.close();
    return {path(name), position};
  }

  static std::string contents(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static void write_file(const std::string& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

  // The ids of a JSON lines file, in order.
  static std::vector<int> json_lines_ids(const std::string& file) {
    std::vector<int> ids;
    std::istringstream in(contents(file));
    for (std::string line; std::getline(in, line);) ids.push_back(static_cast<int>(json::parse(line).at("id").as_int64()));
    return ids;
  }

  fs::path dir_;
};

TEST_F(FeedParts, JsonLinesAreTheCommittedPrefixesOfThePartsInOrder) {
  std::vector<feed_part> parts{part("a.jsonl", feed_format::json_lines, {1, 2}, {3}),
                               part("b.jsonl", feed_format::json_lines, {4}, {5, 6}),
                               part("c.jsonl", feed_format::json_lines, {}, {7})};
  parts.push_back({path("never-committed.jsonl"), std::nullopt});
  write_file(path("never-committed.jsonl"), "{\"id\":8}\n");

  EXPECT_EQ(merge_feed_parts(parts, path("items.jsonl"), feed_format::json_lines, true), 3u);
  EXPECT_EQ(json_lines_ids(path("items.jsonl")), (std::vector<int>{1, 2, 4}));
}

TEST_F(FeedParts, OverwriteReplacesTheTargetAndAppendAddsToIt) {
  write_file(path("items.jsonl"), "{\"id\":0}\n");
  std::vector<feed_part> parts{part("a.jsonl", feed_format::json_lines, {1}, {})};
  merge_feed_parts(parts, path("items.jsonl"), feed_format::json_lines, true);
  EXPECT_EQ(json_lines_ids(path("items.jsonl")), (std::vector<int>{1}));

  // A torn last record (a crawl killed mid-write) is cut away before the append.
  write_file(path("items.jsonl"), contents(path("items.jsonl")) + "{\"id\":9");
  merge_feed_parts(parts, path("items.jsonl"), feed_format::json_lines, false);
  EXPECT_EQ(json_lines_ids(path("items.jsonl")), (std::vector<int>{1, 1}));
  EXPECT_FALSE(fs::exists(path("items.jsonl.merging")));
}

TEST_F(FeedParts, CsvHasOneHeaderRow) {
  std::vector<feed_part> parts{part("a.csv", feed_format::csv, {1, 2}, {3}), part("b.csv", feed_format::csv, {}, {}),
                               part("c.csv", feed_format::csv, {4}, {5})};
  EXPECT_EQ(merge_feed_parts(parts, path("items.csv"), feed_format::csv, true), 3u);

  feed_writer expected({.path = path("expected.csv"), .format = feed_format::csv, .overwrite = true});
  for (int id : {1, 2, 4}) expected.write(numbered(id));
  expected.close();
  EXPECT_EQ(contents(path("items.csv")), contents(path("expected.csv")));
}

TEST_F(FeedParts, CsvPartsWithOtherColumnsAreRefusedAndTheTargetKept) {
  write_file(path("items.csv"), "old\n");
  std::vector<feed_part> parts{part("a.csv", feed_format::csv, {1}, {}),
                               part("b.csv", feed_format::csv, {2}, {}, {"title", "id"})};
  try {
    merge_feed_parts(parts, path("items.csv"), feed_format::csv, true);
    FAIL() << "merged parts with different columns";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("(title,id) differ from those of"), std::string::npos) << e.what();
  }
  EXPECT_EQ(contents(path("items.csv")), "old\n");
  EXPECT_FALSE(fs::exists(path("items.csv.merging")));
}

TEST_F(FeedParts, CsvAppendKeepsTheTargetsHeaderAndRefusesOtherColumns) {
  std::vector<feed_part> parts{part("a.csv", feed_format::csv, {1}, {2})};
  merge_feed_parts(parts, path("items.csv"), feed_format::csv, true);
  const std::string once = contents(path("items.csv"));
  EXPECT_EQ(merge_feed_parts(parts, path("items.csv"), feed_format::csv, false), 1u);
  EXPECT_EQ(contents(path("items.csv")), once + once.substr(once.find('\n') + 1));

  write_file(path("other.csv"), "title,id\n");
  EXPECT_THROW(merge_feed_parts(parts, path("other.csv"), feed_format::csv, false), std::runtime_error);
  EXPECT_EQ(contents(path("other.csv")), "title,id\n") << "nothing appended";
}

TEST_F(FeedParts, JsonArraysBecomeOneArray) {
  std::vector<feed_part> parts{part("a.json", feed_format::json, {1, 2}, {3}), part("b.json", feed_format::json, {}, {4}),
                               part("c.json", feed_format::json, {5}, {})};
  EXPECT_EQ(merge_feed_parts(parts, path("items.json"), feed_format::json, true), 3u);
  const auto merged = json::parse(contents(path("items.json"))).as_array();
  std::vector<int> ids;
  for (const auto& it : merged) ids.push_back(static_cast<int>(it.at("id").as_int64()));
  EXPECT_EQ(ids, (std::vector<int>{1, 2, 5}));

  // As one writer would have written them.
  feed_writer expected({.path = path("expected.json"), .format = feed_format::json, .overwrite = true});
  for (int id : {1, 2, 5}) expected.write(numbered(id));
  expected.close();
  EXPECT_EQ(contents(path("items.json")), contents(path("expected.json")));
}

TEST_F(FeedParts, NoCommittedItemsGiveAnEmptyArray) {
  std::vector<feed_part> parts{part("a.json", feed_format::json, {}, {1}), {path("missing.json"), std::nullopt}};
  EXPECT_EQ(merge_feed_parts(parts, path("items.json"), feed_format::json, true), 0u);
  EXPECT_TRUE(json::parse(contents(path("items.json"))).as_array().empty());
}

TEST_F(FeedParts, AppendingToAJsonArrayIsRefused) {
  write_file(path("items.json"), "[\n{\"id\":0}\n]\n");
  std::vector<feed_part> parts{part("a.json", feed_format::json, {1}, {})};
  EXPECT_THROW(merge_feed_parts(parts, path("items.json"), feed_format::json, false), std::runtime_error);
  EXPECT_EQ(contents(path("items.json")), "[\n{\"id\":0}\n]\n");
}

TEST_F(FeedParts, APartShorterThanItsCommittedPositionIsAnError) {
  auto a = part("a.jsonl", feed_format::json_lines, {1, 2}, {});
  fs::resize_file(a.path, *a.committed - 3);
  try {
    merge_feed_parts({a}, path("items.jsonl"), feed_format::json_lines, true);
    FAIL() << "merged a part that lost committed bytes";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fewer than the"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path("items.jsonl")));
}

TEST_F(FeedParts, PartPathsAreNamedAfterTheTargetAndTheWorker) {
  EXPECT_EQ(feed_part_path("out/items.jsonl", feed_format::json_lines, "host-2"), fs::path("out/items.jsonl.parts/host-2.jsonl"));
  EXPECT_EQ(feed_part_path("items.out", feed_format::csv, "host-1"), fs::path("items.out.parts/host-1.csv"));
  EXPECT_EQ(feed_parts_folder("items.json"), fs::path("items.json.parts"));
}

}  // namespace
}  // namespace orbweaver::pipelines
