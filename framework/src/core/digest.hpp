#pragma once
// Hex digests of text (OpenSSL), lower case: a Redis script's SHA1 (EVALSHA names scripts by it)
// and the runspider cache's key.
#include <string>
#include <string_view>

namespace orbweaver {

std::string sha1_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

}  // namespace orbweaver
