#pragma once
// The HTTP cache, as Scrapy's HttpCacheMiddleware (priority 900, off until HTTPCACHE_ENABLED): a
// request found in the cache and fresh by HTTPCACHE_POLICY is answered from it without a download
// (flag "cached", stat httpcache/hit); the others go out (httpcache/miss), and what comes back is
// stored when the policy allows (httpcache/firsthand, then httpcache/store or
// httpcache/uncacheable). A stale entry under the rfc2616 policy goes out as a conditional request;
// a 304 keeps it (httpcache/revalidate, the cached response goes on), anything else replaces it
// (httpcache/invalidate). A transport error on such a request falls back to the stale entry
// (httpcache/errorrecovery). Request meta "dont_cache" keeps a request out of the cache both ways;
// HTTPCACHE_IGNORE_MISSING fails the requests not in it (errc::not_cached, httpcache/ignore).
// A damaged entry is a miss with a warning (httpcache/retrieve_error); an entry that cannot be
// written is a warning (httpcache/store_error), and the response goes on.
#include "downloader/http_cache_policy.hpp"
#include "downloader/http_cache_storage.hpp"

#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace orbweaver::middlewares {

// Where HTTPCACHE_DIR is: an absolute path as it is; a relative one under the project's
// .orbweaver folder when a project runs (Scrapy's .scrapy), else under the working directory.
std::filesystem::path http_cache_directory(const std::string& setting, const std::optional<std::filesystem::path>& project_root);

class http_cache_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;
  awaitable<response_action> process_response(const request& r, response_ptr resp, spider&) override;
  awaitable<exception_action> process_exception(const request& r, std::error_code ec, spider&) override;

 private:
  response_ptr retrieve(const request& r);
  void store(const request& r, const response& resp);

  crawler* crawler_ = nullptr;
  stats_collector* stats_ = nullptr;
  std::unique_ptr<http_cache::cache_policy> policy_;
  std::optional<http_cache::filesystem_storage> storage_;
  bool ignore_missing_ = false;
  // Stale entries whose request went out to be revalidated, by request fingerprint (hex): what
  // Scrapy keeps in meta "cached_response".
  std::unordered_map<std::string, response_ptr> revalidating_;
};

}  // namespace orbweaver::middlewares
