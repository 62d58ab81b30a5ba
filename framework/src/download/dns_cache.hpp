#pragma once
// Host name resolution for the HTTP client. Asio's resolver runs getaddrinfo on a helper thread, so
// a lookup never blocks the reactor; this cache makes repeated lookups of a host free for the TTL
// and lets concurrent requests for the same host share one lookup in flight.
// Single-threaded: every call must come from the reactor thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace orbweaver::download {

using endpoint_list = std::vector<boost::asio::ip::tcp::endpoint>;

struct lookup_result {
  std::error_code error;  // errc::dns_failed, errc::download_timeout or errc::cancelled
  std::string detail;     // on error: the resolver's message
  std::shared_ptr<const endpoint_list> endpoints;  // never empty on success
};

class dns_cache {
 public:
  dns_cache(boost::asio::any_io_executor executor, std::chrono::seconds ttl);
  ~dns_cache();
  dns_cache(const dns_cache&) = delete;
  dns_cache& operator=(const dns_cache&) = delete;

  // Addresses of host:port in resolver order. IP literals are answered without a lookup. A
  // caller that times out leaves the lookup running: its answer still fills the cache.
  boost::asio::awaitable<lookup_result> resolve(std::string_view host, std::uint16_t port,
                                                std::chrono::milliseconds timeout);

  // Wakes every caller waiting for a lookup with errc::cancelled (shutdown). The lookups go on
  // and still fill the cache.
  void abandon_waiters();

  // getaddrinfo calls started so far (cache misses that were not joined to one in flight).
  std::uint64_t lookups_started() const { return lookups_started_; }

 private:
  struct cached {
    std::shared_ptr<const endpoint_list> endpoints;
    std::chrono::steady_clock::time_point expires;
  };
  struct pending;

  void start_lookup(const std::string& key, std::string_view host, std::uint16_t port,
                    const std::shared_ptr<pending>& lookup);
  void remember(const std::string& key, std::shared_ptr<const endpoint_list> endpoints);

  boost::asio::any_io_executor executor_;
  std::chrono::seconds ttl_;
  std::unordered_map<std::string, cached> cache_;
  std::unordered_map<std::string, std::shared_ptr<pending>> in_flight_;
  std::size_t next_sweep_size_ = 1024;
  std::uint64_t lookups_started_ = 0;
  // abandon_waiters() calls so far: a waiter that sees this change was abandoned.
  std::uint64_t abandonments_ = 0;
  // Lookups outlive the cache if it is destroyed first; they check this before touching it.
  std::shared_ptr<dns_cache*> alive_;
};

}  // namespace orbweaver::download
