#pragma once
// Requests as JSON, for everything that keeps a request outside the process that made it: a
// JOBDIR on disk, another process of a distributed crawl, a request given on the command line.
// Callbacks and errbacks travel by the names ORBWEAVER_SPIDER(cls, method...) gave them.
#include <orbweaver/item.hpp>
#include <orbweaver/request.hpp>

#include <stdexcept>

namespace orbweaver {

class spider;

// A request that cannot be written (a callback or errback without a registered name) or read back
// (malformed JSON, a name the spider does not know). The message names the request and the fix.
struct serialization_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// {"url", "method", "headers": [[name, value]...], "body" (or "body_base64" when it is not
// UTF-8), "priority", "dont_filter", "meta", "cb_kwargs", "callback", "errback"}; a callback of
// null is parse(), an errback of null is none.
json::object to_json(const request& r);
// The request back, its callback and errback resolved by name on the spider's class.
request request_from_json(const json::value& v, const spider& s);

}  // namespace orbweaver
