#include "download/dns_cache.hpp"

#include <orbweaver/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace orbweaver::download {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// One getaddrinfo in flight and the requests waiting for it. Each waiter sleeps on its own timer
// (its own timeout); the lookup's completion cancels them all to wake them.
struct dns_cache::pending {
  std::vector<asio::steady_timer*> waiters;
  bool done = false;
  boost::system::error_code error;
  std::shared_ptr<const endpoint_list> endpoints;
};

dns_cache::dns_cache(asio::any_io_executor executor, std::chrono::seconds ttl)
    : executor_(std::move(executor)), ttl_(ttl), alive_(std::make_shared<dns_cache*>(this)) {}

dns_cache::~dns_cache() = default;

asio::awaitable<lookup_result> dns_cache::resolve(std::string_view host, std::uint16_t port,
                                                  std::chrono::milliseconds timeout) {
  boost::system::error_code parse_error;
  const auto literal = asio::ip::make_address(host, parse_error);
  if (!parse_error) {
    co_return lookup_result{{}, {}, std::make_shared<const endpoint_list>(
                                        endpoint_list{tcp::endpoint(literal, port)})};
  }

  std::string key;
  key.reserve(host.size() + 6);
  key.append(host).append(":").append(std::to_string(port));

  if (const auto hit = cache_.find(key); hit != cache_.end()) {
    if (hit->second.expires > std::chrono::steady_clock::now()) {
      co_return lookup_result{{}, {}, hit->second.endpoints};
    }
    cache_.erase(hit);
  }

  auto& slot = in_flight_[key];
  if (!slot) {
    slot = std::make_shared<pending>();
    start_lookup(key, host, port, slot);
  }
  const std::shared_ptr<pending> lookup = slot;

  asio::steady_timer wake(executor_);
  if (timeout.count() > 0) {
    wake.expires_after(timeout);
  } else {
    wake.expires_at(asio::steady_timer::time_point::max());
  }
  lookup->waiters.push_back(&wake);
  const std::uint64_t abandonments_before = abandonments_;
  co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));

  // Decide by state, not by the wait's error: the timer may have expired, or the waiters been
  // abandoned, just as the lookup finished.
  if (abandonments_ != abandonments_before) {
    co_return lookup_result{make_error_code(errc::cancelled),
                            "lookup of " + std::string(host) + " abandoned", nullptr};
  }
  if (!lookup->done) {
    std::erase(lookup->waiters, &wake);
    co_return lookup_result{make_error_code(errc::download_timeout),
                            "timed out resolving " + std::string(host), nullptr};
  }
  if (lookup->error) {
    co_return lookup_result{make_error_code(errc::dns_failed),
                            "cannot resolve " + std::string(host) + ": " +
                                lookup->error.message(),
                            nullptr};
  }
  co_return lookup_result{{}, {}, lookup->endpoints};
}

void dns_cache::start_lookup(const std::string& key, std::string_view host, std::uint16_t port,
                             const std::shared_ptr<pending>& lookup) {
  ++lookups_started_;
  // The resolver lives as long as its handler, so destroying the cache does not cancel a lookup
  // that waiters may still be sleeping on.
  auto resolver = std::make_shared<tcp::resolver>(executor_);
  resolver->async_resolve(
      host, std::to_string(port), tcp::resolver::numeric_service,
      [resolver, lookup, key, alive = std::weak_ptr<dns_cache*>(alive_)](
          const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
        lookup->done = true;
        lookup->error = ec;
        if (!ec) {
          auto endpoints = std::make_shared<endpoint_list>();
          endpoints->reserve(results.size());
          for (const auto& entry : results) endpoints->push_back(entry.endpoint());
          if (endpoints->empty()) {
            lookup->error = asio::error::host_not_found;
          } else {
            lookup->endpoints = std::move(endpoints);
          }
        }
        for (auto* waiter : lookup->waiters) waiter->cancel();
        lookup->waiters.clear();
        if (const auto self = alive.lock()) {
          dns_cache& cache = **self;
          cache.in_flight_.erase(key);
          if (lookup->endpoints) cache.remember(key, lookup->endpoints);
        }
      });
}

void dns_cache::abandon_waiters() {
  ++abandonments_;
  for (auto& [key, lookup] : in_flight_) {
    for (auto* waiter : lookup->waiters) waiter->cancel();
    lookup->waiters.clear();
  }
}

void dns_cache::remember(const std::string& key, std::shared_ptr<const endpoint_list> endpoints) {
  if (ttl_.count() <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  // Expired entries are dropped when the cache has doubled since the last sweep, so a broad
  // crawl does not keep every host it ever saw.
  if (cache_.size() >= next_sweep_size_) {
    std::erase_if(cache_, [now](const auto& entry) { return entry.second.expires <= now; });
    next_sweep_size_ = std::max<std::size_t>(1024, cache_.size() * 2);
  }
  cache_.insert_or_assign(key, cached{std::move(endpoints), now + ttl_});
}

}  // namespace orbweaver::download
