#pragma once
// The downloader side of offsite filtering: requests that reach the downloader without passing a
// callback's output, above all redirects, are checked against allowed_domains too and refused
// with errc::offsite (Scrapy 2.11 moved its offsite check here for the same reason). dont_filter
// requests pass. The spider-side middleware (spider/offsite) filters what callbacks yield.
#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

#include <string>
#include <vector>

namespace orbweaver::middlewares {

class offsite_downloader_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;

 private:
  std::vector<std::string> domains_;
  stats_collector* stats_ = nullptr;
};

}  // namespace orbweaver::middlewares
