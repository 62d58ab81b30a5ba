#pragma once
// Whether a host belongs to a domain: the domain itself or one of its subdomains (Scrapy's
// url_is_from_any_domain), both lower case. Offsite filtering, HTTP_AUTH_DOMAIN, no_proxy and the
// link extractor's allow_domains/deny_domains all draw the line here.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver {

inline bool host_in_domain(std::string_view host, std::string_view domain) {
  return host == domain ||
         (host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.');
}

inline bool host_in_any_domain(std::string_view host, const std::vector<std::string>& domains) {
  return std::any_of(domains.begin(), domains.end(), [&](const std::string& d) { return host_in_domain(host, d); });
}

}  // namespace orbweaver
