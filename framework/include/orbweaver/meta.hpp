#pragma once
// Reading request meta, where spiders and middlewares leave flags and numbers for each other
// ("dont_retry", "download_timeout", "handle_httpstatus_list", ...). A key that is absent or holds
// a value of another JSON type counts as not set.
#include <orbweaver/item.hpp>

#include <optional>
#include <string_view>

namespace orbweaver {

// True only for a JSON true.
bool meta_flag(const json::object& meta, std::string_view key);
std::optional<long long> meta_int(const json::object& meta, std::string_view key);
// Any JSON number.
std::optional<double> meta_number(const json::object& meta, std::string_view key);
// The request asks for this status itself: handle_httpstatus_all, or the status is in
// handle_httpstatus_list.
bool meta_handles_status(const json::object& meta, int status);

}  // namespace orbweaver
