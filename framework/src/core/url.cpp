#include <orbweaver/url.hpp>

#include "core/plus_encoding.hpp"
#include "core/url_record.hpp"

#include <orbweaver/error.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace orbweaver::url {
namespace {

std::nullopt_t fail(std::error_code* why, errc reason) {
  if (why) *why = reason;
  return std::nullopt;
}

using detail::hex_value;

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

constexpr char upper_hex[] = "0123456789ABCDEF";

// The byte a valid escape at s[i] stands for, or -1.
int escaped_byte(std::string_view s, std::size_t i) {
  if (s[i] != '%' || i + 2 >= s.size()) return -1;
  int high = hex_value(s[i + 1]), low = hex_value(s[i + 2]);
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

// Rule 2 of canonicalize: unreserved escapes decoded, the others upper-cased, a stray '%' escaped
// (so that decoding cannot make a new escape of it: "%%61" is "%25a", not "%a").
void append_canonical_path(std::string& out, std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    int byte = escaped_byte(path, i);
    if (byte < 0) {
      out += path[i] == '%' ? "%25" : std::string_view(&path[i], 1);
    } else if (is_unreserved(static_cast<unsigned char>(byte))) {
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back('%');
      out.push_back(upper_hex[byte >> 4]);
      out.push_back(upper_hex[byte & 15]);
      i += 2;
    }
  }
}

// application/x-www-form-urlencoded decoding of one name or value: '+' is a space.
std::string form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    int byte = escaped_byte(s, i);
    if (byte >= 0) {
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

// Python's quote_plus, as w3lib's urlencode writes each name and value.
void append_form_encoded(std::string& out, std::string_view s) { text::append_plus_encoded(out, s, is_unreserved); }

// Rule 3 of canonicalize (w3lib's parse_qsl_to_bytes, sort, urlencode).
std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find_first_of("&;", start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view field = query.substr(start, end - start);
    if (!field.empty()) {
      auto equals = field.find('=');
      pairs.emplace_back(form_decode(field.substr(0, equals)),
                         equals == std::string_view::npos ? std::string() : form_decode(field.substr(equals + 1)));
    }
    start = end + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    append_form_encoded(out, name);
    out.push_back('=');
    append_form_encoded(out, value);
  }
  return out;
}

std::optional<detail::record> parse(std::string_view input, const detail::record* base, std::error_code* why) {
  errc reason{};
  auto parsed = detail::parse(input, base, reason);
  if (!parsed) return fail(why, reason);
  return parsed;
}

}  // namespace

std::optional<std::string> join(std::string_view base, std::string_view href, std::error_code* why) {
  errc ignored{};
  const auto base_record = detail::parse(base, nullptr, ignored);
  auto joined = parse(href, base_record ? &*base_record : nullptr, why);
  if (!joined) return std::nullopt;
  return joined->serialize(false);
}

std::optional<std::string> normalize(std::string_view absolute, std::error_code* why) {
  auto parsed = parse(absolute, nullptr, why);
  if (!parsed) return std::nullopt;
  return parsed->serialize(false);
}

std::string canonicalize(std::string_view absolute) {
  errc ignored{};
  auto parsed = detail::parse(absolute, nullptr, ignored);
  if (!parsed) return std::string(absolute);
  auto& u = *parsed;
  std::string path;
  path.reserve(u.path.size());
  append_canonical_path(path, u.path);
  u.path = std::move(path);
  if (u.query) {
    u.query = canonical_query(*u.query);
    if (u.query->empty()) u.query.reset();
  }
  return u.serialize(false);
}

std::string host(std::string_view absolute) { return detail::parse_host_only(absolute).value_or(std::string()); }

std::optional<parts> split(std::string_view href) {
  parts p;
  std::size_t start;
  if (href.starts_with("http://")) {
    start = 7;
  } else if (href.starts_with("https://")) {
    p.https = true;
    start = 8;
  } else {
    return std::nullopt;
  }
  const std::size_t path_start = std::min(href.find_first_of("/?#", start), href.size());
  std::string_view authority = href.substr(start, path_start - start);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    p.userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
  }
  p.authority = authority;
  const auto bracket = authority.rfind(']');
  const auto colon = authority.find(':', bracket == std::string_view::npos ? 0 : bracket);
  p.host = authority.substr(0, colon);
  if (p.host.empty()) return std::nullopt;
  p.port = p.https ? 443 : 80;
  if (colon != std::string_view::npos) {
    std::uint32_t port = 0;
    std::string_view digits = authority.substr(colon + 1);
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (port > 65535) return std::nullopt;
    p.port = static_cast<std::uint16_t>(port);
  }
  std::string_view rest = href.substr(path_start);
  rest = rest.substr(0, rest.find('#'));
  p.target = rest;
  const auto question = rest.find('?');
  p.path = rest.substr(0, question);
  if (question != std::string_view::npos) p.query = rest.substr(question + 1);
  return p;
}

std::string_view request_host(std::string_view normalized) {
  const auto p = split(normalized);
  return p ? p->host : std::string_view{};
}

}  // namespace orbweaver::url
