#pragma once
// An in-process HTTP(S) server on 127.0.0.1 for integration tests. It runs on its own thread and
// io_context, answers each connection with keep-alive, and measures what the crawler did to it:
// connections opened, requests served, peak concurrency overall and per Host header, arrival times.
#include <orbweaver/headers.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::testing {

struct test_request {
  std::string method;
  std::string target;  // path and query as sent
  std::string path;    // without the query
  std::string host;    // Host header
  http_headers headers;
  std::string body;
};

struct test_reply {
  int status = 200;
  http_headers headers{};     // Content-Type defaults to text/html when absent
  std::string body{};
  std::chrono::milliseconds delay{0};  // wait before answering (asynchronously)
  bool close = false;         // close the connection after this reply
  bool chunked = false;       // send the body with Transfer-Encoding: chunked, in 4 KiB chunks
  // Fault injection. raw: these bytes are sent verbatim in place of a formatted reply, then the
  // connection closes (HTTP/1.0 bodies delimited by close, malformed or truncated replies).
  // drop: the connection closes without any answer.
  std::string raw{};
  bool drop = false;
  // drip: the answer goes out drip_bytes at a time with this pause between pieces (slow servers).
  std::chrono::milliseconds drip{0};
  std::size_t drip_bytes = 1;
  // After the answer: stall keeps the connection open and silent until the server stops; reset
  // aborts it with a TCP RST instead of a clean close.
  bool stall = false;
  bool reset = false;
};

using test_handler = std::function<test_reply(const test_request&)>;

// A certificate authority and a server certificate for 127.0.0.1 and localhost, written as PEM
// files into a fresh temporary directory (removed by the destructor).
struct test_certificates {
  test_certificates();
  // A server certificate for these names instead: IP literals become IP SANs, others DNS SANs.
  explicit test_certificates(const std::vector<std::string>& server_names);
  ~test_certificates();
  test_certificates(const test_certificates&) = delete;
  test_certificates& operator=(const test_certificates&) = delete;
  std::string dir, ca_file, cert_file, key_file;
};

class test_server {
 public:
  struct options {
    const test_certificates* tls = nullptr;  // serve HTTPS with this certificate
    unsigned short port = 0;                 // 0: a free one (a taken port throws)
  };
  test_server();
  explicit test_server(options opts);
  ~test_server();

  // Exact path match (query ignored); unknown paths answer 404. Handlers run on the server
  // thread; register routes before the crawl starts.
  void route(std::string path, test_handler handler);

  unsigned short port() const;
  // "http://127.0.0.1:PORT" + path (https when TLS); host may be "localhost" for a second slot.
  std::string url(std::string_view path = "/", std::string_view host = "127.0.0.1") const;

  std::size_t connections_accepted() const;
  std::size_t requests_served() const;
  std::size_t peak_concurrency() const;                       // in-flight requests, all hosts
  std::size_t peak_concurrency(std::string_view host) const;  // by Host header without port
  // Arrival times of requests to a path, in order.
  std::vector<std::chrono::steady_clock::time_point> arrivals(std::string_view path) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace orbweaver::testing
