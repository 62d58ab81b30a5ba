#include "download/connection_pool.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace orbweaver::download {

namespace {

// Beast reads at most the buffer's free capacity (and at least 512 bytes). The parser empties the
// buffer after every read, so it never grows by itself: without room set aside up front, a 22 KB
// body takes some 45 reads.
constexpr std::size_t read_buffer_capacity = 16 * 1024;

}  // namespace

connection::connection(boost::asio::any_io_executor executor)
    : stream(std::in_place_type<plain_stream>, std::move(executor)) {
  buffer.reserve(read_buffer_capacity);
}

connection::connection(boost::asio::any_io_executor executor, boost::asio::ssl::context& tls)
    : stream(std::in_place_type<tls_stream>, std::move(executor), tls) {
  buffer.reserve(read_buffer_capacity);
}

plain_stream& connection::tcp() {
  return visit([](auto& s) -> plain_stream& { return boost::beast::get_lowest_layer(s); });
}

namespace {

// An idle connection must have nothing to read: end of stream means the server closed it, and
// bytes (a TLS close_notify, an unsolicited 408) mean it is about to. One non-blocking peek.
bool quiet_and_open(connection& conn) {
  auto& socket = conn.tcp().socket();
  if (!socket.is_open()) return false;
  char byte;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

connection_pool::connection_pool(std::size_t max_idle_per_key, std::chrono::seconds idle_timeout)
    : max_idle_per_key_(max_idle_per_key),
      idle_timeout_(idle_timeout),
      next_sweep_(std::chrono::steady_clock::now() + idle_timeout) {}

std::unique_ptr<connection> connection_pool::checkout(const std::string& key) {
  const auto now = std::chrono::steady_clock::now();
  sweep_if_due(now);
  const auto found = idle_.find(key);
  if (found == idle_.end()) return nullptr;
  auto& idle = found->second;
  std::unique_ptr<connection> usable;
  while (!idle.empty() && !usable) {
    std::unique_ptr<connection> conn = std::move(idle.back());
    idle.pop_back();
    if (now - conn->idle_since < idle_timeout_ && quiet_and_open(*conn)) usable = std::move(conn);
  }
  if (idle.empty()) idle_.erase(found);
  return usable;
}

void connection_pool::checkin(const std::string& key, std::unique_ptr<connection> conn) {
  if (max_idle_per_key_ == 0) return;
  const auto now = std::chrono::steady_clock::now();
  sweep_if_due(now);
  conn->idle_since = now;
  auto& idle = idle_[key];
  if (idle.size() >= max_idle_per_key_) idle.erase(idle.begin());
  idle.push_back(std::move(conn));
}

void connection_pool::close_all() { idle_.clear(); }

// Closes connections idle longer than the timeout, a few times per timeout period, so keys
// that are never used again do not keep their sockets open until shutdown.
void connection_pool::sweep_if_due(std::chrono::steady_clock::time_point now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + std::max<std::chrono::steady_clock::duration>(idle_timeout_ / 4,
                                                                    std::chrono::seconds(1));
  for (auto it = idle_.begin(); it != idle_.end();) {
    std::erase_if(it->second, [&](const auto& conn) { return now - conn->idle_since >= idle_timeout_; });
    it = it->second.empty() ? idle_.erase(it) : std::next(it);
  }
}

}  // namespace orbweaver::download
