#include "downloader/http_cache.hpp"
#include "downloader/retry.hpp"
#include "engine/builtin_components.hpp"
#include "core/http_date.hpp"
#include "engine/fingerprint.hpp"
#include "project.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>

#include <algorithm>
#include <chrono>

namespace orbweaver::middlewares {
namespace {

namespace fs = std::filesystem;

http_cache::epoch_seconds now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string fingerprint_of(const request& r) { return to_hex(request_fingerprint(r)); }

}  // namespace

fs::path http_cache_directory(const std::string& setting, const std::optional<fs::path>& project_root) {
  fs::path dir(setting);
  if (dir.is_absolute() || !project_root) return dir;
  return *project_root / ".orbweaver" / dir;
}

bool http_cache_middleware::open(crawler& c) {
  const auto& s = c.config();
  if (!s.get_bool("HTTPCACHE_ENABLED")) return false;
  crawler_ = &c;
  stats_ = &c.stats();
  policy_ = http_cache::make_policy(s);
  if (const auto& storage = s.get_string("HTTPCACHE_STORAGE");
      storage != "filesystem" && storage != "scrapy.extensions.httpcache.FilesystemCacheStorage")
    throw settings_error(fmt::format("HTTPCACHE_STORAGE: '{}' is not a storage (filesystem)", storage));
  const auto expiration = s.get_int("HTTPCACHE_EXPIRATION_SECS");
  if (expiration < 0) throw settings_error("HTTPCACHE_EXPIRATION_SECS must be 0 (never) or a number of seconds");
  std::optional<fs::path> project_root;
  if (auto file = launcher::running_project_file()) project_root = file->parent_path();
  storage_.emplace(http_cache_directory(s.get_string("HTTPCACHE_DIR"), project_root),
                   std::chrono::seconds(expiration), s.get_bool("HTTPCACHE_GZIP"));
  log::debug("http_cache", "Using filesystem cache storage in {}", storage_->dir().string());
  ignore_missing_ = s.get_bool("HTTPCACHE_IGNORE_MISSING");
  return true;
}

response_ptr http_cache_middleware::retrieve(const request& r) {
  try {
    return storage_->retrieve(crawler_->target().name, r);
  } catch (const std::exception& e) {
    stats_->inc("httpcache/retrieve_error");
    log::warning("http_cache", "Could not read the cache entry for <{} {}> ({}), treating it as a cache miss: {}",
                 r.method, r.url, storage_->entry_path(crawler_->target().name, r).string(), e.what());
    return nullptr;
  }
}

void http_cache_middleware::store(const request& r, const response& resp) {
  if (!policy_->should_cache_response(resp, r)) {
    stats_->inc("httpcache/uncacheable");
    return;
  }
  try {
    storage_->store(crawler_->target().name, r, resp);
    stats_->inc("httpcache/store");
  } catch (const std::exception& e) {
    stats_->inc("httpcache/store_error");
    log::warning("http_cache", "Could not store <{} {}> in the cache: {}", r.method, r.url, e.what());
  }
}

awaitable<request_action> http_cache_middleware::process_request(request& r, spider&) {
  if (meta_flag(r.meta, "dont_cache") || !policy_->should_cache_request(r)) co_return pass;
  const std::string key = fingerprint_of(r);
  revalidating_.erase(key);  // left by a request whose response never came back this way
  response_ptr cached = retrieve(r);
  if (!cached) {
    stats_->inc("httpcache/miss");
    if (ignore_missing_) {
      stats_->inc("httpcache/ignore");
      log::debug("http_cache", "Ignored request not in cache: <{} {}>", r.method, r.url);
      co_return make_error_code(errc::not_cached);
    }
    co_return pass;
  }
  cached->add_flag("cached");
  if (policy_->is_cached_response_fresh(*cached, r, now())) {
    stats_->inc("httpcache/hit");
    co_return cached;
  }
  revalidating_[key] = std::move(cached);
  co_return pass;
}

awaitable<response_action> http_cache_middleware::process_response(const request& r, response_ptr resp, spider&) {
  if (meta_flag(r.meta, "dont_cache") || !policy_->should_cache_request(r)) co_return resp;
  const auto& flags = resp->flags();
  if (std::find(flags.begin(), flags.end(), "cached") != flags.end()) co_return resp;

  response_ptr cached;
  if (auto found = revalidating_.find(fingerprint_of(r)); found != revalidating_.end()) {
    cached = std::move(found->second);
    revalidating_.erase(found);
  }
  // RFC 2616 requires a Date from the server; the age of an entry without one counts from now.
  const response* to_store = resp.get();
  std::optional<response> dated;
  if (!resp->headers().contains("Date")) {
    http_headers headers = resp->headers();
    headers.add("Date", http_date::format(static_cast<std::int64_t>(now())));
    to_store = &dated.emplace(r, resp->url(), resp->status(), std::move(headers), resp->body());
  }
  if (!cached) {
    stats_->inc("httpcache/firsthand");
    store(r, *to_store);
    co_return resp;
  }
  if (policy_->is_cached_response_valid(*cached, *resp, r)) {
    stats_->inc("httpcache/revalidate");
    co_return cached;
  }
  stats_->inc("httpcache/invalidate");
  store(r, *to_store);
  co_return resp;
}

awaitable<exception_action> http_cache_middleware::process_exception(const request& r, std::error_code ec, spider&) {
  if (revalidating_.empty()) co_return pass;
  auto found = revalidating_.find(fingerprint_of(r));
  if (found == revalidating_.end()) co_return pass;
  response_ptr cached = std::move(found->second);
  revalidating_.erase(found);
  // The server could not be reached to revalidate: the stale entry is better than nothing.
  if (!is_retryable_error(ec)) co_return pass;
  stats_->inc("httpcache/errorrecovery");
  co_return cached;
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(http_cache_middleware, "http_cache", 900);

}  // namespace orbweaver::middlewares
