#pragma once
// Which character encoding a response is in, and turning its bytes into UTF-8. Encoding names
// are the WHATWG Encoding Standard's ("windows-1252", "shift_jis"), as browsers use them.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace orbweaver::html {

// The canonical name for a charset label ("Latin-1" -> "windows-1252", "UTF8" -> "utf-8");
// empty when the label is not one browsers know.
std::string_view canonical_charset(std::string_view label);

// The charset named in a Content-Type value or a <meta content> ("text/html; charset=...");
// the raw label, empty when there is none.
std::string_view charset_parameter(std::string_view content_type);

// A charset declared in the first 4 KB of markup: <meta charset>, <meta http-equiv=Content-Type
// content=...>, or an XML declaration. Canonical name; empty when none is found.
std::string_view charset_from_markup(std::string_view body);

struct byte_order_mark {
  std::string_view charset;  // empty when the body starts with no BOM
  std::size_t length = 0;
};
byte_order_mark detect_bom(std::string_view body);

// A byte-order mark wins (as in browsers), then the Content-Type header, then the markup's own
// declaration, then UTF-8.
std::string_view detect_charset(std::optional<std::string_view> content_type, std::string_view body);

bool is_valid_utf8(std::string_view text);
// Each maximal invalid subsequence becomes U+FFFD, as the WHATWG UTF-8 decoder does.
std::string replace_invalid_utf8(std::string_view text);

// bytes in charset (a canonical name other than utf-8) as UTF-8; invalid input becomes U+FFFD.
std::string decode_to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace orbweaver::html
