// The HTTP cache's policies (Scrapy's DummyPolicy and RFC2616Policy cases) at a given time, its
// entry format and its filesystem storage: no sockets.
#include "core/http_date.hpp"
#include "downloader/http_cache.hpp"
#include "downloader/http_cache_policy.hpp"
#include "downloader/http_cache_storage.hpp"

#include <orbweaver/settings.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace orbweaver;
using namespace orbweaver::middlewares;
using namespace orbweaver::middlewares::http_cache;

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t now = 1'700'000'000;

std::string date(std::int64_t offset) { return http_date::format(now + offset); }

response_ptr make_response(int status, http_headers headers, std::string body = "body") {
  request r("http://example.com/page");
  return std::make_shared<response>(r, r.url, status, std::move(headers), std::move(body));
}

rfc2616_policy rfc2616(bool always_store = false, std::vector<std::string> ignored_controls = {}) {
  return rfc2616_policy({"file"}, always_store, std::move(ignored_controls));
}

bool fresh(const cache_policy& policy, const response& cached, request& r, std::int64_t at = now) {
  return policy.is_cached_response_fresh(cached, r, static_cast<epoch_seconds>(at));
}

class scratch_folder {
 public:
  scratch_folder() : path_(fs::temp_directory_path() / ("orbweaver-httpcache-unit-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
  }
  ~scratch_folder() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::size_t files_under(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) ++n;
  return n;
}

}  // namespace

TEST(HttpCachePolicy, ParsesCacheControlAsScrapy) {
  auto directives = parse_cache_control("public, Max-Age=3600 ,no-cache,, x=\"y\"");
  ASSERT_EQ(directives.size(), 4u);
  EXPECT_FALSE(directives.at("public"));
  EXPECT_EQ(directives.at("max-age"), "3600");
  EXPECT_FALSE(directives.at("no-cache"));
  EXPECT_EQ(directives.at("x"), "\"y\"");
  EXPECT_TRUE(parse_cache_control("").empty());
}

