#pragma once
// Requests as compact bytes for the frontier's disk store: the fields of request_json.hpp (same
// rules: callbacks and errbacks travel by their registered names) in a length-prefixed binary
// form, about the size of the URL plus 20 bytes for a plain GET. meta and cb_kwargs are written
// as JSON text.
//   byte version (1) | str url | str method | varint header count, (str name, str value)... |
//   str body | zigzag varint priority | byte flags (1: dont_filter) | str meta | str cb_kwargs |
//   str callback name | str errback name          (str = varint length + bytes)
#include <orbweaver/request.hpp>
#include <orbweaver/request_json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace orbweaver::storage {

// The request's bytes, or nullopt when its callback or errback has no registered name: such a
// request cannot leave memory, and the frontier must keep it there.
std::optional<std::string> encode_request(const request& r);
// Whether encode_request can write it, without writing it.
bool encodable(const request& r);
// The request back, its callback and errback resolved on the spider's class. Throws
// serialization_error for bytes that are not a request of this version or a name the spider
// does not know.
request decode_request(std::string_view bytes, const spider& s);

}  // namespace orbweaver::storage
