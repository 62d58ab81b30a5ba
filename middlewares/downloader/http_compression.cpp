#include "downloader/http_compression.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>

#include "download/decompress.hpp"

namespace orbweaver::middlewares {

bool http_compression_middleware::open(crawler& c) {
  stats_ = &c.stats();
  maxsize_ = static_cast<std::uint64_t>(std::max<long long>(0, c.config().get_int("DOWNLOAD_MAXSIZE")));
  return c.config().get_bool("COMPRESSION_ENABLED");
}

awaitable<request_action> http_compression_middleware::process_request(request& r, spider&) {
  r.headers.set_default("Accept-Encoding", "gzip, deflate, br, zstd");
  co_return pass;
}

awaitable<response_action> http_compression_middleware::process_response(const request& r, response_ptr resp,
                                                                          spider&) {
  auto encoding = resp->headers().get("Content-Encoding");
  if (!encoding || r.method == "HEAD" || !download::supported_encoding(*encoding)) co_return resp;

  std::uint64_t limit = maxsize_;
  if (auto m = meta_number(r.meta, "download_maxsize"); m && *m >= 0) limit = static_cast<std::uint64_t>(*m);
  auto decoded = download::decode_body(*encoding, resp->body(), limit);
  if (decoded.error) {
    // The scraper logs the failure itself ("Error downloading ..."); this adds the encoding.
    log::debug("compression", "Could not decode {} body of <{} {}>: {}", *encoding, r.method, resp->url(),
                 decoded.error.message());
    co_return decoded.error;
  }
  stats_->inc("httpcompression/response_count");
  stats_->inc("httpcompression/response_bytes", static_cast<std::int64_t>(decoded.body.size()));

  http_headers headers;
  for (const auto& [name, value] : resp->headers())
    if (!iequals(name, "Content-Encoding") && !iequals(name, "Content-Length")) headers.add(name, value);
  auto decoded_response = std::make_shared<response>(resp->req(), resp->url(), resp->status(), std::move(headers),
                                                     std::move(decoded.body));
  for (const auto& flag : resp->flags()) decoded_response->add_flag(flag);
  co_return decoded_response;
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(http_compression_middleware, "http_compression", 590);

}  // namespace orbweaver::middlewares
