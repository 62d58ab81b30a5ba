#include "redis/error.hpp"

namespace orbweaver::redis {
namespace {

class redis_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "redis"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::bad_url: return "malformed Redis URL";
      case errc::connect_failed: return "cannot connect to Redis";
      case errc::auth_failed: return "Redis authentication failed";
      case errc::connection_lost: return "connection to Redis lost";
      case errc::timeout: return "Redis timed out";
      case errc::protocol_error: return "malformed reply from Redis";
      case errc::server_error: return "Redis answered with an error";
      case errc::no_script: return "Redis script not loaded";
      case errc::unavailable: return "Redis unavailable";
    }
    return "unknown Redis error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const redis_category category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace orbweaver::redis
