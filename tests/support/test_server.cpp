#include "test_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace orbweaver::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// ---- certificates -------------------------------------------------------------------------

using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using cert_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

[[noreturn]] void openssl_failure(const char* what) {
  throw std::runtime_error(std::string("test certificates: ") + what + " failed");
}

key_ptr new_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) openssl_failure("EVP_EC_gen");
  return {key, EVP_PKEY_free};
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) openssl_failure("X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// issuer == nullptr: self-signed (the CA).
cert_ptr new_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                         long serial) {
  cert_ptr cert(X509_new(), X509_free);
  if (!cert) openssl_failure("X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject);
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) == 0) openssl_failure("X509_sign");
}

void write_pem(const std::string& path, X509* first, X509* second, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (!file) throw std::runtime_error("test certificates: cannot write " + path);
  bool ok = true;
  if (first) ok = ok && PEM_write_X509(file, first) == 1;
  if (second) ok = ok && PEM_write_X509(file, second) == 1;
  if (key) ok = ok && PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  ok = std::fclose(file) == 0 && ok;
  if (!ok) throw std::runtime_error("test certificates: cannot write " + path);
}

bool is_ip_literal(const std::string& name) {
  boost::system::error_code ec;
  asio::ip::make_address(name, ec);
  return !ec;
}

// ---- serving ------------------------------------------------------------------------------

std::string host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return std::string(host.substr(0, close == std::string_view::npos ? host.size() : close + 1));
  }
  const auto colon = host.find(':');
  return std::string(host.substr(0, colon));
}

std::string format_reply(const test_reply& reply, bool head_only, bool keep_alive) {
  std::string out;
  out.reserve(256 + reply.body.size());
  const auto reason = http::obsolete_reason(static_cast<http::status>(reply.status));
  out.append("HTTP/1.1 ").append(std::to_string(reply.status)).append(" ");
  out.append(reason.empty() ? std::string_view("Unknown") : std::string_view(reason)).append("\r\n");
  for (const auto& [name, value] : reply.headers) out.append(name).append(": ").append(value).append("\r\n");
  if (!reply.headers.contains("Content-Type")) out.append("Content-Type: text/html\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  // A handler that sets its own framing fields gets exactly those.
  const bool own_framing =
      reply.headers.contains("Content-Length") || reply.headers.contains("Transfer-Encoding");
  if (!own_framing) {
    if (reply.chunked) {
      out.append("Transfer-Encoding: chunked\r\n");
    } else {
      out.append("Content-Length: ").append(std::to_string(reply.body.size())).append("\r\n");
    }
  }
  out.append("\r\n");
  if (head_only) return out;
  if (reply.chunked && !own_framing) {
    constexpr std::size_t chunk = 4096;
    for (std::size_t at = 0; at < reply.body.size(); at += chunk) {
      const std::string_view piece = std::string_view(reply.body).substr(at, chunk);
      char size_line[32];
      std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
      out.append(size_line).append(piece).append("\r\n");
    }
    out.append("0\r\n\r\n");
  } else {
    out.append(reply.body);
  }
  return out;
}

}  // namespace

// ---- test_certificates --------------------------------------------------------------------

test_certificates::test_certificates() : test_certificates({"127.0.0.1", "localhost"}) {}

