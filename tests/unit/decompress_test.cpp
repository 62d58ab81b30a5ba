#include "download/decompress.hpp"

#include <orbweaver/error.hpp>

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
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
  EXPECT_TRUE(supported_encoding("br"));
  EXPECT_TRUE(supported_encoding("gzip, ZSTD"));
  EXPECT_FALSE(supported_encoding("compress"));
  EXPECT_FALSE(supported_encoding("br, sdch"));
  EXPECT_EQ(decode_body("sdch", "whatever", 0).error, errc::decode_failed);
}

std::string brotli_compress(std::string_view data) {
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  std::string out(size, '\0');
  EXPECT_TRUE(BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, data.size(),
                                    reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                                    reinterpret_cast<std::uint8_t*>(out.data())));
  out.resize(size);
  return out;
}

std::string zstd_compress(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t size = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(size));
  out.resize(size);
  return out;
}

constexpr std::size_t bomb_chunk = 1 << 20;

// total zero bytes through brotli's streaming encoder, a chunk at a time, so the test never holds
// the decoded size either.
std::string brotli_bomb(std::size_t total) {
  std::unique_ptr<BrotliEncoderState, decltype(&BrotliEncoderDestroyInstance)> enc(
      BrotliEncoderCreateInstance(nullptr, nullptr, nullptr), &BrotliEncoderDestroyInstance);
  BrotliEncoderSetParameter(enc.get(), BROTLI_PARAM_QUALITY, 1);
  const std::string zeros(bomb_chunk, '\0');
  std::string out;
  char buffer[1 << 16];
  for (std::size_t fed = 0; fed <= total; fed += bomb_chunk) {
    const bool last = fed == total;
    std::size_t avail_in = last ? 0 : zeros.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(zeros.data());
    do {
      std::size_t avail_out = sizeof buffer;
      auto* next_out = reinterpret_cast<std::uint8_t*>(buffer);
      EXPECT_TRUE(BrotliEncoderCompressStream(enc.get(), last ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS,
                                              &avail_in, &next_in, &avail_out, &next_out, nullptr));
      out.append(buffer, sizeof buffer - avail_out);
    } while (avail_in > 0 || BrotliEncoderHasMoreOutput(enc.get()) ||
             (last && !BrotliEncoderIsFinished(enc.get())));
  }
  return out;
}

std::string zstd_bomb(std::size_t total) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), &ZSTD_freeCCtx);
  const std::string zeros(bomb_chunk, '\0');
  std::string out;
  char buffer[1 << 16];
  for (std::size_t fed = 0; fed <= total; fed += bomb_chunk) {
    const bool last = fed == total;
    ZSTD_inBuffer in{zeros.data(), last ? 0 : zeros.size(), 0};
    std::size_t remaining = 0;
    do {
      ZSTD_outBuffer target{buffer, sizeof buffer, 0};
      remaining = ZSTD_compressStream2(ctx.get(), &target, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      EXPECT_FALSE(ZSTD_isError(remaining));
      out.append(buffer, target.pos);
    } while (in.pos < in.size || (last && remaining != 0));
  }
  return out;
}

TEST(Decompress, Brotli) {
  const std::string page = sample_page();
  const auto result = decode_body("br", brotli_compress(page), 0);
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.body, page);
  const std::string data = random_bytes(300'000);
  EXPECT_EQ(decode_body("BR", brotli_compress(data), 0).body, data);
}

TEST(Decompress, Zstd) {
  const std::string page = sample_page();
  const auto result = decode_body("zstd", zstd_compress(page), 0);
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.body, page);
  const std::string data = random_bytes(300'000);
  EXPECT_EQ(decode_body("zstd", zstd_compress(data), 0).body, data);
}

TEST(Decompress, ConcatenatedZstdFrames) {
  const auto result = decode_body("zstd", zstd_compress("first ") + zstd_compress("second"), 0);
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.body, "first second");
}

TEST(Decompress, BrotliAndZstdStackWithGzip) {
  const std::string page = sample_page();
  const auto result = decode_body("br, gzip", compress(brotli_compress(page), gzip_bits), 0);
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.body, page);
  EXPECT_EQ(decode_body("zstd,br", brotli_compress(zstd_compress(page)), 0).body, page);
}

TEST(Decompress, BrotliAndZstdBombsStopAtTheCap) {
  const std::size_t inflated = std::size_t{256} << 20;
  const std::uint64_t cap = 1 << 20;
  for (const auto& [encoding, bomb] : {std::pair{"br", brotli_bomb(inflated)}, {"zstd", zstd_bomb(inflated)}}) {
    SCOPED_TRACE(encoding);
    ASSERT_LT(bomb.size(), 200'000u);
    const auto result = decode_body(encoding, bomb, cap);
    EXPECT_EQ(result.error, errc::body_too_large);
    EXPECT_TRUE(result.body.empty());
  }
}

TEST(Decompress, BrotliAndZstdOutputExactlyAtTheCapIsAccepted) {
  const std::string page = sample_page();
  for (const auto& [encoding, data] : {std::pair{"br", brotli_compress(page)}, {"zstd", zstd_compress(page)}}) {
    SCOPED_TRACE(encoding);
    const auto exact = decode_body(encoding, data, page.size());
    ASSERT_FALSE(exact.error) << exact.error.message();
    EXPECT_EQ(exact.body, page);
    EXPECT_EQ(decode_body(encoding, data, page.size() - 1).error, errc::body_too_large);
  }
}

TEST(Decompress, CorruptOrTruncatedBrotliAndZstdFail) {
  const std::string page = sample_page();
  for (const auto& [encoding, data] : {std::pair{"br", brotli_compress(page)}, {"zstd", zstd_compress(page)}}) {
    SCOPED_TRACE(encoding);
    std::string corrupt = data;
    for (std::size_t i = corrupt.size() / 3; i < corrupt.size() / 3 + 8; ++i) corrupt[i] ^= 0x5a;
    EXPECT_EQ(decode_body(encoding, corrupt, 0).error, errc::decode_failed);
    const auto truncated = decode_body(encoding, std::string_view(data).substr(0, data.size() / 2), 0);
    EXPECT_EQ(truncated.error, errc::decode_failed);
    EXPECT_TRUE(truncated.body.empty());
    EXPECT_EQ(decode_body(encoding, random_bytes(1000), 0).error, errc::decode_failed);
  }
}

}  // namespace
}  // namespace orbweaver::download
