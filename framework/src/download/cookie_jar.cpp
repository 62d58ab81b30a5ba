#include "download/cookie_jar.hpp"
#include "core/text.hpp"

#include <orbweaver/headers.hpp>

#include <orbweaver/url.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

namespace orbweaver::download {
namespace {

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

// §5.1.1 delimiter: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
bool is_date_delimiter(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

// Reads between min and max digits from the front of token, and requires what follows to be a
// non-digit (or nothing). Returns the number, or -1.
int leading_number(std::string_view token, std::size_t min_digits, std::size_t max_digits, std::size_t& used) {
  std::size_t n = 0;
  while (n < token.size() && is_digit(token[n])) ++n;
  if (n < min_digits || n > max_digits) return -1;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) value = value * 10 + (token[i] - '0');
  used = n;
  return value;
}

// hms-time = time-field ":" time-field ":" time-field, each 1*2DIGIT, then a non-digit or end.
bool parse_time(std::string_view token, int& h, int& m, int& s) {
  std::array<int*, 3> fields{&h, &m, &s};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::size_t used = 0;
    *fields[i] = leading_number(token, 1, 2, used);
    if (*fields[i] < 0) return false;
    token.remove_prefix(used);
    if (i < 2) {
      if (token.empty() || token.front() != ':') return false;
      token.remove_prefix(1);
    }
  }
  return true;
}

int month_of(std::string_view token) {
  static constexpr std::array<std::string_view, 12> names{"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
  if (token.size() < 3) return 0;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (iequals(token.substr(0, 3), names[i])) return static_cast<int>(i) + 1;
  return 0;
}

// The host and path of a request URL, as cookies see them.
struct request_target {
  std::string host;
  std::string path;
  bool secure = false;
  bool host_is_ip = false;
};

std::optional<request_target> target_of(std::string_view address) {
  // A request URL as url::normalize writes it: the host lower-cased, an IPv4 address dotted
  // decimal (the only form of host that ends in a digit) and IPv6 in brackets.
  const auto parts = url::split(address);
  if (!parts) return std::nullopt;
  request_target t;
  t.host = text::ascii_lowered(parts->host);
  t.host_is_ip = t.host.front() == '[' || (t.host.back() >= '0' && t.host.back() <= '9');
  t.secure = parts->https;
  t.path = parts->path.empty() ? std::string("/") : std::string(parts->path);
  return t;
}

cookie_time expiry_after(cookie_time now, long long seconds) {
  if (seconds <= 0) return cookie_time::min();
  const auto room = std::chrono::duration_cast<std::chrono::seconds>(cookie_time::max() - now).count();
  if (seconds >= room) return cookie_time::max();
  return now + std::chrono::seconds(seconds);
}

void evict_expired(std::vector<cookie>& cookies, cookie_time now) {
  std::erase_if(cookies, [now](const cookie& c) { return c.expiry <= now; });
}

}  // namespace

std::optional<cookie_time> parse_cookie_date(std::string_view text) {
  bool found_time = false, found_day = false, found_month = false, found_year = false;
  int hour = 0, minute = 0, second = 0, day = 0, month = 0, year = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_date_delimiter(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_date_delimiter(text[i])) ++i;
    const std::string_view token = text.substr(start, i - start);
    if (token.empty()) continue;
    std::size_t used = 0;
    if (!found_time && parse_time(token, hour, minute, second)) {
      found_time = true;
    } else if (!found_day && (day = leading_number(token, 1, 2, used)) >= 0) {
      found_day = true;
    } else if (!found_month && (month = month_of(token)) != 0) {
      found_month = true;
    } else if (!found_year && (year = leading_number(token, 2, 4, used)) >= 0) {
      found_year = true;
    }
  }
  if (!found_time || !found_day || !found_month || !found_year) return std::nullopt;
  if (year >= 70 && year <= 99) year += 1900;
  if (year >= 0 && year <= 69) year += 2000;
  if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;  // "Feb 30" does not exist
  const std::chrono::sys_seconds when = std::chrono::sys_days{date} + std::chrono::hours{hour} +
                                        std::chrono::minutes{minute} + std::chrono::seconds{second};
  // cookie_time counts nanoseconds, years 1677 to 2262 only: a date outside is clamped (converting
  // it would overflow; "Expires=... 9999" is common).
  using std::chrono::time_point_cast;
  if (when <= time_point_cast<std::chrono::seconds>(cookie_time::min())) return cookie_time::min();
  if (when >= time_point_cast<std::chrono::seconds>(cookie_time::max())) return cookie_time::max();
  return time_point_cast<cookie_time::duration>(when);
}

