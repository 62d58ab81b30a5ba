#include <orbweaver/url.hpp>

#include <orbweaver/error.hpp>

#include <boost/url.hpp>
#include <idn2.h>

#include <algorithm>
#include <cctype>
#include <tuple>
#include <vector>

namespace orbweaver::url {
namespace {

namespace urls = boost::urls;

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool is_uri_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':                                   // unreserved
    case ':': case '/': case '?': case '#': case '@':                         // gen-delims
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*':    // sub-delims
    case '+': case ',': case ';': case '=':
      return true;
    default:
      return false;
  }
}

// Links in the wild carry spaces, non-ASCII bytes, stray '%' and brackets that RFC 3986 forbids;
// browsers percent-encode them, and so do we, before Boost.URL parses the result.
std::string sanitize(std::string_view href) {
  auto is_trimmed = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!href.empty() && is_trimmed(href.front())) href.remove_prefix(1);
  while (!href.empty() && is_trimmed(href.back())) href.remove_suffix(1);

  // The authority (where '[' and ']' may bracket an IPv6 host) follows a leading "//" or "scheme://".
  std::size_t authority_end = 0;
  if (auto pos = href.find("//"); pos != std::string_view::npos && href.find_first_of("/?#") == pos) {
    authority_end = href.find_first_of("/?#", pos + 2);
    if (authority_end == std::string_view::npos) authority_end = href.size();
  }

  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(href.size() + 8);
  bool in_fragment = false;
  for (std::size_t i = 0; i < href.size(); ++i) {
    char c = href[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;  // WHATWG removes these anywhere
    bool keep = is_uri_char(c);
    if (c == '%') keep = i + 2 < href.size() && is_hex(href[i + 1]) && is_hex(href[i + 2]);
    if ((c == '[' || c == ']') && i < authority_end) keep = true;
    if (c == '#') {
      keep = !in_fragment;
      in_fragment = true;
    }
    if (keep) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 15]);
    }
  }
  return out;
}

bool has_scheme_other_than_http(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto scheme = s.substr(0, colon);
  if (!std::isalpha(static_cast<unsigned char>(scheme[0]))) return false;
  for (char c : scheme)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  std::string lower(scheme);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower != "http" && lower != "https";
}

std::nullopt_t fail(std::error_code* why, errc reason) {
  if (why) *why = reason;
  return std::nullopt;
}

// Characters no host name may hold once its percent-escapes are decoded (WHATWG's forbidden
// domain code points), C0 controls and DEL included.
bool is_forbidden_in_host(unsigned char c) {
  if (c <= 0x20 || c == 0x7f) return true;
  switch (c) {
    case '#': case '%': case '/': case ':': case '<': case '>': case '?': case '@':
    case '[': case '\\': case ']': case '^': case '|':
      return true;
    default:
      return false;
  }
}

// A registered name with percent-escapes (links carry non-ASCII hosts as UTF-8, which sanitize()
// escaped) is decoded, checked, and turned into punycode. False for a host no DNS could hold.
bool fix_escaped_host(urls::url& u) {
  if (u.host_type() != urls::host_type::name || u.encoded_host().find('%') == urls::string_view::npos)
    return true;
  const std::string decoded = u.host();
  bool ascii = true;
  for (unsigned char c : decoded) {
    if (c < 0x80 && is_forbidden_in_host(c)) return false;
    ascii = ascii && c < 0x80;
  }
  if (ascii) {
    u.set_host(decoded);
    return true;
  }
  char* converted = nullptr;
  if (idn2_to_ascii_8z(decoded.c_str(), &converted, IDN2_NONTRANSITIONAL) != IDN2_OK) return false;
  u.set_host(converted);
  idn2_free(converted);
  return true;
}

