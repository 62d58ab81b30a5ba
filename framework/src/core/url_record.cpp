// The WHATWG URL Standard's basic URL parser (https://url.spec.whatwg.org/#concept-basic-url-parser)
// restricted to http and https, written as straight-line code over the states those schemes go
// through. Boost.URL implements RFC 3986, whose grammar refuses what browsers accept (backslashes,
// spaces, stray '%', "http:foo") and whose serialiser differs (IPv4-mapped IPv6, percent-encode
// sets), so it cannot be the grammar here. ICU does UTS #46 for non-ASCII domains, as in Chromium
// and WebKit: libidn2 2.3 checks IDNA2008's stricter validity after the UTS #46 mapping and so
// refuses hosts every browser accepts ("\u2603" is "xn--n3h" to them).
#include "core/url_record.hpp"

#include <unicode/uidna.h>

#include <array>
#include <cstring>

namespace orbweaver::url::detail {
namespace {

constexpr std::uint16_t default_port(bool https) { return https ? 443 : 80; }

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool is_slash(char c) { return c == '/' || c == '\\'; }  // special schemes take '\' for '/'

// The standard's percent-encode sets, each a superset of the one before.
enum class encode_set { fragment, query, special_query, path, userinfo };

bool in_set(unsigned char c, encode_set set) {
  if (c < 0x20 || c > 0x7e) return true;  // C0 control percent-encode set
  if (set == encode_set::fragment) return c == ' ' || c == '"' || c == '<' || c == '>' || c == '`';
  if (c == ' ' || c == '"' || c == '#' || c == '<' || c == '>') return true;  // query set
  if (set == encode_set::query) return false;
  if (c == '\'') return set == encode_set::special_query;  // in the special-query set, not the path set
  if (set == encode_set::special_query) return false;
  if (c == '?' || c == '^' || c == '`' || c == '{' || c == '}') return true;  // path set
  if (set == encode_set::path) return false;
  return c == '/' || c == ':' || c == ';' || c == '=' || c == '@' || c == '[' || c == '\\' || c == ']' || c == '|';
}

void append_encoded(std::string& out, std::string_view in, encode_set set) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (in_set(c, set)) {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool is_single_dot(std::string_view s) { return s == "." || iequals(s, "%2e"); }
bool is_double_dot(std::string_view s) {
  return s == ".." || iequals(s, ".%2e") || iequals(s, "%2e.") || iequals(s, "%2e%2e");
}

// Leading and trailing C0 controls and spaces go; tabs and newlines go from anywhere. Copies
// into `storage` only when a tab or newline is inside.
std::string_view preprocess(std::string_view in, std::string& storage) {
  while (!in.empty() && static_cast<unsigned char>(in.front()) <= 0x20) in.remove_prefix(1);
  while (!in.empty() && static_cast<unsigned char>(in.back()) <= 0x20) in.remove_suffix(1);
  if (in.find_first_of("\t\n\r") == std::string_view::npos) return in;
  storage.reserve(in.size());
  for (char c : in)
    if (c != '\t' && c != '\n' && c != '\r') storage.push_back(c);
  return storage;
}

// The length of a scheme followed by ':' at the start of `in`, or npos.
std::size_t scheme_length(std::string_view in) {
  if (in.empty() || !is_alpha(in[0])) return std::string_view::npos;
  for (std::size_t i = 1; i < in.size(); ++i) {
    char c = in[i];
    if (c == ':') return i;
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return std::string_view::npos;
  }
  return std::string_view::npos;
}

// --- hosts -------------------------------------------------------------------------------------

// An IPv4 number part: decimal, 0x-hex or 0-octal; nullopt when not a number. Values past 2^32 are
// clamped there, which every caller refuses.
std::optional<std::uint64_t> ipv4_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (char c : s) {
    int digit = hex_value(c);
    if (digit < 0 || digit >= radix) return std::nullopt;
    value = std::min<std::uint64_t>(value * radix + digit, std::uint64_t{1} << 32);
  }
  return value;
}

bool ends_in_a_number(std::string_view host) {
  if (host.ends_with('.')) {
    host.remove_suffix(1);
    if (host.empty()) return false;
  }
  auto dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (!last.empty() && last.find_first_not_of("0123456789") == std::string_view::npos) return true;
  return ipv4_number(last).has_value();
}

std::optional<std::string> parse_ipv4(std::string_view host) {
  std::array<std::uint64_t, 4> numbers{};
  std::size_t count = 0;
  if (host.ends_with('.')) host.remove_suffix(1);
  while (true) {
    auto dot = host.find('.');
    if (count == 4) return std::nullopt;
    auto n = ipv4_number(host.substr(0, dot));
    if (!n) return std::nullopt;
    numbers[count++] = *n;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  for (std::size_t i = 0; i + 1 < count; ++i)
    if (numbers[i] > 255) return std::nullopt;
  if (numbers[count - 1] >= (std::uint64_t{1} << (8 * (5 - count)))) return std::nullopt;
  std::uint64_t address = numbers[count - 1];
  for (std::size_t i = 0; i + 1 < count; ++i) address += numbers[i] << (8 * (3 - i));
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address >> shift) & 255);
    if (shift) out.push_back('.');
  }
  return out;
}

