#include <orbweaver/url.hpp>

#include <boost/url.hpp>

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

// An http(s) URL with a host and a usable port, scheme and host lower-cased, fragment dropped.
std::optional<std::string> finish(urls::url& u) {
  auto scheme = u.scheme_id();
  if (scheme != urls::scheme::http && scheme != urls::scheme::https) return std::nullopt;
  if (!u.has_authority() || u.encoded_host().empty()) return std::nullopt;
  if (u.has_port()) {
    auto port = u.port();
    if (!port.empty()) {
      if (port.size() > 5) return std::nullopt;
      unsigned long value = std::stoul(std::string(port));
      if (value == 0 || value > 65535) return std::nullopt;
    }
  }
  u.remove_fragment();
  u.normalize_scheme();
  u.normalize_authority();
  if (u.encoded_path().empty()) u.set_path_absolute(true);  // set_encoded_path("/") gives "/./" in 1.81
  return std::string(u.buffer());
}

}  // namespace

std::optional<std::string> join(std::string_view base, std::string_view href) {
  std::string clean = sanitize(href);
  if (clean.empty() || clean.front() == '#') {
    // An empty or fragment-only link points at the base document itself.
    clean.clear();
  }
  if (has_scheme_other_than_http(clean)) return std::nullopt;
  auto base_view = urls::parse_uri(base);
  if (!base_view) return std::nullopt;
  auto ref = urls::parse_uri_reference(clean);
  if (!ref) return std::nullopt;
  urls::url resolved;
  if (!urls::resolve(*base_view, *ref, resolved)) return std::nullopt;
  return finish(resolved);
}

std::optional<std::string> normalize(std::string_view absolute) {
  std::string clean = sanitize(absolute);
  auto parsed = urls::parse_uri(clean);
  if (!parsed) return std::nullopt;
  urls::url u(*parsed);
  return finish(u);
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