test_certificates::test_certificates(const std::vector<std::string>& server_names) {
  char dir_template[] = "/tmp/orbweaver-certs-XXXXXX";
  if (!mkdtemp(dir_template)) throw std::runtime_error("test certificates: mkdtemp failed");
  dir = dir_template;
  ca_file = dir + "/ca.pem";
  cert_file = dir + "/server.pem";
  key_file = dir + "/server.key";

  const key_ptr ca_key = new_key();
  const cert_ptr ca = new_certificate(ca_key.get(), "orbweaver test CA", nullptr, 1);
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  sign(ca.get(), ca_key.get());

  std::string alt_names;
  for (const auto& name : server_names) {
    if (!alt_names.empty()) alt_names += ",";
    alt_names += (is_ip_literal(name) ? "IP:" : "DNS:") + name;
  }
  const key_ptr server_key = new_key();
  const cert_ptr server = new_certificate(server_key.get(),
                                          server_names.empty() ? "server" : server_names.front(),
                                          ca.get(), 2);
  add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  if (!alt_names.empty()) add_extension(server.get(), ca.get(), NID_subject_alt_name, alt_names);
  add_extension(server.get(), ca.get(), NID_subject_key_identifier, "hash");
  add_extension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  sign(server.get(), ca_key.get());

  write_pem(ca_file, ca.get(), nullptr, nullptr);
  // The server presents its chain, CA included, as many real servers do.
  write_pem(cert_file, server.get(), ca.get(), nullptr);
  write_pem(key_file, nullptr, nullptr, server_key.get());
}

test_certificates::~test_certificates() {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

// ---- test_server --------------------------------------------------------------------------

struct test_server::impl {
  explicit impl(options o) : opts(o) {
    if (opts.tls) {
      tls.emplace(asio::ssl::context::tls_server);
      tls->use_certificate_chain_file(opts.tls->cert_file);
      tls->use_private_key_file(opts.tls->key_file, asio::ssl::context::pem);
    }
    acceptor.emplace(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), opts.port));
    port = acceptor->local_endpoint().port();
    asio::co_spawn(ioc, accept_loop(), asio::detached);
    thread = std::thread([this] { ioc.run(); });
  }

  // Stopping the io_context abandons every connection where it stands (stalled ones included);
  // destroying it then destroys their coroutine frames, which close the sockets.
  ~impl() {
    ioc.stop();
    thread.join();
    acceptor.reset();
  }

  asio::awaitable<void> accept_loop() {
    while (true) {
      auto [ec, socket] = co_await acceptor->async_accept(nothrow);
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) continue;
      ++accepted;
      // Replies go out in one write, but a TLS server also sends session tickets: without this,
      // Nagle holds the reply back until the client's delayed ACK.
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(ioc, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    if (tls) {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
      const auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
      if (!ec) co_await session(stream);
      beast::error_code ignored;
      beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await session(stream);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  template <class Stream>
  asio::awaitable<void> session(Stream& stream) {
    beast::flat_buffer buffer;
    while (true) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      const auto [read_error, n] = co_await http::async_read(stream, buffer, parser, nothrow);
      if (read_error) co_return;
      const auto& message = parser.get();

      test_request req;
      req.method = std::string(message.method_string());
      req.target = std::string(message.target());
      req.path = req.target.substr(0, req.target.find('?'));
      req.host = std::string(message[http::field::host]);
      for (const auto& field : message) req.headers.add(field.name_string(), field.value());
      req.body = message.body();
      const bool keep_alive_asked = message.keep_alive();

      const std::string host = host_without_port(req.host);
      request_started(host, req.path);
      const test_reply reply = answer(req);
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(stream.get_executor(), reply.delay);
        co_await timer.async_wait(nothrow);
      }
      bool keep_alive = false;
      if (!reply.drop) {
        keep_alive = reply.raw.empty() && keep_alive_asked && !reply.close;
        const std::string bytes = reply.raw.empty()
                                      ? format_reply(reply, req.method == "HEAD", keep_alive)
                                      : reply.raw;
        ++served;  // before the write: a client may read the reply before the write completes here
        const bool written = co_await send(stream, bytes, reply);
        if (!written) keep_alive = false;
      }
      request_finished(host);
      if (reply.stall) {
        asio::steady_timer forever(stream.get_executor(), std::chrono::hours(24));
        co_await forever.async_wait(nothrow);
      }
      if (reply.reset) {
        beast::error_code ignored;
        auto& socket = beast::get_lowest_layer(stream).socket();
        socket.set_option(asio::socket_base::linger(true, 0), ignored);
        socket.close(ignored);
        co_return;
      }
      if (!keep_alive) co_return;
    }
  }

  // Writes the answer at once, or drip_bytes at a time when the reply drips. False on error.
  template <class Stream>
  asio::awaitable<bool> send(Stream& stream, const std::string& bytes, const test_reply& reply) {
    if (reply.drip.count() == 0) {
      const auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes), nothrow);
      co_return !ec;
    }
    const std::size_t piece = std::max<std::size_t>(reply.drip_bytes, 1);
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      const auto [ec, n] = co_await asio::async_write(
          stream, asio::buffer(bytes.data() + at, std::min(piece, bytes.size() - at)), nothrow);
      if (ec) co_return false;
      asio::steady_timer pause(stream.get_executor(), reply.drip);
      co_await pause.async_wait(nothrow);
    }
    co_return true;
  }

  test_reply answer(const test_request& req) {
    const test_handler* handler = nullptr;
    {
      std::lock_guard lock(routes_mutex);
      if (const auto found = routes.find(req.path); found != routes.end()) handler = &found->second;
    }
    if (!handler) return test_reply{.status = 404, .body = "not found"};
    try {
      return (*handler)(req);
    } catch (const std::exception& e) {
      return test_reply{.status = 500, .body = e.what()};
    }
  }

  void request_started(const std::string& host, const std::string& path) {
    std::lock_guard lock(stats_mutex);
    arrivals[path].push_back(std::chrono::steady_clock::now());
    peak = std::max(peak, ++in_flight);
    auto& [now, most] = per_host[host];
    most = std::max(most, ++now);
  }

  void request_finished(const std::string& host) {
    std::lock_guard lock(stats_mutex);
    --in_flight;
    --per_host[host].first;
  }

  options opts;
  std::optional<asio::ssl::context> tls;

  mutable std::mutex routes_mutex;
  std::map<std::string, test_handler, std::less<>> routes;  // nodes never move: handlers stay put

  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> served{0};
  mutable std::mutex stats_mutex;
  std::size_t in_flight = 0;
  std::size_t peak = 0;
  std::map<std::string, std::pair<std::size_t, std::size_t>, std::less<>> per_host;  // now, peak
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>, std::less<>> arrivals;

  // Declared after everything the connections use, so it is destroyed (with their coroutine
  // frames) before those.
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  unsigned short port = 0;
  std::thread thread;
};