std::optional<std::string> parse_ipv6(std::string_view in) {
  std::array<std::uint16_t, 8> address{};
  int piece = 0;
  int compress = -1;
  std::size_t p = 0;
  const std::size_t n = in.size();
  auto at = [&](std::size_t i) { return i < n ? in[i] : '\0'; };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return std::nullopt;
    p += 2;
    compress = ++piece;
  }
  while (p < n) {
    if (piece == 8) return std::nullopt;
    if (in[p] == ':') {
      if (compress != -1) return std::nullopt;
      ++p;
      compress = ++piece;
      continue;
    }
    unsigned value = 0;
    int length = 0;
    while (length < 4 && p < n && hex_value(in[p]) >= 0) {
      value = value * 16 + hex_value(in[p]);
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      if (length == 0 || piece > 6) return std::nullopt;
      p -= length;
      int numbers_seen = 0;
      while (p < n) {
        int part = -1;
        if (numbers_seen > 0) {
          if (in[p] != '.' || numbers_seen >= 4) return std::nullopt;
          ++p;
        }
        if (!is_digit(at(p))) return std::nullopt;
        while (is_digit(at(p))) {
          int digit = in[p] - '0';
          if (part == 0) return std::nullopt;  // a leading zero
          part = part == -1 ? digit : part * 10 + digit;
          if (part > 255) return std::nullopt;
          ++p;
        }
        address[piece] = static_cast<std::uint16_t>(address[piece] * 0x100 + part);
        ++numbers_seen;
        if (numbers_seen == 2 || numbers_seen == 4) ++piece;
      }
      if (numbers_seen != 4) return std::nullopt;
      break;
    }
    if (at(p) == ':') {
      if (++p == n) return std::nullopt;
    } else if (p < n) {
      return std::nullopt;
    }
    address[piece++] = static_cast<std::uint16_t>(value);
  }
  if (compress != -1) {
    int swaps = piece - compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(address[piece], address[compress + swaps - 1]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return std::nullopt;
  }
  // Serialise: the first longest run of two or more zero pieces becomes "::".
  int best_start = -1, best_length = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && address[j] == 0) ++j;
    if (j - i > best_length) {
      best_start = i;
      best_length = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "[";
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += i == 0 ? "::" : ":";
      i += best_length - 1;
      continue;
    }
    bool leading = true;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int digit = (address[i] >> shift) & 15;
      if (digit == 0 && leading && shift != 0) continue;
      leading = false;
      out.push_back(hex[digit]);
    }
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
  return out;
}

