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

namespace orbweaver {

// Thrown by response::css() on a body that is not markup (a PDF, an image, JSON), as Scrapy's
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

  // Charset from a byte-order mark, else Content-Type, else <meta charset> / http-equiv (or an
  // XML declaration), else UTF-8: the order browsers and w3lib use.
  const std::string& encoding() const;
  // The body as UTF-8 (transcoded when the charset is another one; invalid bytes replaced).
  std::string_view text() const;
  bool is_html() const;  // Content-Type says HTML, or there is none and the body looks like it
  bool is_xml() const;   // Content-Type is text/xml, application/xml or a "+xml" type

  // CSS over the document, parsed on first use. Throws not_supported unless is_html() or is_xml().
  selector_list css(std::string_view query) const;
  // The body as JSON; throws boost::system::system_error when it is not.
  json::value json() const;

  // Resolves href against the response URL (and <base href>); nullopt for links that cannot be
  // requested (javascript:, mailto:, data:, unparsable), with `why` set as url::join sets it.
  // Fragments are dropped.
  std::optional<std::string> urljoin(std::string_view href, std::error_code* why = nullptr) const;
  std::optional<request> follow(std::string_view href, callback_fn cb = {}) const;
  template <class S>
  std::optional<request> follow(std::string_view href, void (S::*cb)(const response&, output&)) const {
    auto r = follow(href);
    if (r) r->set_callback(cb);
    return r;
  }

 private:
  request request_;
  std::string url_;
  int status_;
  http_headers headers_;
  std::string body_;
  mutable std::optional<std::string> encoding_;
  mutable std::optional<std::string> text_;  // set only when transcoding was needed
  mutable std::shared_ptr<const html::document> doc_;
};

using response_ptr = std::shared_ptr<response>;

}  // namespace orbweaver
