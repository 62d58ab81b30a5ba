#pragma once
// A downloaded response as a callback sees it. A response is handed to one callback on one
// thread; its lazily built parts (decoded text, parsed document) are not shared across threads.
#include <orbweaver/headers.hpp>
#include <orbweaver/item.hpp>
#include <orbweaver/request.hpp>
#include <orbweaver/selector.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver {

// Thrown by response::css() and xpath() on a body that is not markup (a PDF, an image, JSON), as Scrapy's
// NotSupported: the callback fails, and is logged and counted like any exception it raises.
struct not_supported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class response {
 public:
  response(request req, std::string url, int status, http_headers headers, std::string body);
  ~response();
  response(const response&) = delete;
  response& operator=(const response&) = delete;

  const std::string& url() const { return url_; }
  int status() const { return status_; }
  const http_headers& headers() const { return headers_; }
  // Body bytes after content decoding (gzip, deflate, br, zstd).
  const std::string& body() const { return body_; }
  const request& req() const { return request_; }
  request& req() { return request_; }
  const json::object& meta() const { return request_.meta; }
  // Scrapy's response.flags: marks a middleware leaves on a response, such as "cached" for one
  // the HTTP cache answered with; the "Crawled" log line shows them: ['cached'].
  const std::vector<std::string>& flags() const { return flags_; }
  void add_flag(std::string flag) { flags_.push_back(std::move(flag)); }
  // The request's cb_kwargs and meta as T: a missing key or a value of another type throws
  // value_error (see request::cb_kwarg).
  template <class T>
  T cb_kwarg(std::string_view key) const {
    return request_.cb_kwarg<T>(key);
  }
  template <class T>
  T cb_kwarg(std::string_view key, std::type_identity_t<T> fallback) const {
    return request_.cb_kwarg<T>(key, std::move(fallback));
  }
  template <class T>
  T meta_value(std::string_view key) const {
    return request_.meta_value<T>(key);
  }
  template <class T>
  T meta_value(std::string_view key, std::type_identity_t<T> fallback) const {
    return request_.meta_value<T>(key, std::move(fallback));
  }

  // Charset from a byte-order mark, else Content-Type, else <meta charset> / http-equiv (or an
  // XML declaration), else UTF-8: the order browsers and w3lib use.
  const std::string& encoding() const;
  // The body as UTF-8 (transcoded when the charset is another one; invalid bytes replaced).
  std::string_view text() const;
  bool is_html() const;  // Content-Type says HTML, or there is none and the body looks like it
  bool is_xml() const;   // Content-Type is text/xml, application/xml or a "+xml" type

  // CSS over the document, parsed on first use. Throws not_supported unless is_html() or is_xml().
  selector_list css(std::string_view query) const;
  // XPath 1.0 over the same document, relative to its root element as in parsel (see selector.hpp).
  // The first call builds libxml2's copy of the tree; not_supported as for css().
  selector_list xpath(std::string_view query) const;
  // The body as JSON; throws value_error saying where the JSON is broken when it is not JSON.
  json::value json() const;

  // Resolves href against the response URL (and <base href>); nullopt for links that cannot be
  // requested (javascript:, mailto:, data:, unparsable), with `why` set as url::join sets it.
  // Fragments are dropped.
  std::optional<std::string> urljoin(std::string_view href, std::error_code* why = nullptr) const;
  // A request for href resolved as urljoin() does (nullopt when it cannot be requested), with
  // the arguments of output::follow.
  std::optional<request> follow(std::string_view href, callback_fn cb = {}, request_options options = {}) const {
    return follow_request(href, request({}, std::move(cb), std::move(options)));
  }
  std::optional<request> follow(std::string_view href, request_options options) const {
    return follow_request(href, request({}, std::move(options)));
  }
  template <class S>
  std::optional<request> follow(std::string_view href, void (S::*cb)(const response&, output&),
                                request_options options = {}) const {
    return follow_request(href, request({}, cb, std::move(options)));
  }
  template <class S, class E>
  std::optional<request> follow(std::string_view href, void (S::*cb)(const response&, output&),
                                void (E::*eb)(const failure&, output&), request_options options = {}) const {
    return follow_request(href, request({}, cb, eb, std::move(options)));
  }

 private:
  std::optional<request> follow_request(std::string_view href, request prototype) const;
  // The parsed document for css() or xpath() (named by method in the not_supported message).
  const std::shared_ptr<const html::document>& document(std::string_view method) const;

  request request_;
  std::string url_;
  int status_;
  http_headers headers_;
  std::string body_;
  std::vector<std::string> flags_;
  mutable std::optional<std::string> encoding_;
  mutable std::optional<std::string> text_;  // set only when transcoding was needed
  mutable std::shared_ptr<const html::document> doc_;
};

using response_ptr = std::shared_ptr<response>;

}  // namespace orbweaver
