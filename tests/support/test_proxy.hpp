#pragma once
// An in-process forward proxy on 127.0.0.1 for integration tests, on its own thread and
// io_context. Absolute-form requests ("GET http://host:port/path") are forwarded in origin form,
// without Proxy-Authorization, and their answer relayed back; CONNECT opens a tunnel and relays
// bytes both ways. Whatever host a request names, the proxy connects to 127.0.0.1 at its port,
// so tests may name hosts that do not resolve: only a client that leaves the lookup to the
// proxy reaches them. It records every request it receives.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::testing {

struct proxy_request {
  std::string method;         // "CONNECT" for a tunnel
  std::string target;         // as received: an absolute URL, or host:port for CONNECT
  std::string authorization;  // its Proxy-Authorization, "" when absent
};

class test_proxy {
 public:
  struct options {
    // Requests without exactly this Proxy-Authorization are answered 407 (empty: none needed).
    std::string required_authorization{};
    // Read each request and never answer it, until the client gives up.
    bool stall = false;
  };
  test_proxy();
  explicit test_proxy(options opts);
  ~test_proxy();

  unsigned short port() const;
  // "http://127.0.0.1:PORT", with "credentials@" before the host when given ("user:password").
  std::string url(std::string_view credentials = {}) const;

  std::size_t connections_accepted() const;
  std::vector<proxy_request> requests() const;  // in the order received
  std::size_t forwarded_count() const;          // requests other than CONNECT
  std::size_t connect_count() const;            // CONNECT requests, refused or not
  std::size_t tunnels_opened() const;           // CONNECTs answered 200

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace orbweaver::testing
