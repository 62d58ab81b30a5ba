#pragma once
// An RFC 6265 cookie jar: Set-Cookie parsing (§5.2, dates per §5.1.1), storage rules (§5.3) and
// the Cookie header for a request (§5.4). Pure logic: the clock is injected so expiry can be
// tested. There is no public-suffix list; instead a Domain attribute with a single label ("com")
// is refused unless it is the request host itself. SameSite and HttpOnly are parsed and kept, not
// enforced: a crawler has no page context that makes a request cross-site, and no scripts.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace orbweaver::download {

using cookie_clock = std::chrono::system_clock;
using cookie_time = cookie_clock::time_point;

enum class same_site { unspecified, strict, lax, none };

struct cookie {
  std::string name;
  std::string value;
  std::string domain;  // lower case, without a leading dot
  std::string path;
  cookie_time expiry = cookie_time::max();  // max: a session cookie
  cookie_time creation;
  std::uint64_t creation_index = 0;  // order of creation in the jar: ties of equal clock readings
  bool host_only = true;
  bool secure = false;
  bool http_only = false;
  same_site same_site_policy = same_site::unspecified;
};

// A cookie-date (§5.1.1), which also accepts the obsolete RFC 850 and asctime forms.
std::optional<cookie_time> parse_cookie_date(std::string_view text);

// The attributes of one Set-Cookie header as §5.2 reads them (last occurrence of each wins);
// nullopt when the header has no name=value pair, an empty name or a control character (other
// than a tab).
struct set_cookie {
  std::string name;
  std::string value;
  std::optional<cookie_time> expires;
  std::optional<long long> max_age;  // seconds; <= 0 means already expired
  // Lower case, one leading dot removed; absent when no Domain attribute had a value ("" for
  // "Domain=.", which counts as absent when stored).
  std::optional<std::string> domain;
  std::optional<std::string> path;    // absent when empty or not starting with '/'
  bool secure = false;
  bool http_only = false;
  same_site same_site_policy = same_site::unspecified;
};
std::optional<set_cookie> parse_set_cookie(std::string_view header);

// §5.1.4: the directory of a request path.
std::string default_cookie_path(std::string_view request_path);
// §5.1.3 and §5.1.4.
bool domain_matches(std::string_view host, std::string_view domain);
bool path_matches(std::string_view request_path, std::string_view cookie_path);

class cookie_jar {
 public:
  explicit cookie_jar(std::function<cookie_time()> now = cookie_clock::now) : now_(std::move(now)) {}

  // Stores the cookie of one Set-Cookie header received for request_url (§5.3). Returns false
  // when the header is unparsable or the cookie was refused (foreign domain, bad URL).
  bool set_cookie(std::string_view request_url, std::string_view header);

  // The cookies to send with a request to url, in §5.4 order (longer path first, then earlier
  // creation): Secure ones only over https, expired ones never.
  std::vector<std::pair<std::string, std::string>> cookies_for(std::string_view url);
  // The Cookie header value for url ("a=1; b=2"); empty when there is none to send.
  std::string cookie_header(std::string_view url);

  // Every cookie held (expired ones not yet evicted included), in no particular order.
  std::vector<cookie> stored() const;
  std::size_t size() const;

 private:
  std::function<cookie_time()> now_;
  std::uint64_t next_creation_index_ = 0;
  // By cookie domain, so a request looks only at its host and the host's parent domains.
  std::unordered_map<std::string, std::vector<cookie>> by_domain_;
};

}  // namespace orbweaver::download
