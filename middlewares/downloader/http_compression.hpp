#pragma once
// Accept-Encoding on the way out, Content-Encoding decoded on the way back (gzip, deflate, br,
// zstd), with the decoded size capped by DOWNLOAD_MAXSIZE (or the request's download_maxsize meta)
// so a decompression bomb fails with errc::body_too_large instead of filling memory.
#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

#include <cstdint>

namespace orbweaver::middlewares {

class http_compression_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;
  awaitable<response_action> process_response(const request& r, response_ptr resp, spider&) override;

 private:
  stats_collector* stats_ = nullptr;
  std::uint64_t maxsize_ = 0;
};

}  // namespace orbweaver::middlewares
