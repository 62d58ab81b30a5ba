#include "core/digest.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

namespace orbweaver {
namespace {

std::string hex_digest(std::string_view data, const EVP_MD* algorithm) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, algorithm, nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace

std::string sha1_hex(std::string_view data) { return hex_digest(data, EVP_sha1()); }
std::string sha256_hex(std::string_view data) { return hex_digest(data, EVP_sha256()); }

}  // namespace orbweaver
