#include <orbweaver/response.hpp>
#include "core/text.hpp"

#include <orbweaver/url.hpp>

#include "html/charset.hpp"
#include "html/css_matcher.hpp"
#include "html/css_parser.hpp"
#include "html/document.hpp"
#include "html/xpath.hpp"
#include "html/dom.hpp"

#include <fmt/format.h>

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

namespace {

// The media type of a Content-Type value, without parameters; empty when absent or blank.
std::string_view media_type(const std::optional<std::string_view>& content_type) {
  if (!content_type) return {};
  return text::trim_html_space(content_type->substr(0, content_type->find(';')));
}

}  // namespace

bool response::is_html() const {
  if (const auto type = media_type(headers_.get("Content-Type")); !type.empty())
    return iequals(type, "text/html") || iequals(type, "application/xhtml+xml");
  std::string_view body = body_;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  body = text::trim_html_space(body);
  return !body.empty() && body.front() == '<';
}

bool response::is_xml() const {
  const auto type = media_type(headers_.get("Content-Type"));
  return iequals(type, "text/xml") || iequals(type, "application/xml") ||
         (type.size() > 4 && iequals(type.substr(type.size() - 4), "+xml"));
}

const std::shared_ptr<const html::document>& response::document(std::string_view method) const {
  if (!doc_ && !is_html() && !is_xml()) {
    const auto type = headers_.get("Content-Type");
    throw not_supported(fmt::format("{}() needs an HTML or XML response, and <{}> is {}", method, url_,
                                    type ? std::string(*type) : std::string("not markup")));
  }
  if (!doc_) doc_ = std::make_shared<const html::document>(std::string(text()));
  return doc_;
}

selector_list response::css(std::string_view query) const {
  const auto group = html::css::parse_cached(query);
  const auto& doc = document("css");
  return selector_list(html::select(doc, doc->root(), *group), html::describe_query(query));
}

selector_list response::xpath(std::string_view query) const {
  return selector_list(html::xpath_select(document("xpath"), nullptr, query), html::describe_xpath(query));
}

json::value response::json() const { return parse_json(text(), fmt::format("the body of <{} {}>", status_, url_)); }

std::optional<std::string> response::urljoin(std::string_view href, std::error_code* why) const {
  if (!doc_ && is_html() && may_have_base(text()))
    doc_ = std::make_shared<const html::document>(std::string(text()));
  if (doc_ && doc_->base_href()) {
    // A relative <base href> is itself relative to the response URL.
    if (const auto base = url::join(url_, *doc_->base_href())) return url::join(*base, href, why);
  }
  return url::join(url_, href, why);
}

std::optional<request> response::follow_request(std::string_view href, request prototype) const {
  auto target = urljoin(href);
  if (!target) return std::nullopt;
  prototype.url = std::move(*target);
  return prototype;
}

}  // namespace orbweaver