test_server::test_server() : test_server(options{}) {}

test_server::test_server(options opts) : impl_(std::make_unique<impl>(opts)) {}

test_server::~test_server() = default;

void test_server::route(std::string path, test_handler handler) {
  std::lock_guard lock(impl_->routes_mutex);
  impl_->routes.insert_or_assign(std::move(path), std::move(handler));
}

unsigned short test_server::port() const { return impl_->port; }

std::string test_server::url(std::string_view path, std::string_view host) const {
  return std::string(impl_->tls ? "https://" : "http://") + std::string(host) + ":" +
         std::to_string(impl_->port) + std::string(path);
}

std::size_t test_server::connections_accepted() const { return impl_->accepted; }

std::size_t test_server::requests_served() const { return impl_->served; }

std::size_t test_server::peak_concurrency() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->peak;
}

std::size_t test_server::peak_concurrency(std::string_view host) const {
  std::lock_guard lock(impl_->stats_mutex);
  const auto found = impl_->per_host.find(host);
  return found == impl_->per_host.end() ? 0 : found->second.second;
}

std::vector<std::chrono::steady_clock::time_point> test_server::arrivals(
    std::string_view path) const {
  std::lock_guard lock(impl_->stats_mutex);
  const auto found = impl_->arrivals.find(path);
  return found == impl_->arrivals.end() ? std::vector<std::chrono::steady_clock::time_point>{}
                                        : found->second;
}

}  // namespace orbweaver::testing
