// br and zstd response bodies decoded in a whole crawl, with the Accept-Encoding that asks for them.
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zstd.h>

#include <map>
#include <mutex>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

class body_spider : public spider {
 public:
  body_spider() { name = "bodies"; }
  std::mutex mutex;
  std::map<std::string, std::string> bodies;  // by URL; guarded by mutex: callbacks run concurrently

  void parse(const response& r, output&) override {
    std::lock_guard lock(mutex);
    bodies[r.url()] = r.body();
  }
};

std::string brotli_compress(std::string_view data) {
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  std::string out(size, '\0');
  BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.size(),
                        reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                        reinterpret_cast<std::uint8_t*>(out.data()));
  out.resize(size);
  return out;
}

std::string zstd_compress(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

std::string page(std::string_view label) {
  std::string body = "<html><body>";
  for (int i = 0; i < 500; ++i) body += fmt::format("<p>{} paragraph {}</p>", label, i);
  return body + "</body></html>";
}

}  // namespace

TEST(Compression, BrotliAndZstdBodiesAreDecoded) {
  test_server server;
  std::mutex mutex;
  std::vector<std::string> accept_encodings;
  auto serve = [&](std::string encoding, std::string compressed) {
    return [&, encoding, compressed](const test_request& r) {
      {
        std::lock_guard lock(mutex);
        accept_encodings.emplace_back(r.headers.get("Accept-Encoding").value_or(""));
      }
      return test_reply{.headers = {{"Content-Type", "text/html"}, {"Content-Encoding", encoding}}, .body = compressed};
    };
  };
  server.route("/br", serve("br", brotli_compress(page("brotli"))));
  server.route("/zstd", serve("zstd", zstd_compress(page("zstd"))));
  // A bomb in each coding: 64 MiB of one byte, refused at a 1 MiB DOWNLOAD_MAXSIZE.
  const std::string huge(64 << 20, 'x');
  server.route("/br-bomb", serve("br", brotli_compress(huge)));
  server.route("/zstd-bomb", serve("zstd", zstd_compress(huge)));

  auto s = std::make_unique<body_spider>();
  auto* spy = s.get();
  spy->start_urls = {server.url("/br"), server.url("/zstd"), server.url("/br-bomb"), server.url("/zstd-bomb")};
  settings config;
  config.set("LOG_LEVEL", "ERROR", setting_priority::command_line);
  config.set("LOGSTATS_INTERVAL", "0", setting_priority::command_line);
  config.set("STATS_DUMP", "false", setting_priority::command_line);
  config.set("DOWNLOAD_MAXSIZE", std::to_string(1 << 20), setting_priority::command_line);
  crawler c(std::move(s), std::move(config));
  EXPECT_EQ(c.run(), "finished");

  EXPECT_EQ(spy->bodies[server.url("/br")], page("brotli"));
  EXPECT_EQ(spy->bodies[server.url("/zstd")], page("zstd"));
  EXPECT_FALSE(spy->bodies.contains(server.url("/br-bomb")));
  EXPECT_FALSE(spy->bodies.contains(server.url("/zstd-bomb")));
  EXPECT_EQ(c.stats().get("httpcompression/response_count"), 2);
  EXPECT_EQ(c.stats().get("downloader/exception_type_count/body_too_large"), 2);
  ASSERT_EQ(accept_encodings.size(), 4u);
  for (const auto& sent : accept_encodings) EXPECT_EQ(sent, "gzip, deflate, br, zstd");
}