std::optional<set_cookie> parse_set_cookie(std::string_view header) {
  // RFC 6265bis §5.7 step 1, as browsers do now: a control character other than HTAB (a NUL, a
  // bare CR or LF) refuses the whole header, so none ever reaches a Cookie header.
  if (std::any_of(header.begin(), header.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return (c < 0x20 && c != '\t') || c == 0x7F;
      }))
    return std::nullopt;
  const auto semicolon = header.find(';');
  const std::string_view pair = header.substr(0, semicolon);
  const auto equals = pair.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  set_cookie c;
  c.name = std::string(text::trim_ows(pair.substr(0, equals)));
  c.value = std::string(text::trim_ows(pair.substr(equals + 1)));
  if (c.name.empty()) return std::nullopt;

  std::string_view rest = semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const std::string_view attribute = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    const auto eq = attribute.find('=');
    const std::string_view key = text::trim_ows(attribute.substr(0, eq));
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : text::trim_ows(attribute.substr(eq + 1));
    if (iequals(key, "Expires")) {
      if (auto date = parse_cookie_date(value)) c.expires = date;
    } else if (iequals(key, "Max-Age")) {
      // 1*DIGIT, optionally negative; anything else is ignored.
      const bool negative = !value.empty() && value.front() == '-';
      const std::string_view digits = negative ? value.substr(1) : value;
      if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit)) continue;
      long long seconds = 0;
      for (char d : digits) {
        if (seconds > (std::numeric_limits<long long>::max() - 9) / 10) {
          seconds = std::numeric_limits<long long>::max();
          break;
        }
        seconds = seconds * 10 + (d - '0');
      }
      c.max_age = negative ? -seconds : seconds;
    } else if (iequals(key, "Domain")) {
      // §5.2.3: an empty value is ignored, so an earlier Domain attribute stays in force
      // ("domain=foo.example.org; domain=" is still for foo.example.org). "Domain=." is not
      // empty: it leaves an empty domain, which §5.3 step 6 treats as no Domain attribute.
      if (value.empty()) continue;
      std::string_view domain = value;
      if (domain.front() == '.') domain.remove_prefix(1);
      c.domain = text::ascii_lowered(domain);
    } else if (iequals(key, "Path")) {
      if (value.empty() || value.front() != '/') c.path.reset();
      else c.path = std::string(value);
    } else if (iequals(key, "Secure")) {
      c.secure = true;
    } else if (iequals(key, "HttpOnly")) {
      c.http_only = true;
    } else if (iequals(key, "SameSite")) {
      if (iequals(value, "Strict")) c.same_site_policy = same_site::strict;
      else if (iequals(value, "Lax")) c.same_site_policy = same_site::lax;
      else if (iequals(value, "None")) c.same_site_policy = same_site::none;
      else c.same_site_policy = same_site::unspecified;
    }
  }
  return c;
}

std::string default_cookie_path(std::string_view request_path) {
  if (request_path.empty() || request_path.front() != '/') return "/";
  const auto last = request_path.rfind('/');
  if (last == 0) return "/";
  return std::string(request_path.substr(0, last));
}

bool domain_matches(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  if (domain.empty() || host.size() <= domain.size()) return false;
  if (host.substr(host.size() - domain.size()) != domain) return false;
  if (host[host.size() - domain.size() - 1] != '.') return false;
  // An IP address only ever matches itself: 1.2.3.4 is not "in" 2.3.4.
  const bool host_is_ip = std::all_of(host.begin(), host.end(), [](char ch) { return is_digit(ch) || ch == '.'; }) ||
                          host.front() == '[';
  return !host_is_ip;
}

