#include <orbweaver/response.hpp>
#include "core/text.hpp"

#include <orbweaver/url.hpp>

#include "html/charset.hpp"
#include "html/css_matcher.hpp"
#include "html/css_parser.hpp"
#include "html/document.hpp"
#include "html/dom.hpp"

namespace orbweaver {

namespace {

// Whether the text could hold a <base> element; most pages have none, and then a link can be
// resolved without parsing the page.
bool may_have_base(std::string_view text) {
  for (std::size_t i = text.find('<'); i != std::string_view::npos; i = text.find('<', i + 1))
    if (text.size() - i > 5 && html::equals_lowered(text.substr(i + 1, 4), "base")) return true;
  return false;
}

}  // namespace

response::response(request req, std::string url, int status, http_headers headers, std::string body)
    : request_(std::move(req)), url_(std::move(url)), status_(status), headers_(std::move(headers)),
      body_(std::move(body)) {}

response::~response() = default;

const std::string& response::encoding() const {
  if (!encoding_) encoding_ = std::string(html::detect_charset(headers_.get("Content-Type"), body_));
  return *encoding_;
}

std::string_view response::text() const {
  if (text_) return *text_;
  const std::string& charset = encoding();
  std::string_view bytes = body_;
  if (const auto bom = html::detect_bom(bytes); bom.charset == charset) bytes.remove_prefix(bom.length);
  if (charset == "utf-8") {
    if (html::is_valid_utf8(bytes)) return bytes;
    text_ = html::replace_invalid_utf8(bytes);
  } else {
    text_ = html::decode_to_utf8(bytes, charset);
  }
  return *text_;
}

bool response::is_html() const {
  if (const auto content_type = headers_.get("Content-Type"); content_type && !text::trim_html_space(*content_type).empty()) {
    const std::string_view media_type = text::trim_html_space(content_type->substr(0, content_type->find(';')));
    return iequals(media_type, "text/html") || iequals(media_type, "application/xhtml+xml");
  }
  std::string_view body = body_;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  body = text::trim_html_space(body);
  return !body.empty() && body.front() == '<';
}

selector_list response::css(std::string_view query) const {
  const auto group = html::css::parse_cached(query);
  if (!doc_) doc_ = std::make_shared<const html::document>(std::string(text()));
  return html::select(doc_, doc_->root(), *group);
}

json::value response::json() const { return json::parse(text()); }

std::optional<std::string> response::urljoin(std::string_view href) const {
  if (!doc_ && is_html() && may_have_base(text()))
    doc_ = std::make_shared<const html::document>(std::string(text()));
  if (doc_ && doc_->base_href()) {
    // A relative <base href> is itself relative to the response URL.
    if (const auto base = url::join(url_, *doc_->base_href())) return url::join(*base, href);
  }
  return url::join(url_, href);
}

std::optional<request> response::follow(std::string_view href, callback_fn cb) const {
  auto target = urljoin(href);
  if (!target) return std::nullopt;
  return request(std::move(*target), std::move(cb));
}

}  // namespace orbweaver
