#include "spider/referer.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>

#include <orbweaver/url.hpp>

#include <array>
#include <cctype>
#include <utility>

namespace orbweaver::middlewares {
namespace {

constexpr std::array<std::pair<std::string_view, referrer_policy>, 8> policy_names{{
    {"no-referrer", referrer_policy::no_referrer},
    {"no-referrer-when-downgrade", referrer_policy::no_referrer_when_downgrade},
    {"same-origin", referrer_policy::same_origin},
    {"origin", referrer_policy::origin},
    {"strict-origin", referrer_policy::strict_origin},
    {"origin-when-cross-origin", referrer_policy::origin_when_cross_origin},
    {"strict-origin-when-cross-origin", referrer_policy::strict_origin_when_cross_origin},
    {"unsafe-url", referrer_policy::unsafe_url},
}};

struct parsed_url {
  std::string scheme;
  std::string origin;  // "https://host:port", port only when not the scheme's default
  std::string stripped;  // the URL without fragment and userinfo
};

// Parsed as browsers parse it (url::normalize: scheme and host in lower case, no default port).
std::optional<parsed_url> parse(std::string_view text) {
  const auto normalized = url::normalize(text);
  if (!normalized) return std::nullopt;
  const auto parts = url::split(*normalized);
  std::string scheme = parts->https ? "https" : "http";
  std::string origin = scheme + "://" + std::string(parts->authority);
  std::string stripped = origin + std::string(parts->target);
  return parsed_url{std::move(scheme), std::move(origin), std::move(stripped)};
}

}  // namespace

std::optional<referrer_policy> parse_referrer_policy(std::string_view name) {
  for (const auto& [text, policy] : policy_names) {
    if (iequals(text, name)) return policy;
  }
  return std::nullopt;
}

std::optional<std::string> referrer_for(referrer_policy policy, std::string_view source, std::string_view target) {
  auto from = parse(source);
  auto to = parse(target);
  if (!from || !to) return std::nullopt;
  // A referrer from a secure page to an insecure one would expose it on the wire.
  bool downgrade = from->scheme == "https" && to->scheme != "https";
  bool same_origin = from->origin == to->origin;
  std::string origin_only = from->origin + "/";
  switch (policy) {
    case referrer_policy::no_referrer: return std::nullopt;
    case referrer_policy::no_referrer_when_downgrade:
      if (downgrade) return std::nullopt;
      return from->stripped;
    case referrer_policy::same_origin:
      if (!same_origin) return std::nullopt;
      return from->stripped;
    case referrer_policy::origin: return origin_only;
    case referrer_policy::strict_origin:
      if (downgrade) return std::nullopt;
      return origin_only;
    case referrer_policy::origin_when_cross_origin:
      return same_origin ? from->stripped : origin_only;
    case referrer_policy::strict_origin_when_cross_origin:
      if (same_origin) return from->stripped;
      if (downgrade) return std::nullopt;
      return origin_only;
    case referrer_policy::unsafe_url: return from->stripped;
  }
  return std::nullopt;
}

bool referer_middleware::open(crawler& c) {
  const auto& name = c.config().get_string("REFERRER_POLICY");
  auto policy = parse_referrer_policy(name);
  if (!policy) throw settings_error(fmt::format("REFERRER_POLICY: unknown policy '{}'", name));
  default_policy_ = *policy;
  return c.config().get_bool("REFERER_ENABLED");
}

awaitable<void> referer_middleware::process_spider_output(const response* source, std::vector<request>& requests,
                                                          std::vector<item>&, spider&) {
  if (!source || requests.empty()) co_return;
  referrer_policy page_policy = default_policy_;
  // The header may list fallbacks; the last one understood wins (W3C Referrer Policy, 11.1).
  if (auto header = source->headers().get("Referrer-Policy")) {
    std::string_view rest = *header;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto token = rest.substr(0, comma);
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
      if (auto p = parse_referrer_policy(token)) page_policy = *p;
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  for (auto& r : requests) {
    if (r.headers.contains("Referer")) continue;
    referrer_policy policy = page_policy;
    if (auto* v = r.meta.if_contains("referrer_policy"); v && v->is_string()) {
      if (auto p = parse_referrer_policy(v->get_string())) policy = *p;
      else log::warning("referer", "Ignoring unknown referrer_policy '{}' for <{} {}>",
                        std::string_view(v->get_string()), r.method, r.url);
    }
    if (auto referer = referrer_for(policy, source->url(), r.url)) r.headers.set("Referer", *referer);
  }
}

ORBWEAVER_BUILTIN_SPIDER_MIDDLEWARE(referer_middleware, "referer", 700);

}  // namespace orbweaver::middlewares
