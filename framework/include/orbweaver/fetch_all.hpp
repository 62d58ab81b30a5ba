#pragma once
// Downloads for programs without a spider, as Twisted's getPage + DeferredList: start every URL at
// once, wait until all of them are done, get each one's response or error in the order given.
//
//   for (const auto& r : orbweaver::fetch_all({"https://a.example/", "https://b.example/x"}))
//     if (r.resp) fmt::print("{} {}\n", r.resp->status(), r.url);
//     else fmt::print("{} failed: {}\n", r.url, r.message);
//
// The URLs go through a crawler's downloader as a crawl's requests do: its slots
// (CONCURRENT_REQUESTS overall, CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY, DOWNLOAD_SLOTS) and
// its downloader middlewares (retry, redirect up to 5 hops, cookies, compression, robots.txt with
// ROBOTSTXT_OBEY, the HTTP cache with HTTPCACHE_ENABLED, ...). Spider middlewares do not run: a
// 404 is a response like a 200. docs/examples/fetch_all.cpp is a whole program.
#include <orbweaver/crawler.hpp>
#include <orbweaver/response.hpp>
#include <orbweaver/settings.hpp>

#include <boost/asio/awaitable.hpp>

#include <string>
#include <system_error>
#include <vector>

namespace orbweaver {

struct fetch_result {
  std::string url;        // as given
  response_ptr resp;      // the response, whatever its status; null when the download failed
  std::error_code error;  // why it failed: bad_url, unsupported_scheme, dns_failed, connect_failed,
                          // download_timeout, robots_blocked, ... (orbweaver::errc)
  std::string message;    // one line saying what failed, for people
};

// Downloads `urls` concurrently with these settings (the defaults, LOG_LEVEL INFO to standard
// error, unless `s` says otherwise) on the calling thread, and returns when every one is done. A
// URL that cannot be requested is an error result, not an exception; a settings mistake
// (settings_error) or a component that cannot open still throws.
std::vector<fetch_result> fetch_all(const std::vector<std::string>& urls, settings s = {});

// The same inside a running crawl (a pipeline's or middleware's coroutine, on the reactor
// thread): through `c`'s downloader, slots and middlewares, alongside the crawl's own requests.
boost::asio::awaitable<std::vector<fetch_result>> fetch_all(crawler& c, std::vector<std::string> urls);

}  // namespace orbweaver