// An http(s) URL with a host and a usable port, scheme and host lower-cased, fragment dropped.
std::optional<std::string> finish(urls::url& u, std::error_code* why) {
  auto scheme = u.scheme_id();
  if (scheme != urls::scheme::http && scheme != urls::scheme::https) return fail(why, errc::unsupported_scheme);
  if (!u.has_authority() || u.encoded_host().empty()) return fail(why, errc::bad_url);
  // Boost.URL 1.81 reads "http://h:x" as port "" and path "x"; RFC 3986 wants a path after an
  // authority to start with '/', and browsers refuse the port. Such a URL canonicalized to host "hx".
  if (!u.encoded_path().empty() && u.encoded_path().front() != '/') return fail(why, errc::bad_url);
  if (u.has_port()) {
    auto port = u.port();
    if (!port.empty()) {
      if (port.size() > 5) return fail(why, errc::bad_url);
      unsigned long value = std::stoul(std::string(port));
      if (value == 0 || value > 65535) return fail(why, errc::bad_url);
    }
  }
  if (!fix_escaped_host(u)) return fail(why, errc::bad_url);
  u.remove_fragment();
  u.normalize_scheme();
  u.normalize_authority();
  if (u.encoded_path().empty()) u.set_path_absolute(true);  // set_encoded_path("/") gives "/./" in 1.81
  return std::string(u.buffer());
}

}  // namespace

std::optional<std::string> join(std::string_view base, std::string_view href, std::error_code* why) {
  std::string clean = sanitize(href);
  if (clean.empty() || clean.front() == '#') {
    // An empty or fragment-only link points at the base document itself.
    clean.clear();
  }
  if (has_scheme_other_than_http(clean)) return fail(why, errc::unsupported_scheme);
  auto base_view = urls::parse_uri(base);
  if (!base_view) return fail(why, errc::bad_url);
  auto ref = urls::parse_uri_reference(clean);
  if (!ref) return fail(why, errc::bad_url);
  urls::url resolved;
  if (!urls::resolve(*base_view, *ref, resolved)) return fail(why, errc::bad_url);
  return finish(resolved, why);
}

std::optional<std::string> normalize(std::string_view absolute, std::error_code* why) {
  std::string clean = sanitize(absolute);
  if (has_scheme_other_than_http(clean)) return fail(why, errc::unsupported_scheme);
  auto parsed = urls::parse_uri(clean);
  if (!parsed) return fail(why, errc::bad_url);
  urls::url u(*parsed);
  return finish(u, why);
}

std::string canonicalize(std::string_view absolute) {
  auto parsed = urls::parse_uri(absolute);
  if (!parsed) return std::string(absolute);
  urls::url u(*parsed);
  u.normalize();
  u.remove_fragment();
  if (u.has_port()) {
    auto scheme = u.scheme_id();
    auto port = u.port_number();
    if (u.port().empty() || (scheme == urls::scheme::http && port == 80) ||
        (scheme == urls::scheme::https && port == 443))
      u.remove_port();
  }
  if (u.encoded_path().empty()) u.set_path_absolute(true);  // set_encoded_path("/") gives "/./" in 1.81
  // An empty query ends up removed below anyway; Boost.URL 1.81 reads past the end of the buffer
  // when iterating it after remove_fragment() ("http://h/x?#f"), so it goes first.
  if (u.has_query() && u.encoded_query().empty()) u.remove_query();
  if (u.has_query()) {
    std::vector<std::tuple<std::string, std::string, bool>> params;
    for (auto p : u.encoded_params()) params.emplace_back(std::string(p.key), std::string(p.value), p.has_value);
    std::stable_sort(params.begin(), params.end());
    std::string query;
    for (const auto& [key, value, has_value] : params) {
      if (!query.empty()) query.push_back('&');
      query += key;
      if (has_value) {
        query.push_back('=');
        query += value;
      }
    }
    if (query.empty())
      u.remove_query();
    else
      u.set_encoded_query(query);
  }
  return std::string(u.buffer());
}

std::string host(std::string_view absolute) {
  auto parsed = urls::parse_uri(absolute);
  if (!parsed) return {};
  std::string h(parsed->encoded_host());
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  return h;
}

}  // namespace orbweaver::url
