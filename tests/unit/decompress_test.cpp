#include "download/decompress.hpp"

#include <orbweaver/error.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace orbweaver::download {
namespace {

constexpr int gzip_bits = 16 + MAX_WBITS;
constexpr int zlib_bits = MAX_WBITS;
constexpr int raw_bits = -MAX_WBITS;

std::string compress(std::string_view data, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string sample_page() {
  std::string page = "<html><body>";
  for (int i = 0; i < 2000; ++i) {
    page += "<li class=\"item\"><a href=\"/item/" + std::to_string(i) + "\">Item " +
            std::to_string(i * 7919 % 1000) + "</a></li>\n";
  }
  return page + "</body></html>";
}

std::string random_bytes(std::size_t n) {
  std::mt19937 gen(42);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen());
  return out;
}

TEST(Decompress, Gzip) {
  const std::string page = sample_page();
  const auto result = decode_body("gzip", compress(page, gzip_bits), 0);
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.body, page);
}

TEST(Decompress, XGzipAndCaseInsensitive) {
  const std::string page = sample_page();
  EXPECT_EQ(decode_body("x-gzip", compress(page, gzip_bits), 0).body, page);
  EXPECT_EQ(decode_body("GZip", compress(page, gzip_bits), 0).body, page);
}

TEST(Decompress, ZlibWrappedDeflate) {
  const std::string page = sample_page();
  const auto result = decode_body("deflate", compress(page, zlib_bits), 0);
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.body, page);
}

TEST(Decompress, RawDeflate) {
  const std::string page = sample_page();
  const auto result = decode_body("deflate", compress(page, raw_bits), 0);
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.body, page);
}

TEST(Decompress, IncompressibleDataRoundTrips) {
  const std::string data = random_bytes(300'000);
  const auto result = decode_body("gzip", compress(data, gzip_bits), 0);
  ASSERT_FALSE(result.error);
  EXPECT_EQ(result.body, data);
}

TEST(Decompress, IdentityAndEmptyEncodingPassThrough) {
  EXPECT_EQ(decode_body("identity", "plain", 0).body, "plain");
  EXPECT_EQ(decode_body("", "plain", 0).body, "plain");
  EXPECT_EQ(decode_body("identity", "plain", 3).error, errc::body_too_large);
}

TEST(Decompress, StackedEncodingsUndoneLastFirst) {
  const std::string page = sample_page();
  // "deflate, gzip": deflate was applied first, then gzip.
  const std::string twice = compress(compress(page, zlib_bits), gzip_bits);
  const auto result = decode_body("deflate, gzip", twice, 0);
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.body, page);
  EXPECT_EQ(decode_body("gzip, deflate", twice, 0).error, errc::decode_failed);
}

TEST(Decompress, StackedEncodingsOfATinyBody) {
  // The intermediate stage (raw deflate of two bytes) is only a few bytes long.
  const std::string inner = compress("hi", raw_bits);
  ASSERT_LT(inner.size(), 15u);
  const auto result = decode_body("deflate, gzip", compress(inner, gzip_bits), 0);
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.body, "hi");
}

TEST(Decompress, ConcatenatedGzipMembers) {
  const auto result =
      decode_body("gzip", compress("first ", gzip_bits) + compress("second", gzip_bits), 0);
  ASSERT_FALSE(result.error);
  EXPECT_EQ(result.body, "first second");
}

TEST(Decompress, BombStopsAtTheCap) {
  const std::string zeros(16 << 20, '\0');
  const std::string bomb = compress(zeros, gzip_bits);
  ASSERT_LT(bomb.size(), 100'000u);
  const std::uint64_t cap = 1 << 20;
  const auto result = decode_body("gzip", bomb, cap);
  EXPECT_EQ(result.error, errc::body_too_large);
  EXPECT_TRUE(result.body.empty());
}

TEST(Decompress, BombWithLyingTrailerStillStopsAtTheCap) {
  std::string bomb = compress(std::string(8 << 20, 'a'), gzip_bits);
  // Claim a tiny decoded size in the gzip trailer; the cap must hold regardless.
  bomb[bomb.size() - 4] = 10;
  bomb[bomb.size() - 3] = bomb[bomb.size() - 2] = bomb[bomb.size() - 1] = 0;
  EXPECT_EQ(decode_body("gzip", bomb, 1 << 16).error, errc::body_too_large);
}

TEST(Decompress, OutputExactlyAtTheCapIsAccepted) {
  const std::string page = sample_page();
  const auto exact = decode_body("gzip", compress(page, gzip_bits), page.size());
  ASSERT_FALSE(exact.error) << exact.error.message();
  EXPECT_EQ(exact.body, page);
  EXPECT_EQ(decode_body("gzip", compress(page, gzip_bits), page.size() - 1).error,
            errc::body_too_large);
  EXPECT_EQ(decode_body("deflate", compress(page, raw_bits), page.size() - 1).error,
            errc::body_too_large);
}

TEST(Decompress, CorruptInputFails) {
  std::string data = compress(sample_page(), gzip_bits);
  data[data.size() / 2] ^= 0x55;
  data[data.size() / 2 + 1] ^= 0x55;
  EXPECT_EQ(decode_body("gzip", data, 0).error, errc::decode_failed);
  EXPECT_EQ(decode_body("gzip", "definitely not gzip", 0).error, errc::decode_failed);
  EXPECT_EQ(decode_body("deflate", random_bytes(1000), 0).error, errc::decode_failed);
}

TEST(Decompress, TruncatedInputFails) {
  const std::string data = compress(sample_page(), gzip_bits);
  const auto result = decode_body("gzip", std::string_view(data).substr(0, data.size() / 2), 0);
  EXPECT_EQ(result.error, errc::decode_failed);
  EXPECT_TRUE(result.body.empty());
  const std::string zlib = compress(sample_page(), zlib_bits);
  EXPECT_EQ(decode_body("deflate", std::string_view(zlib).substr(0, zlib.size() - 6), 0).error,
            errc::decode_failed);
}

TEST(Decompress, EmptyBodyDecodesToEmpty) {
  const auto result = decode_body("gzip", "", 0);
  EXPECT_FALSE(result.error);
  EXPECT_TRUE(result.body.empty());
}

TEST(Decompress, SupportedEncodings) {
  EXPECT_TRUE(supported_encoding("gzip"));
  EXPECT_TRUE(supported_encoding("X-GZIP"));
  EXPECT_TRUE(supported_encoding("deflate"));
  EXPECT_TRUE(supported_encoding("identity"));
  EXPECT_TRUE(supported_encoding("gzip, deflate"));
  EXPECT_FALSE(supported_encoding("br"));
  EXPECT_FALSE(supported_encoding("gzip, zstd"));
  EXPECT_EQ(decode_body("br", "whatever", 0).error, errc::decode_failed);
}

}  // namespace
}  // namespace orbweaver::download
