#pragma once
// Content-Encoding decoding (gzip, x-gzip, deflate raw or zlib-wrapped, br, zstd, identity),
// streaming with a cap on the output so a decompression bomb stops at the limit without
// allocating it whole.
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace orbweaver::download {

struct decode_result {
  std::error_code error;  // errc::decode_failed, errc::body_too_large
  std::string body;
};

// Whether the encoding is one we decode (case-insensitive; identity included).
bool supported_encoding(std::string_view content_encoding);
// Decode a body. max_output 0 = unlimited. Stacked encodings ("gzip, gzip") are undone in order.
decode_result decode_body(std::string_view content_encoding, std::string_view body,
                          std::uint64_t max_output);

// A gzip stream of `input` (the HTTP cache's HTTPCACHE_GZIP entries; the tests' gzip bodies).
std::string gzip_compress(std::string_view input);

}  // namespace orbweaver::download
