// Response bodies with a Content-Encoding: the first input byte picks the encoding, the rest is
// the body, decoded with a 1 MiB cap. Failure is a value (errc::decode_failed or
// errc::body_too_large), never an exception, and the cap must hold.
#include "download/decompress.hpp"
#include "fuzz_check.hpp"

#include <orbweaver/error.hpp>

#include <cstdint>
#include <iterator>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace orbweaver::download;
  static constexpr std::string_view encodings[] = {
      "gzip", "deflate", "br", "zstd", "x-gzip", "identity", "GZip", "gzip, gzip", "deflate, br", "zstd,gzip",
  };
  static constexpr std::uint64_t cap = 1024 * 1024;
  if (size == 0) return 0;
  const std::string_view encoding = encodings[data[0] % std::size(encodings)];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  FUZZ_CHECK(supported_encoding(encoding), "a listed encoding is unsupported");
  const decode_result result = decode_body(encoding, body, cap);
  if (result.error) {
    FUZZ_CHECK(result.error == orbweaver::errc::decode_failed || result.error == orbweaver::errc::body_too_large,
               "an undocumented decode error");
  } else {
    FUZZ_CHECK(result.body.size() <= cap, "the output cap did not hold");
    if (encoding == "identity") FUZZ_CHECK(result.body == body, "identity changed the body");
  }
  return 0;
}
