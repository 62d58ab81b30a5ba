#include "item_json.hpp"

#include "html/charset.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdint>
#include <string_view>

namespace orbweaver::pipelines {
namespace {

void append_escape(std::string& out, std::uint32_t code_unit) { out += fmt::format("\\u{:04x}", code_unit); }

// Decodes the valid UTF-8 sequence at text[i], advancing i.
std::uint32_t next_code_point(std::string_view text, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(text[k])); };
  const std::uint32_t lead = byte(i);
  const std::size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  std::uint32_t code_point = length == 4 ? lead & 0x07u : length == 3 ? lead & 0x0fu : length == 2 ? lead & 0x1fu : lead;
  for (std::size_t k = 1; k < length; ++k) code_point = (code_point << 6) | (byte(i + k) & 0x3fu);
  i += length;
  return code_point;
}

void append_string(std::string& out, std::string_view text, bool ascii_only) {
  // A spider's own strings may hold any bytes, but a feed is UTF-8 and JSON: each invalid
  // sequence becomes U+FFFD, as a UTF-8 decoder reading it would make it.
  std::string repaired;
  if (!html::is_valid_utf8(text)) {
    repaired = html::replace_invalid_utf8(text);
    text = repaired;
  }
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80 && ascii_only) {
      std::uint32_t code_point = next_code_point(text, i);
      if (code_point > 0xffff) {
        code_point -= 0x10000;
        append_escape(out, 0xd800 + (code_point >> 10));
        append_escape(out, 0xdc00 + (code_point & 0x3ff));
      } else {
        append_escape(out, code_point);
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20)
          append_escape(out, c);
        else
          out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace

void append_json(std::string& out, const boost::json::value& v, bool ascii_only) {
  switch (v.kind()) {
    case boost::json::kind::null: out += "null"; break;
    case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case boost::json::kind::int64: out += fmt::format("{}", v.get_int64()); break;
    case boost::json::kind::uint64: out += fmt::format("{}", v.get_uint64()); break;
    case boost::json::kind::double_:
      out += std::isfinite(v.get_double()) ? fmt::format("{}", v.get_double()) : "null";
      break;
    case boost::json::kind::string: append_string(out, v.get_string(), ascii_only); break;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& element : v.get_array()) {
        if (!first) out += ',';
        first = false;
        append_json(out, element, ascii_only);
      }
      out += ']';
      break;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, element] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        append_string(out, key, ascii_only);
        out += ':';
        append_json(out, element, ascii_only);
      }
      out += '}';
      break;
    }
  }
}

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03}Z", text, millis);
}

}  // namespace orbweaver::pipelines
