#pragma once
// Obeys robots.txt as Scrapy's RobotsTxtMiddleware does when ROBOTSTXT_OBEY is set, with the
// failure rules of RFC 9309 §2.3.1: before the first request to an origin (scheme, host, port) its
// /robots.txt is fetched once through crawler::download, while later requests to that origin wait
// for it; the rules for our product token are cached for the crawl. A 2xx robots.txt is parsed; a
// 4xx (or anything else that is not 5xx), like more than five redirects, means no rules; a 5xx or
// a network error means the origin is unreachable and everything on it is disallowed (Scrapy would
// allow it). A forbidden request
// fails with errc::robots_blocked. A Crawl-delay in the group for our product token becomes the
// minimum delay of the host's download slot (crawler::raise_minimum_delay), above DOWNLOAD_DELAY,
// its randomisation and AutoThrottle; two origins on one host share it, the larger delay holding.
// meta dont_obey_robotstxt exempts a request, robots.txt itself too.
#include <orbweaver/middleware.hpp>

#include "download/robots.hpp"

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace orbweaver::middlewares {

struct robots_location {
  std::string origin;          // "http://host:80": the key rules are cached under
  std::string host;            // "host", lower-cased: what a Crawl-delay applies to
  std::string robots_url;      // "http://host/robots.txt", the port kept as the URL wrote it
  std::string path_and_query;  // what the rules are matched against: "/a/b?x=1"
};

// Where the robots.txt governing a URL lives; nullopt for URLs that are not http(s) with a host.
std::optional<robots_location> locate_robots(std::string_view url);

// The rules for product_token that a robots.txt answer with this status and body gives.
robots::rule_set rules_for_response(int status, std::string_view body, std::string_view product_token);

class robots_txt_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;

 private:
  struct origin_state {
    bool ready = false;
    std::error_code abandoned;  // the fetch was cancelled because the crawl is closing
    robots::rule_set rules;
    // Requests that arrive while the fetch runs wait on it; it is cancelled when rules are ready.
    std::shared_ptr<boost::asio::steady_timer> fetched;
  };

  awaitable<void> fetch(const robots_location& where, origin_state& state);

  crawler* crawler_ = nullptr;
  std::string product_token_;
  std::unordered_map<std::string, origin_state> origins_;  // node-based: references stay valid
};

}  // namespace orbweaver::middlewares
