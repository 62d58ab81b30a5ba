// The frontier's storage without sockets: the exact on-disk duplicate filter, the per-key request
// store (order, reopening, a torn last write, damaged records) and the binary request codec.
#include "storage/disk_dupefilter.hpp"
#include "storage/request_codec.hpp"
#include "storage/request_store.hpp"
#include "storage/scratch_directory.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

namespace {

using namespace orbweaver;
using namespace orbweaver::storage;
namespace fs = std::filesystem;

fingerprint nth_fingerprint(std::uint64_t i, std::uint64_t salt = 0) {
  std::mt19937_64 gen(i * 1000003 + salt);
  fingerprint f;
  for (std::size_t at = 0; at < f.size(); at += 4) {
    auto v = static_cast<std::uint32_t>(gen());
    std::memcpy(f.data() + at, &v, 4);
  }
  return f;
}

TEST(ScratchDirectory, IsRemovedWithEverythingInIt) {
  fs::path path;
  {
    scratch_directory dir;
    path = dir.path();
    EXPECT_TRUE(fs::is_directory(path));
    fs::create_directories(path / "a" / "b");
    request_store store(path / "a");
    store.append("k", {"x"});
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(DiskDupefilter, NoNewFingerprintIsDroppedAndEveryRepeatIs) {
  scratch_directory dir;
  disk_dupefilter filter(dir.path());
  constexpr std::uint64_t n = 200'000;  // past the first Bloom stages: their false positives go to disk
  std::uint64_t wrongly_seen = 0;
  for (std::uint64_t i = 0; i < n; ++i) wrongly_seen += filter.seen_before(nth_fingerprint(i));
  EXPECT_EQ(wrongly_seen, 0u);
  EXPECT_EQ(filter.size(), n);
  EXPECT_GT(filter.disk_reads(), 0u) << "the Bloom filter's false positives must be confirmed on disk";
  std::uint64_t missed = 0;
  for (std::uint64_t i = 0; i < n; ++i) missed += !filter.seen_before(nth_fingerprint(i));
  EXPECT_EQ(missed, 0u);
  EXPECT_EQ(filter.size(), n);
}

TEST(DiskDupefilter, RecentDuplicatesAreAnsweredWithoutTheDisk) {
  scratch_directory dir;
  disk_dupefilter filter(dir.path());
  for (std::uint64_t i = 0; i < 1000; ++i) ASSERT_FALSE(filter.seen_before(nth_fingerprint(i)));
  auto reads = filter.disk_reads();
  for (int round = 0; round < 20; ++round)
    for (std::uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(filter.seen_before(nth_fingerprint(i)));
  EXPECT_EQ(filter.disk_reads(), reads);
}

TEST(DiskDupefilter, ReopenedDirectoryRemembersWhatWasSeen) {
  scratch_directory dir;
  {
    disk_dupefilter filter(dir.path() / "dupefilter");
    for (std::uint64_t i = 0; i < 10'000; ++i) filter.seen_before(nth_fingerprint(i));
  }  // destroyed with a partial batch still in memory: it is committed on the way out
  disk_dupefilter again(dir.path() / "dupefilter");
  EXPECT_EQ(again.size(), 10'000u);
  for (std::uint64_t i = 0; i < 10'000; ++i) ASSERT_TRUE(again.seen_before(nth_fingerprint(i))) << i;
  EXPECT_FALSE(again.seen_before(nth_fingerprint(0, 1)));
}

TEST(DiskDupefilter, FiltersRequestsByFingerprint) {
  scratch_directory dir;
  disk_dupefilter filter(dir.path());
  EXPECT_FALSE(filter.seen_before(request("http://example.com/a?x=1&y=2")));
  EXPECT_TRUE(filter.seen_before(request("http://EXAMPLE.com:80/a?y=2&x=1#frag")));
  EXPECT_FALSE(filter.seen_before(request("http://example.com/b")));
  EXPECT_EQ(filter.size(), 2u);
}

TEST(DiskDupefilter, TemporaryDirectoryGoesWithTheFilter) {
  scratch_directory tmp;
  const char* saved = std::getenv("TMPDIR");
  std::string previous = saved ? saved : "";
  setenv("TMPDIR", tmp.path().c_str(), 1);
  auto filter = disk_dupefilter::in_temporary_directory();
  saved ? setenv("TMPDIR", previous.c_str(), 1) : unsetenv("TMPDIR");
  filter->seen_before(nth_fingerprint(1));
  filter->flush();
  std::vector<fs::path> made(fs::directory_iterator(tmp.path()), fs::directory_iterator());
  ASSERT_EQ(made.size(), 1u);
  EXPECT_TRUE(fs::exists(made[0] / "seen.sqlite"));
  filter.reset();
  EXPECT_FALSE(fs::exists(made[0]));
}

std::vector<std::string> numbered(std::string_view key, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(fmt::format("{}-{}", key, i));
  return out;
}

TEST(RequestStore, KeepsAppendOrderPerKey) {
  scratch_directory dir;
  request_store store(dir.path());
  store.append("a.com", numbered("a", 0, 3));
  store.append("b.com", numbered("b", 0, 2));
  store.append("a.com", numbered("a", 3, 5));
  EXPECT_EQ(store.size("a.com"), 5u);
  EXPECT_EQ(store.size("b.com"), 2u);
  EXPECT_EQ(store.size("c.com"), 0u);
  EXPECT_EQ(store.size(), 7u);
  EXPECT_EQ(store.take("a.com", 2), numbered("a", 0, 2));
  EXPECT_EQ(store.take("b.com", 10), numbered("b", 0, 2));
  EXPECT_EQ(store.take("a.com", 10), numbered("a", 2, 5));
  EXPECT_TRUE(store.take("a.com", 10).empty());
  EXPECT_TRUE(store.take("nowhere", 10).empty());
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(store.keys().empty());
}

TEST(RequestStore, ReopenedStoreResumesWhereItStopped) {
  scratch_directory dir;
  {
    request_store store(dir.path());
    store.append("a.com", numbered("a", 0, 10));
    store.append("b.com", numbered("b", 0, 4));
    EXPECT_EQ(store.take("a.com", 4), numbered("a", 0, 4));
    store.take("b.com", 4);
  }
  request_store store(dir.path());
  EXPECT_EQ(store.size(), 6u);
  EXPECT_EQ(store.keys(), std::vector<std::string>{"a.com"});
  store.append("a.com", numbered("a", 10, 12));
  store.append("b.com", numbered("b", 4, 5));
  EXPECT_EQ(store.take("a.com", 100), numbered("a", 4, 12));
  EXPECT_EQ(store.take("b.com", 100), numbered("b", 4, 5));
}

TEST(RequestStore, LargeBatchesComeBackWholeAndInOrder) {
  scratch_directory dir;
  request_store store(dir.path());
  std::vector<std::string> all;
  for (int batch = 0; batch < 4; ++batch) {
    auto records = numbered(std::string(150, 'x'), batch * 50'000, (batch + 1) * 50'000);
    all.insert(all.end(), records.begin(), records.end());
    store.append("big", std::move(records));
  }
  std::vector<std::string> back;
  while (store.size("big") > 0) {
    auto part = store.take("big", 7'000);
    back.insert(back.end(), part.begin(), part.end());
  }
  EXPECT_EQ(back, all);
}

// A kill during a commit leaves the WAL's last transaction cut short: the copy of the files taken
// while the store is open is what the disk holds after a kill -9, and cutting the WAL inside its
// last frame is the torn write.
TEST(RequestStore, TornLastWriteIsDiscardedOnOpen) {
  scratch_directory dir;
  auto live = dir.path() / "live", crashed = dir.path() / "crashed";
  request_store store(live);
  store.append("a.com", numbered("a", 0, 100));
  store.flush();
  store.append("a.com", numbered("a", 100, 200));
  store.flush();
  fs::create_directories(crashed);
  for (const char* name : {"requests.sqlite", "requests.sqlite-wal"})
    fs::copy_file(live / name, crashed / name);
  auto wal = crashed / "requests.sqlite-wal";
  fs::resize_file(wal, fs::file_size(wal) - 100);

  request_store reopened(crashed);
  EXPECT_EQ(reopened.size("a.com"), 100u) << "the whole second append goes, the first stays";
  EXPECT_EQ(reopened.take("a.com", 1000), numbered("a", 0, 100));
  reopened.append("a.com", numbered("a", 100, 101));
  EXPECT_EQ(reopened.take("a.com", 1000), numbered("a", 100, 101));
}

TEST(RequestStore, DamagedRecordIsReportedByName) {
  scratch_directory dir;
  {
    request_store store(dir.path());
    store.append("a.com", numbered("a", 0, 5));
  }
  {
    database db(dir.path() / "requests.sqlite");
    db.exec("UPDATE records SET data = 'a-X' WHERE seq = 2");
  }
  request_store store(dir.path());
  EXPECT_EQ(store.take("a.com", 2), numbered("a", 0, 2));
  try {
    store.take("a.com", 2);
    FAIL() << "a damaged record must not be returned";
  } catch (const storage_error& e) {
    EXPECT_NE(std::string(e.what()).find("record 2 of 'a.com' is damaged"), std::string::npos) << e.what();
  }
}

class codec_spider : public spider {
 public:
  codec_spider() { name = "storage_codec_test"; }
  void parse(const response&, output&) override {}
  void parse_item(const response&, output&) {}
  void parse_unnamed(const response&, output&) {}
  void on_error(const failure&, output&) {}
};

}  // namespace

ORBWEAVER_SPIDER(codec_spider, parse_item, on_error);

namespace {

TEST(RequestCodec, EveryFieldRoundTrips) {
  codec_spider s;
  request r("http://example.com/p?q=1", &codec_spider::parse_item);
  r.set_errback(&codec_spider::on_error);
  r.method = "POST";
  r.headers.add("Content-Type", "application/octet-stream");
  r.headers.add("X-Two", "a");
  r.headers.add("X-Two", "b");
  r.body = std::string("\x00\xff\x80 binary", 10);
  r.priority = -7;
  r.dont_filter = true;
  r.meta = {{"depth", 3}, {"proxy", "http://p:1"}};
  r.cb_kwargs = {{"page", 2}, {"tags", json::array{"a", "b"}}};

  auto bytes = encode_request(r);
  ASSERT_TRUE(bytes);
  auto back = decode_request(*bytes, s);
  EXPECT_EQ(back.url, r.url);
  EXPECT_EQ(back.method, "POST");
  ASSERT_EQ(back.headers.size(), 3u);
  EXPECT_EQ(back.body, r.body);
  EXPECT_EQ(back.priority, -7);
  EXPECT_TRUE(back.dont_filter);
  EXPECT_EQ(back.meta, r.meta);
  EXPECT_EQ(back.cb_kwargs, r.cb_kwargs);
  EXPECT_EQ(back.callback_name, "parse_item");
  EXPECT_TRUE(back.callback);
  EXPECT_EQ(back.errback_name, "on_error");
  EXPECT_TRUE(back.errback);
  EXPECT_EQ(encode_request(back), bytes) << "encoding is deterministic";

  auto plain = decode_request(*encode_request(request("http://example.com/")), s);
  EXPECT_FALSE(plain.callback) << "no callback is parse()";
  EXPECT_EQ(plain.method, "GET");
  EXPECT_EQ(plain.priority, 0);
  EXPECT_LT(encode_request(request("http://example.com/"))->size(), std::string("http://example.com/").size() + 16);
}

TEST(RequestCodec, UnnamedCallbackCannotBeWritten) {
  EXPECT_FALSE(encode_request(request("http://example.com/", &codec_spider::parse_unnamed)));
  request r("http://example.com/");
  r.errback = [](spider&, const failure&, output&) {};
  EXPECT_FALSE(encode_request(r));
}

TEST(RequestCodec, BadBytesAreRefusedWithTheReason) {
  codec_spider s;
  auto bytes = *encode_request(request("http://example.com/", &codec_spider::parse_item));
  auto refuses = [&](std::string_view input, std::string_view reason) {
    try {
      decode_request(input, s);
      ADD_FAILURE() << "accepted: " << reason;
    } catch (const serialization_error& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  };
  refuses(std::string_view(bytes).substr(0, bytes.size() - 3), "ends early");
  refuses(bytes + "x", "bytes after the last field");
  refuses("\x02" + bytes.substr(1), "format version 2");
  auto renamed = bytes;
  renamed.replace(renamed.find("parse_item"), 10, "parse_gone");
  refuses(renamed, "no callback named 'parse_gone'");
}

}  // namespace
