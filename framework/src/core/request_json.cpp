#include <orbweaver/request_json.hpp>
#include <orbweaver/spider.hpp>

#include "core/base64.hpp"
#include "html/charset.hpp"

#include <fmt/format.h>

namespace orbweaver {
namespace {

std::string describe(const json::object& o) {
  auto text = [&](const char* key, std::string_view fallback) -> std::string {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string(fallback);
  };
  return fmt::format("<{} {}>", text("method", "GET"), text("url", "?"));
}

[[noreturn]] void malformed(const json::object& o, std::string_view why) {
  throw serialization_error(fmt::format("cannot read request {}: {}", describe(o), why));
}

const json::value* field(const json::object& o, const char* key, json::kind kind, std::string_view type) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return nullptr;
  if (v->kind() != kind && !(kind == json::kind::int64 && v->is_uint64()))
    malformed(o, fmt::format("'{}' must be {}", key, type));
  return v;
}

}  // namespace

json::object to_json(const request& r) {
  auto unnamed = [&](std::string_view what) {
    return serialization_error(fmt::format(
        "cannot serialise request <{} {}>: its {} has no name; declare the method in "
        "ORBWEAVER_SPIDER(your_spider, method) and pass it as &your_spider::method",
        r.method, r.url, what));
  };
  if (r.callback && r.callback_name.empty()) throw unnamed("callback");
  if (r.errback && r.errback_name.empty()) throw unnamed("errback");

  json::object o;
  o["url"] = r.url;
  o["method"] = r.method;
  json::array headers;
  for (const auto& [name, value] : r.headers) headers.push_back(json::array{json::string(name), json::string(value)});
  o["headers"] = std::move(headers);
  if (html::is_valid_utf8(r.body))
    o["body"] = r.body;
  else
    o["body_base64"] = base64_encode(r.body);
  o["priority"] = r.priority;
  o["dont_filter"] = r.dont_filter;
  o["meta"] = r.meta;
  o["cb_kwargs"] = r.cb_kwargs;
  o["callback"] = r.callback_name.empty() ? json::value(nullptr) : json::value(r.callback_name);
  o["errback"] = r.errback_name.empty() ? json::value(nullptr) : json::value(r.errback_name);
  return o;
}

request request_from_json(const json::value& v, const spider& s) {
  if (!v.is_object()) throw serialization_error("cannot read request: not a JSON object");
  const auto& o = v.get_object();
  request r;
  const auto* url = field(o, "url", json::kind::string, "a string");
  if (!url) malformed(o, "no 'url'");
  r.url = url->get_string();
  if (const auto* method = field(o, "method", json::kind::string, "a string")) r.method = method->get_string();
  if (const auto* headers = field(o, "headers", json::kind::array, "an array of [name, value] pairs")) {
    for (const auto& h : headers->get_array()) {
      const auto* pair = h.if_array();
      if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string())
        malformed(o, "'headers' must be an array of [name, value] pairs");
      r.headers.add((*pair)[0].get_string(), (*pair)[1].get_string());
    }
  }
  if (const auto* body = field(o, "body", json::kind::string, "a string")) r.body = body->get_string();
  if (const auto* body = field(o, "body_base64", json::kind::string, "a string")) {
    auto decoded = base64_decode(body->get_string());
    if (!decoded) malformed(o, "'body_base64' is not base64");
    r.body = std::move(*decoded);
  }
  if (const auto* priority = field(o, "priority", json::kind::int64, "an integer")) {
    boost::system::error_code ec;
    r.priority = priority->to_number<int>(ec);
    if (ec) malformed(o, "'priority' is out of range");
  }
  if (const auto* dont_filter = field(o, "dont_filter", json::kind::bool_, "true or false"))
    r.dont_filter = dont_filter->get_bool();
  if (const auto* meta = field(o, "meta", json::kind::object, "an object")) r.meta = meta->get_object();
  if (const auto* kwargs = field(o, "cb_kwargs", json::kind::object, "an object")) r.cb_kwargs = kwargs->get_object();
  if (const auto* name = field(o, "callback", json::kind::string, "a callback name")) {
    auto cb = spider_callback(s, name->get_string());
    if (!cb)
      malformed(o, fmt::format("spider '{}' has no callback named '{}'", s.name, std::string_view(name->get_string())));
    r.callback = std::move(*cb);
    r.callback_name = name->get_string();
  }
  if (const auto* name = field(o, "errback", json::kind::string, "an errback name")) {
    auto eb = spider_errback(s, name->get_string());
    if (!eb)
      malformed(o, fmt::format("spider '{}' has no errback named '{}'", s.name, std::string_view(name->get_string())));
    r.errback = std::move(*eb);
    r.errback_name = name->get_string();
  }
  return r;
}

}  // namespace orbweaver
