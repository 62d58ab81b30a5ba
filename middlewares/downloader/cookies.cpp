#include "downloader/cookies.hpp"
#include "engine/builtin_components.hpp"
#include "core/text.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>

#include <algorithm>

namespace orbweaver::middlewares {
namespace {

std::string_view cookie_name(std::string_view pair) { return text::trim_ows(pair.substr(0, pair.find('='))); }

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> jar_added_names(const json::object& meta) {
  std::vector<std::string> names;
  if (auto* list = meta.if_contains("cookiejar_added"); list && list->is_array())
    for (const auto& v : list->get_array())
      if (v.is_string()) names.emplace_back(v.get_string());
  return names;
}

}  // namespace

merged_cookies merge_cookie_header(std::string_view header, const std::vector<std::string>& added_before,
                                   const std::vector<std::pair<std::string, std::string>>& from_jar) {
  merged_cookies merged;
  std::vector<std::string> own_names;
  auto append = [&merged](std::string_view pair) {
    if (!merged.header.empty()) merged.header += "; ";
    merged.header += pair;
  };
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    const std::string_view pair = text::trim_ows(header.substr(0, semicolon));
    const std::string_view name = cookie_name(pair);
    if (!pair.empty() && !contains(added_before, name)) {
      append(pair);
      own_names.emplace_back(name);
    }
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  for (const auto& [name, value] : from_jar) {
    if (contains(own_names, name)) continue;
    append(name + "=" + value);
    merged.added.push_back(name);
  }
  return merged;
}

bool cookies_middleware::open(crawler& c) {
  debug_ = c.config().get_bool("COOKIES_DEBUG");
  return c.config().get_bool("COOKIES_ENABLED");
}

download::cookie_jar& cookies_middleware::jar_for(const request& r) {
  // Absent or null (as Scrapy's None) maps to "", which no serialized JSON value equals.
  auto* key = r.meta.if_contains("cookiejar");
  return jars_[key && !key->is_null() ? json::serialize(*key) : std::string()];
}

awaitable<request_action> cookies_middleware::process_request(request& r, spider&) {
  if (meta_flag(r.meta, "dont_merge_cookies")) co_return pass;
  const auto from_jar = jar_for(r).cookies_for(r.url);
  const auto before = jar_added_names(r.meta);
  if (from_jar.empty() && before.empty()) co_return pass;

  const std::string own(r.headers.get("Cookie").value_or(""));
  const auto merged = merge_cookie_header(own, before, from_jar);
  if (merged.header.empty()) r.headers.remove("Cookie");
  else r.headers.set("Cookie", merged.header);
  json::array added;
  for (const auto& name : merged.added) added.emplace_back(name);
  r.meta["cookiejar_added"] = std::move(added);
  if (debug_ && !merged.header.empty())
    log::debug("cookies", "Sending cookies to <{} {}>: Cookie: {}", r.method, r.url, merged.header);
  co_return pass;
}

awaitable<response_action> cookies_middleware::process_response(const request& r, response_ptr resp, spider&) {
  if (meta_flag(r.meta, "dont_merge_cookies")) co_return resp;
  auto set_cookies = resp->headers().get_all("Set-Cookie");
  if (set_cookies.empty()) co_return resp;
  auto& jar = jar_for(r);
  for (auto header : set_cookies) {
    const bool stored = jar.set_cookie(resp->url(), header);
    if (debug_)
      log::debug("cookies", "Received cookie from {} <{}>: Set-Cookie: {}{}", resp->status(), resp->url(), header,
                 stored ? "" : " (refused)");
  }
  co_return resp;
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(cookies_middleware, "cookies", 700);

}  // namespace orbweaver::middlewares
