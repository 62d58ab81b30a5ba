#include "engine/fingerprint.hpp"

#include <orbweaver/url.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace orbweaver {

fingerprint request_fingerprint(const request& r) {
  std::string method = r.method;
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string canonical = url::canonicalize(r.url);

  fingerprint out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
  // Separators keep ("GET", "x") and ("GETx", "") apart.
  EVP_DigestUpdate(ctx, method.data(), method.size());
  EVP_DigestUpdate(ctx, "\n", 1);
  EVP_DigestUpdate(ctx, canonical.data(), canonical.size());
  EVP_DigestUpdate(ctx, "\n", 1);
  EVP_DigestUpdate(ctx, r.body.data(), r.body.size());
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

std::string to_hex(const fingerprint& f) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(f.size() * 2);
  for (auto b : f) {
    hex.push_back(digits[b >> 4]);
    hex.push_back(digits[b & 15]);
  }
  return hex;
}

}  // namespace orbweaver
