#include "downloader/robots_txt.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>
#include <orbweaver/url.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace orbweaver::middlewares {
namespace {

namespace asio = boost::asio;

// Scrapy's robots.txt requests go before everything else queued for the slot.
constexpr int robots_request_priority = 1000;

// A longer Crawl-delay is taken as a day, so that the slot's timer arithmetic stays finite.
constexpr double max_crawl_delay_seconds = 86400;

}  // namespace

std::optional<robots_location> locate_robots(std::string_view url) {
  // The parts of the request URL as http_client reads them, so the host is the one it resolves.
  const auto parts = url::split(url);
  if (!parts) return std::nullopt;
  const std::string_view scheme = parts->https ? "https" : "http";
  robots_location where;
  where.origin = fmt::format("{}://{}:{}", scheme, parts->host, parts->port);
  where.host = std::string(parts->host);
  where.robots_url = fmt::format("{}://{}/robots.txt", scheme, parts->authority);
  where.path_and_query = std::string(parts->target);
  return where;
}

robots::rule_set rules_for_response(int status, std::string_view body, std::string_view product_token) {
  if (status >= 200 && status < 300) return robots::parse(body).for_agent(product_token);
  if (status >= 500 && status < 600) return robots::rule_set::disallow_all();
  return robots::rule_set::allow_all();  // RFC 9309 §2.3.1.3: "unavailable", 4xx included
}

bool robots_txt_middleware::open(crawler& c) {
  crawler_ = &c;
  const auto& agent = c.config().get_string("ROBOTSTXT_USER_AGENT");
  product_token_ = robots::product_token(agent.empty() ? c.config().get_string("USER_AGENT") : agent);
  return c.config().get_bool("ROBOTSTXT_OBEY");
}

awaitable<request_action> robots_txt_middleware::process_request(request& r, spider&) {
  if (meta_flag(r.meta, "dont_obey_robotstxt")) co_return pass;
  auto where = locate_robots(r.url);
  if (!where) co_return pass;

  auto [entry, first] = origins_.try_emplace(where->origin);
  origin_state& state = entry->second;
  if (first) {
    auto executor = co_await asio::this_coro::executor;
    state.fetched = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
    co_await fetch(*where, state);
  } else if (!state.ready) {
    auto fetched = state.fetched;
    boost::system::error_code ec;
    co_await fetched->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  if (state.abandoned) co_return state.abandoned;
  if (!state.rules.allowed(where->path_and_query)) {
    crawler_->stats().inc("robotstxt/forbidden");
    log::debug("robots_txt", "Forbidden by robots.txt: <{} {}>", r.method, r.url);
    co_return make_error_code(errc::robots_blocked);
  }
  co_return pass;
}

awaitable<void> robots_txt_middleware::fetch(const robots_location& where, origin_state& state) {
  auto& stats = crawler_->stats();
  request robots_request(where.robots_url);
  robots_request.meta["dont_obey_robotstxt"] = true;
  robots_request.dont_filter = true;
  robots_request.priority = robots_request_priority;
  stats.inc("robotstxt/request_count");
  auto download = crawler_->download(std::move(robots_request));
  download_result result = co_await std::move(download);

  if (result.error == errc::cancelled) {
    state.abandoned = result.error;
  } else if (result.error == errc::too_many_redirects) {
    // RFC 9309 §2.3.1.2: after five redirects the file may be taken as unavailable.
    stats.inc("robotstxt/exception_count/" + error_name(result.error));
    log::warning("robots_txt", "{}: {}, allowing everything on {} as RFC 9309 permits", where.robots_url,
                 result.detail, where.origin);
    state.rules = robots::rule_set::allow_all();
  } else if (result.error) {
    stats.inc("robotstxt/exception_count/" + error_name(result.error));
    log::warning("robots_txt", "{} is unreachable ({}): disallowing everything on {} as RFC 9309 says",
                 where.robots_url, result.detail, where.origin);
    state.rules = robots::rule_set::disallow_all();
  } else {
    int status = result.resp->status();
    stats.inc("robotstxt/response_count");
    stats.inc("robotstxt/response_status_count/" + std::to_string(status));
    if (status >= 500 && status < 600)
      log::warning("robots_txt", "{} answered {}: unreachable, disallowing everything on {} as RFC 9309 says",
                   where.robots_url, status, where.origin);
    state.rules = rules_for_response(status, result.resp->body(), product_token_);
    if (state.rules.crawl_delay) {
      double seconds = std::min(*state.rules.crawl_delay, max_crawl_delay_seconds);
      log::info("robots_txt", "{} asks for a crawl-delay of {} s: requests to {} start at least that far apart",
                where.robots_url, seconds, where.host);
      crawler_->raise_minimum_delay(where.host, std::chrono::duration<double>(seconds));
    }
  }
  state.ready = true;
  state.fetched->cancel();
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(robots_txt_middleware, "robots_txt", 100);

}  // namespace orbweaver::middlewares
