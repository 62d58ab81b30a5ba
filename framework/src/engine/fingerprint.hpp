#pragma once
// Request fingerprints for duplicate filtering: SHA-1 over method, canonical URL and body, as
// Scrapy's. Two requests that differ only in fragment, query order, host case or default port
// share a fingerprint.
#include <orbweaver/request.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace orbweaver {

using fingerprint = std::array<std::uint8_t, 20>;

fingerprint request_fingerprint(const request& r);
std::string to_hex(const fingerprint& f);

struct fingerprint_hash {
  std::size_t operator()(const fingerprint& f) const noexcept {
    std::size_t h;
    std::memcpy(&h, f.data(), sizeof h);  // SHA-1 bytes are already uniformly spread
    return h;
  }
};

}  // namespace orbweaver