bool path_matches(std::string_view request_path, std::string_view cookie_path) {
  if (request_path == cookie_path) return true;
  if (!request_path.starts_with(cookie_path)) return false;
  return cookie_path.ends_with('/') || request_path[cookie_path.size()] == '/';
}

bool cookie_jar::set_cookie(std::string_view request_url, std::string_view header) {
  auto parsed = parse_set_cookie(header);
  auto target = target_of(request_url);
  if (!parsed || !target) return false;
  const cookie_time now = now_();

  cookie c;
  c.name = std::move(parsed->name);
  c.value = std::move(parsed->value);
  c.creation = now;
  c.creation_index = next_creation_index_++;
  if (parsed->max_age) c.expiry = expiry_after(now, *parsed->max_age);
  else if (parsed->expires) c.expiry = *parsed->expires;
  if (parsed->domain && parsed->domain->empty()) parsed->domain.reset();
  if (parsed->domain && *parsed->domain != target->host) {
    // Without a public-suffix list, refuse at least the top-level ones: a single label.
    if (parsed->domain->find('.') == std::string::npos) return false;
    if (target->host_is_ip || !domain_matches(target->host, *parsed->domain)) return false;
    c.host_only = false;
    c.domain = std::move(*parsed->domain);
  } else {
    c.host_only = !parsed->domain.has_value();
    c.domain = target->host;
  }
  c.path = parsed->path ? std::move(*parsed->path) : default_cookie_path(target->path);
  c.secure = parsed->secure;
  c.http_only = parsed->http_only;
  c.same_site_policy = parsed->same_site_policy;

  const std::string key = c.domain;
  auto& cookies = by_domain_[key];
  auto same = std::find_if(cookies.begin(), cookies.end(), [&](const cookie& old) {
    return old.name == c.name && old.path == c.path;
  });
  if (same != cookies.end()) {
    // A replaced cookie keeps its place in the order (§5.3 step 11.3).
    c.creation = same->creation;
    c.creation_index = same->creation_index;
    cookies.erase(same);
  }
  cookies.push_back(std::move(c));
  evict_expired(cookies, now);
  if (cookies.empty()) by_domain_.erase(key);
  return true;
}

std::vector<std::pair<std::string, std::string>> cookie_jar::cookies_for(std::string_view url) {
  std::vector<std::pair<std::string, std::string>> out;
  auto target = target_of(url);
  if (!target) return out;
  const cookie_time now = now_();

  std::vector<const cookie*> matching;
  // The host itself, then each parent domain (not for an IP address, which has none).
  std::string_view domain = target->host;
  while (!domain.empty()) {
    if (auto it = by_domain_.find(std::string(domain)); it != by_domain_.end()) {
      evict_expired(it->second, now);
      for (const auto& c : it->second) {
        if (c.host_only && c.domain != target->host) continue;
        if (!path_matches(target->path, c.path)) continue;
        if (c.secure && !target->secure) continue;
        matching.push_back(&c);
      }
      if (it->second.empty()) by_domain_.erase(it);
    }
    const auto dot = domain.find('.');
    if (target->host_is_ip || dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  std::stable_sort(matching.begin(), matching.end(), [](const cookie* a, const cookie* b) {
    if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
    if (a->creation != b->creation) return a->creation < b->creation;
    return a->creation_index < b->creation_index;
  });
  out.reserve(matching.size());
  for (const cookie* c : matching) out.emplace_back(c->name, c->value);
  return out;
}

std::string cookie_jar::cookie_header(std::string_view url) {
  std::string header;
  for (const auto& [name, value] : cookies_for(url)) {
    if (!header.empty()) header += "; ";
    header += name;
    header += '=';
    header += value;
  }
  return header;
}

std::vector<cookie> cookie_jar::stored() const {
  std::vector<cookie> all;
  for (const auto& [domain, cookies] : by_domain_) all.insert(all.end(), cookies.begin(), cookies.end());
  return all;
}

std::size_t cookie_jar::size() const {
  std::size_t n = 0;
  for (const auto& [domain, cookies] : by_domain_) n += cookies.size();
  return n;
}

}  // namespace orbweaver::download