bool is_forbidden_domain_code_point(unsigned char c) {
  if (c <= 0x20 || c == 0x7f) return true;
  switch (c) {
    case '#': case '%': case '/': case ':': case '<': case '>': case '?': case '@':
    case '[': case '\\': case ']': case '^': case '|':
      return true;
    default:
      return false;
  }
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    const int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + extra >= s.size() + (extra == 0 ? 1 : 0)) return false;
    std::uint32_t code = extra == 0 ? c : c & (0x3fu >> extra);
    for (int k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = code << 6 | (next & 0x3f);
    }
    const std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    if (code < smallest[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

// UTS #46 ToASCII with the URL Standard's options (CheckHyphens, VerifyDnsLength and
// UseSTD3ASCIIRules off; CheckBidi, CheckJoiners on; nontransitional). nullopt on an error.
std::optional<std::string> domain_to_ascii(const std::string& domain) {
  static const UIDNA* const uts46 = [] {
    UErrorCode status = U_ZERO_ERROR;
    return uidna_openUTS46(UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII |
                               UIDNA_NONTRANSITIONAL_TO_UNICODE,
                           &status);
  }();
  if (!uts46) return std::nullopt;
  // The errors of the options the URL Standard turns off.
  constexpr std::uint32_t ignored = UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                                    UIDNA_ERROR_DOMAIN_NAME_TOO_LONG | UIDNA_ERROR_LEADING_HYPHEN |
                                    UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4;
  std::string out(domain.size() * 4 + 64, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    UErrorCode status = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    const std::int32_t length = uidna_nameToASCII_UTF8(uts46, domain.data(), static_cast<std::int32_t>(domain.size()),
                                                       out.data(), static_cast<std::int32_t>(out.size()), &info, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      out.resize(static_cast<std::size_t>(length));
      continue;
    }
    if (U_FAILURE(status) || (info.errors & ~ignored) != 0) return std::nullopt;
    out.resize(static_cast<std::size_t>(length));
    return out;
  }
  return std::nullopt;
}

// The host parser for a special URL: IPv6 in brackets, else percent-decoding, UTS #46 for a
// non-ASCII domain, forbidden code points, and IPv4 when the last label is a number.
std::optional<std::string> parse_host(std::string_view input) {
  if (input.starts_with('[')) {
    if (!input.ends_with(']')) return std::nullopt;
    return parse_ipv6(input.substr(1, input.size() - 2));
  }
  std::string domain;
  domain.reserve(input.size());
  bool ascii = true;
  for (std::size_t i = 0; i < input.size(); ++i) {
    char c = input[i];
    if (c == '%' && i + 2 < input.size() && hex_value(input[i + 1]) >= 0 && hex_value(input[i + 2]) >= 0) {
      c = static_cast<char>(hex_value(input[i + 1]) * 16 + hex_value(input[i + 2]));
      i += 2;
    }
    ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    domain.push_back(c);
  }
  std::string ascii_domain;
  if (ascii) {
    // The URL Standard's shortcut for an ASCII domain: lower-cased, without UTS #46.
    ascii_domain = std::move(domain);
    for (char& c : ascii_domain) c = lower(c);
  } else {
    if (!valid_utf8(domain)) return std::nullopt;
    auto converted = domain_to_ascii(domain);
    if (!converted) return std::nullopt;
    ascii_domain = std::move(*converted);
  }
  if (ascii_domain.empty()) return std::nullopt;
  for (unsigned char c : ascii_domain)
    if (is_forbidden_domain_code_point(c)) return std::nullopt;
  if (ends_in_a_number(ascii_domain)) return parse_ipv4(ascii_domain);
  return ascii_domain;
}

// --- the parser's states -----------------------------------------------------------------------

struct parser {
  record& url;

  // The fragment state.
  void fragment(std::string_view s) {
    url.fragment.emplace();
    append_encoded(*url.fragment, s, encode_set::fragment);
  }

  // The query state, up to a '#'.
  void query(std::string_view s) {
    auto hash = s.find('#');
    url.query.emplace();
    append_encoded(*url.query, s.substr(0, hash), encode_set::special_query);
    if (hash != std::string_view::npos) fragment(s.substr(hash + 1));
  }

  void shorten_path() {
    auto slash = url.path.rfind('/');
    if (slash != std::string::npos) url.path.erase(slash);
  }

  // The path state, appending segments to url.path ("/a/b" form) up to a '?' or '#'.
  void path(std::string_view s) {
    std::size_t i = 0;
    while (true) {
      auto end = s.find_first_of("/\\?#", i);
      std::string_view segment = s.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      const bool slash = end != std::string_view::npos && is_slash(s[end]);
      if (is_double_dot(segment)) {
        shorten_path();
        if (!slash) url.path.push_back('/');
      } else if (is_single_dot(segment)) {
        if (!slash) url.path.push_back('/');
      } else {
        url.path.push_back('/');
        append_encoded(url.path, segment, encode_set::path);
      }
      if (end == std::string_view::npos) return;
      if (s[end] == '?') return query(s.substr(end + 1));
      if (s[end] == '#') return fragment(s.substr(end + 1));
      i = end + 1;
    }
  }

  // The authority, after the slashes: [userinfo@]host[:port], then the path.
  bool authority(std::string_view s) {
    auto end = s.find_first_of("/\\?#");
    std::string_view auth = s.substr(0, end);
    if (auto at = auth.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = auth.substr(0, at);
      auto colon = userinfo.find(':');
      append_encoded(url.username, userinfo.substr(0, colon), encode_set::userinfo);
      if (colon != std::string_view::npos) append_encoded(url.password, userinfo.substr(colon + 1), encode_set::userinfo);
      auth.remove_prefix(at + 1);
    }
    std::size_t colon = std::string_view::npos;
    bool in_brackets = false;
    for (std::size_t i = 0; i < auth.size() && colon == std::string_view::npos; ++i) {
      if (auth[i] == '[') in_brackets = true;
      if (auth[i] == ']') in_brackets = false;
      if (auth[i] == ':' && !in_brackets) colon = i;
    }
    std::string_view host_text = auth.substr(0, colon);
    if (host_text.empty()) return false;
    if (colon != std::string_view::npos && !port(auth.substr(colon + 1))) return false;
    auto host = parse_host(host_text);
    if (!host) return false;
    url.host = std::move(*host);
    url.path.clear();
    std::string_view rest = end == std::string_view::npos ? std::string_view{} : s.substr(end);
    if (!rest.empty() && is_slash(rest.front())) rest.remove_prefix(1);
    path(rest);
    return true;
  }

  bool port(std::string_view digits) {
    if (digits.empty()) return true;
    std::uint32_t value = 0;
    for (char c : digits) {
      if (!is_digit(c)) return false;
      value = value * 10 + static_cast<std::uint32_t>(c - '0');
      if (value > 65535) return false;
    }
    if (value != default_port(url.https)) url.port = static_cast<std::uint16_t>(value);
    return true;
  }

  // The relative state: `s` resolved against the base.
  bool relative(std::string_view s, const record& base) {
    if (!s.empty() && is_slash(s[0])) {
      if (s.size() > 1 && is_slash(s[1])) return authority(skip_slashes(s));
      copy_authority(base);
      url.path.clear();
      path(s.substr(1));
      return true;
    }
    copy_authority(base);
    url.path = base.path;
    url.query = base.query;
    if (s.empty()) return true;
    if (s[0] == '?') {
      query(s.substr(1));
    } else if (s[0] == '#') {
      fragment(s.substr(1));
    } else {
      url.query.reset();
      shorten_path();
      path(s);
    }
    return true;
  }

  void copy_authority(const record& base) {
    url.username = base.username;
    url.password = base.password;
    url.host = base.host;
    url.port = base.port;
  }

  static std::string_view skip_slashes(std::string_view s) {
    while (!s.empty() && is_slash(s.front())) s.remove_prefix(1);
    return s;
  }
};

// The scheme of `in` when it is http or https; sets `why` and gives nullopt for another scheme.
// `rest` becomes what follows the ':'; no scheme leaves `in` whole in `rest` and gives false.
std::optional<bool> read_scheme(std::string_view in, std::string_view& rest, errc& why, bool& has_scheme) {
  rest = in;
  auto length = scheme_length(in);
  has_scheme = length != std::string_view::npos;
  if (!has_scheme) return false;
  std::string_view scheme = in.substr(0, length);
  rest = in.substr(length + 1);
  if (iequals(scheme, "http")) return false;
  if (iequals(scheme, "https")) return true;
  why = errc::unsupported_scheme;
  return std::nullopt;
}

}  // namespace

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string record::serialize(bool with_fragment) const {
  std::string out;
  out.reserve(16 + username.size() + password.size() + host.size() + path.size() + (query ? query->size() : 0));
  out += https ? "https://" : "http://";
  if (!username.empty() || !password.empty()) {
    out += username;
    if (!password.empty()) out.append(":").append(password);
    out.push_back('@');
  }
  out += host;
  if (port) out.append(":").append(std::to_string(*port));
  out += path;
  if (query) out.append("?").append(*query);
  if (with_fragment && fragment) out.append("#").append(*fragment);
  return out;
}

std::optional<record> parse(std::string_view input, const record* base, errc& why) {
  std::string storage;
  const std::string_view in = preprocess(input, storage);
  std::string_view rest;
  bool has_scheme = false;
  auto https = read_scheme(in, rest, why, has_scheme);
  if (!https) return std::nullopt;
  why = errc::bad_url;
  record url;
  url.https = *https;
  parser p{url};
  bool ok = false;
  if (!has_scheme) {
    if (!base) return std::nullopt;
    url.https = base->https;
    ok = p.relative(in, *base);
  } else if (base && base->https == url.https && !rest.starts_with("//")) {
    ok = p.relative(rest, *base);  // "http:foo" against an http base is relative
  } else {
    ok = p.authority(parser::skip_slashes(rest));
  }
  if (!ok) return std::nullopt;
  return url;
}

std::optional<std::string> parse_host_only(std::string_view input) {
  std::string storage;
  const std::string_view in = preprocess(input, storage);
  std::string_view rest;
  bool has_scheme = false;
  errc why{};
  auto https = read_scheme(in, rest, why, has_scheme);
  if (!https || !has_scheme) return std::nullopt;
  rest = parser::skip_slashes(rest);
  // What authority() would read: the host between the userinfo and the port.
  std::string_view auth = rest.substr(0, rest.find_first_of("/\\?#"));
  if (auto at = auth.rfind('@'); at != std::string_view::npos) auth.remove_prefix(at + 1);
  record url;
  url.https = *https;
  parser p{url};
  if (!p.authority(auth)) return std::nullopt;
  return std::move(url.host);
}

}  // namespace orbweaver::url::detail
