#pragma once
// Sets the Referer header on requests a callback yields, from the response they came from, as
// Scrapy's RefererMiddleware under a W3C Referrer Policy. REFERRER_POLICY picks the default
// (Scrapy's no-referrer-when-downgrade); a response's Referrer-Policy header overrides it for the
// links it yields, and request meta "referrer_policy" for one request. The Referer never carries
// a fragment or credentials; a request that sets its own Referer keeps it. Start requests have
// no source and get none.
#include <orbweaver/middleware.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace orbweaver::middlewares {

enum class referrer_policy {
  no_referrer,
  no_referrer_when_downgrade,
  same_origin,
  origin,
  strict_origin,
  origin_when_cross_origin,
  strict_origin_when_cross_origin,
  unsafe_url,
};

// A policy name as the W3C spells it, case-insensitive; nullopt for anything else.
std::optional<referrer_policy> parse_referrer_policy(std::string_view name);

// The Referer a request to `target` gets when it comes from `source`, or nullopt for none.
std::optional<std::string> referrer_for(referrer_policy policy, std::string_view source, std::string_view target);

class referer_middleware : public spider_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<void> process_spider_output(const response* source, std::vector<request>& requests,
                                        std::vector<item>& items, spider&) override;

 private:
  referrer_policy default_policy_ = referrer_policy::no_referrer_when_downgrade;
};

}  // namespace orbweaver::middlewares
