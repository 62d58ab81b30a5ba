#pragma once
// Credentials kept out of logs and messages: a setting's value or a store's URI may carry a
// password (postgresql://user:secret@host/db, http://user:secret@proxy:3128).
#include <string>
#include <string_view>

namespace orbweaver {

// `uri` with the password of its user part (scheme://user:password@, before the first slash) and
// of a password= query parameter replaced by "***"; anything else unchanged.
std::string redact_password(std::string_view uri);

}  // namespace orbweaver
