#pragma once
// A request to download, and the callback that will receive its response.
#include <orbweaver/headers.hpp>
#include <orbweaver/item.hpp>
#include <orbweaver/meta.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <system_error>
#include <type_traits>
#include <typeindex>

namespace orbweaver {

class spider;
class response;
class output;
struct request;

// Why a request failed, as given to an errback.
struct failure {
  const request& req;
  std::error_code error;
  std::string message;                 // one human line: what failed and where
  const response* resp = nullptr;      // set when the failure is an HTTP error response
};

// Callbacks run on the parse pool with the spider, a read-only response and an output sink.
using callback_fn = std::function<void(spider&, const response&, output&)>;
using errback_fn = std::function<void(spider&, const failure&, output&)>;

namespace detail {
// Identifies a member function of a spider class, so that the name it was registered under
// (ORBWEAVER_SPIDER) can be found from a member pointer.
struct member_key {
  std::type_index owner;
  std::array<unsigned char, 2 * sizeof(void*)> bytes{};
};
template <class M>
member_key key_of(std::type_index owner, M member) {
  static_assert(sizeof(M) <= sizeof(member_key::bytes), "unexpected member pointer size");
  member_key key{owner};
  std::memcpy(key.bytes.data(), &member, sizeof member);
  return key;
}
// The registered name of a callback or errback; empty when it was not registered.
std::string registered_name(const member_key& key);
}  // namespace detail

template <class S>
callback_fn bind_callback(void (S::*method)(const response&, output&)) {
  static_assert(std::is_base_of_v<spider, S>, "a callback must be a member of a spider");
  return [method](spider& s, const response& r, output& o) { (static_cast<S&>(s).*method)(r, o); };
}

template <class S>
errback_fn bind_errback(void (S::*method)(const failure&, output&)) {
  static_assert(std::is_base_of_v<spider, S>, "an errback must be a member of a spider");
  return [method](spider& s, const failure& f, output& o) { (static_cast<S&>(s).*method)(f, o); };
}

// What a request carries besides its URL and callbacks, to give in one line, in this order:
//   out.follow(href, &books::parse_page, {.cb_kwargs = {{"page", 2}}, .priority = 1});
//   request r(url, &api::parse_result, {.method = "POST", .headers = {{"Content-Type", "application/json"}},
//                                       .body = R"({"q": "x"})"});
// Members left out keep their defaults (those of request below); each has an initializer so
// that leaving one out does not warn (-Wmissing-field-initializers).
struct request_options {
  json::object cb_kwargs{};
  json::object meta{};
  int priority = 0;
  bool dont_filter = false;
  std::string method = "GET";
  http_headers headers{};
  std::string body{};
};

struct request {
  std::string url;
  std::string method = "GET";
  http_headers headers;
  std::string body;
  int priority = 0;           // higher is scheduled first
  bool dont_filter = false;   // skip the duplicate filter
  // Framework and middleware keys live here as in Scrapy: "depth", "download_timeout",
  // "download_maxsize", "handle_httpstatus_list", "handle_httpstatus_all", "dont_redirect", ...
  json::object meta;
  json::object cb_kwargs;     // arguments for the callback, read back through response::req()
  callback_fn callback;       // empty: the spider's parse()
  errback_fn errback;         // empty: failures are only logged and counted
  // The names callback and errback were registered under (ORBWEAVER_SPIDER(cls, method...)), set
  // when they are given as member pointers. A request is written to disk or sent to another process
  // by these names; one whose callback or errback has no name cannot be (see request_json.hpp).
  // An empty callback with an empty name means parse().
  std::string callback_name;
  std::string errback_name;
  // Set by the scheduler of a crawl with a JOBDIR: the request's row there, removed when its
  // outputs are committed. 0 for a request that has none. Copies (a redirect's) are given their
  // own when they are scheduled.
  std::uint64_t frontier_id = 0;

  request() = default;
  explicit request(std::string u) : url(std::move(u)) {}
  request(std::string u, request_options options) : url(std::move(u)) { apply(std::move(options)); }
  request(std::string u, callback_fn cb, request_options options = {}) : url(std::move(u)), callback(std::move(cb)) {
    apply(std::move(options));
  }
  template <class S>
  request(std::string u, void (S::*cb)(const response&, output&), request_options options = {}) : url(std::move(u)) {
    set_callback(cb);
    apply(std::move(options));
  }
  template <class S, class E>
  request(std::string u, void (S::*cb)(const response&, output&), void (E::*eb)(const failure&, output&),
          request_options options = {})
      : url(std::move(u)) {
    set_callback(cb);
    set_errback(eb);
    apply(std::move(options));
  }

  // cb_kwargs[key] and meta[key] as T (see read_value, meta.hpp): a missing key or a value of
  // another type throws value_error naming the key, T and what was there.
  //   int page = r.cb_kwarg<int>("page");
  //   auto lang = r.meta_value<std::string>("lang", "en");  // the fallback when absent
  template <class T>
  T cb_kwarg(std::string_view key) const {
    return read_value<T>(cb_kwargs, key, "cb_kwargs");
  }
  template <class T>
  T cb_kwarg(std::string_view key, std::type_identity_t<T> fallback) const {
    return read_value<T>(cb_kwargs, key, std::move(fallback), "cb_kwargs");
  }
  template <class T>
  T meta_value(std::string_view key) const {
    return read_value<T>(meta, key, "meta");
  }
  template <class T>
  T meta_value(std::string_view key, std::type_identity_t<T> fallback) const {
    return read_value<T>(meta, key, std::move(fallback), "meta");
  }

  // Set the callback or errback from a member function of the spider, with its registered name.
  template <class S>
  void set_callback(void (S::*cb)(const response&, output&)) {
    callback = bind_callback(cb);
    callback_name = detail::registered_name(detail::key_of(typeid(S), cb));
  }
  template <class S>
  void set_errback(void (S::*eb)(const failure&, output&)) {
    errback = bind_errback(eb);
    errback_name = detail::registered_name(detail::key_of(typeid(S), eb));
  }

 private:
  void apply(request_options&& options) {
    cb_kwargs = std::move(options.cb_kwargs);
    meta = std::move(options.meta);
    priority = options.priority;
    dont_filter = options.dont_filter;
    method = std::move(options.method);
    headers = std::move(options.headers);
    body = std::move(options.body);
  }
};

}  // namespace orbweaver