TEST(HttpCachePolicy, ReadsTheThreeFormsOfHttpDates) {
  EXPECT_EQ(http_date::parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(http_date::parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(http_date::parse("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(http_date::parse(" Sun, 06 Nov 1994 08:49:37 GMT "), 784111777);
  EXPECT_FALSE(http_date::parse("yesterday"));
  EXPECT_FALSE(http_date::parse(""));
  EXPECT_EQ(http_date::format(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(http_date::parse(http_date::format(now)), now);
}

TEST(HttpCachePolicy, DummyCachesEverythingButIgnoredCodesAndSchemesAndIsAlwaysFresh) {
  dummy_policy policy({"file"}, {404, 500});
  request r("http://example.com/");
  EXPECT_TRUE(policy.should_cache_request(r));
  EXPECT_FALSE(policy.should_cache_request(request("file:///etc/hosts")));
  EXPECT_FALSE(policy.should_cache_request(request("FILE:///etc/hosts")));
  EXPECT_TRUE(policy.should_cache_response(*make_response(200, {}), r));
  EXPECT_TRUE(policy.should_cache_response(*make_response(503, {{"Cache-Control", "no-store"}}), r));
  EXPECT_FALSE(policy.should_cache_response(*make_response(404, {}), r));
  EXPECT_FALSE(policy.should_cache_response(*make_response(500, {}), r));
  auto old = make_response(200, {{"Date", date(-86400 * 365)}, {"Cache-Control", "max-age=0"}});
  EXPECT_TRUE(fresh(policy, *old, r));
  EXPECT_FALSE(r.headers.contains("If-None-Match"));
}

TEST(HttpCachePolicy, Rfc2616StoresWhatHasAnExpirationOrAValidator) {
  auto policy = rfc2616();
  request r("http://example.com/");
  EXPECT_FALSE(policy.should_cache_response(*make_response(200, {{"Cache-Control", "no-store, max-age=60"}}), r));
  EXPECT_FALSE(policy.should_cache_response(*make_response(304, {{"Cache-Control", "max-age=60"}}), r));
  EXPECT_TRUE(policy.should_cache_response(*make_response(200, {{"Cache-Control", "max-age=60"}}), r));
  EXPECT_TRUE(policy.should_cache_response(*make_response(404, {{"Expires", date(60)}}), r));
  EXPECT_TRUE(policy.should_cache_response(*make_response(301, {}), r));
  EXPECT_TRUE(policy.should_cache_response(*make_response(308, {}), r));
  EXPECT_FALSE(policy.should_cache_response(*make_response(200, {}), r)) << "no expiration, no validator";
  EXPECT_TRUE(policy.should_cache_response(*make_response(200, {{"ETag", "\"v1\""}}), r));
  EXPECT_TRUE(policy.should_cache_response(*make_response(203, {{"Last-Modified", date(-10)}}), r));
  EXPECT_FALSE(policy.should_cache_response(*make_response(404, {{"ETag", "\"v1\""}}), r));
  EXPECT_FALSE(policy.should_cache_response(*make_response(206, {{"ETag", "\"v1\""}}), r));

  EXPECT_TRUE(rfc2616(true).should_cache_response(*make_response(500, {}), r)) << "HTTPCACHE_ALWAYS_STORE";
  EXPECT_FALSE(rfc2616(true).should_cache_response(*make_response(200, {{"Cache-Control", "no-store"}}), r));
  EXPECT_TRUE(rfc2616(false, {"No-Store"})
                  .should_cache_response(*make_response(200, {{"Cache-Control", "no-store, max-age=60"}}), r))
      << "HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS";

  request no_store("http://example.com/", {.headers = {{"Cache-Control", "no-store"}}});
  EXPECT_FALSE(policy.should_cache_request(no_store));
  EXPECT_FALSE(policy.should_cache_request(request("file:///tmp/x")));
  EXPECT_TRUE(policy.should_cache_request(r));
}

TEST(HttpCachePolicy, Rfc2616FreshnessFromMaxAgeExpiresLastModifiedAndAge) {
  auto policy = rfc2616();
  request r("http://example.com/");
  EXPECT_TRUE(fresh(policy, *make_response(200, {{"Date", date(-30)}, {"Cache-Control", "max-age=60"}}), r));
  EXPECT_FALSE(fresh(policy, *make_response(200, {{"Date", date(-90)}, {"Cache-Control", "max-age=60"}}), r));
  EXPECT_FALSE(fresh(policy, *make_response(200, {{"Date", date(-30)}, {"Cache-Control", "max-age=60"}, {"Age", "100"}}), r));
  // Expires counts from the response's Date, not from our clock.
  auto expires = make_response(200, {{"Date", date(0)}, {"Expires", date(100)}});
  EXPECT_TRUE(fresh(policy, *expires, r, now + 50));
  EXPECT_FALSE(fresh(policy, *expires, r, now + 150));
  EXPECT_FALSE(fresh(policy, *make_response(200, {{"Date", date(0)}, {"Expires", "0"}}), r)) << "a bad Expires is past";
  // A tenth of the time since Last-Modified.
  auto modified = make_response(200, {{"Date", date(0)}, {"Last-Modified", date(-1000)}});
  EXPECT_DOUBLE_EQ(policy.freshness_lifetime(*modified, now), 100);
  EXPECT_TRUE(fresh(policy, *modified, r, now + 99));
  EXPECT_FALSE(fresh(policy, *modified, r, now + 101));
  // Permanent redirects without a hint: a year.
  EXPECT_DOUBLE_EQ(policy.freshness_lifetime(*make_response(301, {}), now), rfc2616_policy::max_age);
  EXPECT_DOUBLE_EQ(policy.freshness_lifetime(*make_response(200, {}), now), 0);
  // No Date: the response is taken as new.
  EXPECT_DOUBLE_EQ(rfc2616_policy::current_age(*make_response(200, {}), now), 0);
  EXPECT_DOUBLE_EQ(rfc2616_policy::current_age(*make_response(200, {{"Date", date(-40)}}), now), 40);
}

TEST(HttpCachePolicy, Rfc2616NoCacheMaxAgeAndMaxStaleOfRequestsAndResponses) {
  auto policy = rfc2616();
  auto cached = make_response(200, {{"Date", date(-30)}, {"Cache-Control", "max-age=60"}});
  request plain("http://example.com/");
  EXPECT_TRUE(fresh(policy, *cached, plain));
  request no_cache("http://example.com/", {.headers = {{"Cache-Control", "no-cache"}}});
  EXPECT_FALSE(fresh(policy, *cached, no_cache));
  request young("http://example.com/", {.headers = {{"Cache-Control", "max-age=10"}}});
  EXPECT_FALSE(fresh(policy, *cached, young));
  EXPECT_FALSE(fresh(policy, *make_response(200, {{"Date", date(-1)}, {"Cache-Control", "no-cache, max-age=60"}}), plain));

  auto stale = make_response(200, {{"Date", date(-90)}, {"Cache-Control", "max-age=60"}});
  request any_stale("http://example.com/", {.headers = {{"Cache-Control", "max-stale"}}});
  EXPECT_TRUE(fresh(policy, *stale, any_stale));
  request stale_40("http://example.com/", {.headers = {{"Cache-Control", "max-stale=40"}}});
  EXPECT_TRUE(fresh(policy, *stale, stale_40));
  request stale_20("http://example.com/", {.headers = {{"Cache-Control", "max-stale=20"}}});
  EXPECT_FALSE(fresh(policy, *stale, stale_20));
  auto must = make_response(200, {{"Date", date(-90)}, {"Cache-Control", "max-age=60, must-revalidate"}});
  request any_stale_again("http://example.com/", {.headers = {{"Cache-Control", "max-stale"}}});
  EXPECT_FALSE(fresh(policy, *must, any_stale_again));
}

TEST(HttpCachePolicy, Rfc2616StaleEntriesGoOutWithValidatorsAndA304KeepsThem) {
  auto policy = rfc2616();
  auto cached = make_response(200, {{"Date", date(-90)},
                                    {"Cache-Control", "max-age=60"},
                                    {"ETag", "\"v1\""},
                                    {"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"}});
  request r("http://example.com/");
  EXPECT_FALSE(fresh(policy, *cached, r));
  EXPECT_EQ(r.headers.get("If-None-Match"), "\"v1\"");
  EXPECT_EQ(r.headers.get("If-Modified-Since"), "Sun, 06 Nov 1994 08:49:37 GMT");

  EXPECT_TRUE(policy.is_cached_response_valid(*cached, *make_response(304, {}), r));
  EXPECT_FALSE(policy.is_cached_response_valid(*cached, *make_response(200, {}), r));
  EXPECT_TRUE(policy.is_cached_response_valid(*cached, *make_response(503, {}), r)) << "a server error keeps it";
  auto must = make_response(200, {{"Cache-Control", "must-revalidate"}});
  EXPECT_FALSE(policy.is_cached_response_valid(*must, *make_response(503, {}), r));
}

TEST(HttpCachePolicy, SettingsChooseThePolicyAndRefuseMistakes) {
  settings s;
  EXPECT_NE(dynamic_cast<dummy_policy*>(make_policy(s).get()), nullptr) << "dummy by default";
  s.set("HTTPCACHE_POLICY", "scrapy.extensions.httpcache.RFC2616Policy");
  EXPECT_NE(dynamic_cast<rfc2616_policy*>(make_policy(s).get()), nullptr);
  s.set("HTTPCACHE_POLICY", "rfc2616");
  EXPECT_NE(dynamic_cast<rfc2616_policy*>(make_policy(s).get()), nullptr);
  s.set("HTTPCACHE_POLICY", "rfc9111");
  EXPECT_THROW(make_policy(s), settings_error);
  s.set("HTTPCACHE_POLICY", "dummy");
  s.set("HTTPCACHE_IGNORE_HTTP_CODES", "404,oops");
  EXPECT_THROW(make_policy(s), settings_error);
}

TEST(HttpCacheStorage, AnEntryReadsBackAsStoredWithTheRequestItAnswers) {
  request original("http://example.com/a?x=1", {.method = "POST", .body = "q=1"});
  std::string body("binary\0body\r\nwith lines\n", 25);
  response stored(original, "http://example.com/a?x=1", 201,
                  {{"Content-Type", "text/html"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"X-Empty", ""}}, body);
  request asking("http://example.com/a?x=1", {.method = "POST", .body = "q=1"});
  asking.meta["page"] = 3;
  auto back = decode_entry(encode_entry(original, stored), asking);
  EXPECT_EQ(back->status(), 201);
  EXPECT_EQ(back->url(), "http://example.com/a?x=1");
  EXPECT_EQ(back->body(), body);
  std::vector<http_headers::field> fields(back->headers().begin(), back->headers().end());
  std::vector<http_headers::field> expected(stored.headers().begin(), stored.headers().end());
  EXPECT_EQ(fields, expected);
  EXPECT_EQ(back->req().meta.at("page").as_int64(), 3) << "the response answers the request that asked";
  EXPECT_TRUE(back->flags().empty());
}

TEST(HttpCacheStorage, EveryTruncationOrDamageOfAnEntryIsDamagedEntry) {
  request r("http://example.com/");
  response stored(r, r.url, 200, {{"Content-Type", "text/html"}}, "<p>hello</p>");
  const std::string entry = encode_entry(r, stored);
  for (std::size_t length = 0; length < entry.size(); ++length)
    EXPECT_THROW(decode_entry(std::string_view(entry).substr(0, length), r), damaged_entry) << "length " << length;
  EXPECT_THROW(decode_entry(entry + "x", r), damaged_entry);
  std::string wrong_status = entry;
  wrong_status.replace(wrong_status.find("200"), 3, "2x0");
  EXPECT_THROW(decode_entry(wrong_status, r), damaged_entry);
  EXPECT_THROW(decode_entry("orbweaver-httpcache 2\n200 0 0\nGET x\nx\n", r), damaged_entry);
}

TEST(HttpCacheStorage, FilesLiveInTwoLevelsByFingerprintAndAreReplacedWhole) {
  scratch_folder dir;
  filesystem_storage storage(dir.path(), std::chrono::seconds(0), false);
  request r("http://example.com/page");
  const fs::path path = storage.entry_path("books", r);
  ASSERT_EQ(path.parent_path().parent_path(), dir.path() / "books");
  EXPECT_EQ(path.filename().string().size(), 40u);
  EXPECT_EQ(path.parent_path().filename().string(), path.filename().string().substr(0, 2));

  EXPECT_EQ(storage.retrieve("books", r), nullptr);
  storage.store("books", r, response(r, r.url, 200, {}, "first"));
  storage.store("books", r, response(r, r.url, 200, {}, "second"));
  auto back = storage.retrieve("books", r);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->body(), "second");
  EXPECT_EQ(files_under(dir.path()), 1u) << "no temporary file is left beside the entry";
  EXPECT_EQ(storage.retrieve("other_spider", r), nullptr);
}

TEST(HttpCacheStorage, GzipEntriesAreReadWhateverTheSetting) {
  scratch_folder dir;
  request r("http://example.com/page");
  filesystem_storage zipped(dir.path(), std::chrono::seconds(0), true);
  zipped.store("books", r, response(r, r.url, 200, {{"A", "b"}}, std::string(10000, 'x')));
  const auto bytes = [&] {
    std::ifstream in(zipped.entry_path("books", r), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(bytes.substr(0, 2), "\x1f\x8b");
  EXPECT_LT(bytes.size(), 1000u);
  filesystem_storage plain(dir.path(), std::chrono::seconds(0), false);
  auto back = plain.retrieve("books", r);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->body(), std::string(10000, 'x'));
  EXPECT_EQ(back->headers().get("A"), "b");

  // A damaged gzip stream is a damaged entry.
  std::ofstream(zipped.entry_path("books", r), std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  EXPECT_THROW(plain.retrieve("books", r), damaged_entry);
}

TEST(HttpCacheStorage, EntriesOlderThanTheExpirationAreAbsent) {
  scratch_folder dir;
  request r("http://example.com/page");
  filesystem_storage hour(dir.path(), std::chrono::seconds(3600), false);
  filesystem_storage never(dir.path(), std::chrono::seconds(0), false);
  hour.store("books", r, response(r, r.url, 200, {}, "x"));
  EXPECT_TRUE(hour.retrieve("books", r));
  fs::last_write_time(hour.entry_path("books", r), fs::file_time_type::clock::now() - std::chrono::hours(2));
  EXPECT_EQ(hour.retrieve("books", r), nullptr);
  EXPECT_TRUE(never.retrieve("books", r));
}

TEST(HttpCacheStorage, TheDirectoryIsUnderTheProjectWhenOneRuns) {
  EXPECT_EQ(http_cache_directory("httpcache", std::nullopt), fs::path("httpcache"));
  EXPECT_EQ(http_cache_directory("httpcache", fs::path("/home/me/shop")), fs::path("/home/me/shop/.orbweaver/httpcache"));
  EXPECT_EQ(http_cache_directory("/var/cache/x", fs::path("/home/me/shop")), fs::path("/var/cache/x"));
}
