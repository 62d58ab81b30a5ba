#pragma once
// Base64 (RFC 4648, with padding), for bodies in request JSON and credentials in headers.
#include <optional>
#include <string>
#include <string_view>

namespace orbweaver {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace orbweaver
