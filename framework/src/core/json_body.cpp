// request::json, Scrapy's JsonRequest.
#include <orbweaver/request.hpp>

namespace orbweaver {

request request::with_json_body(request r, const json::value& value, bool default_method) {
  if (default_method) r.method = "POST";
  r.body = json::serialize(value);
  r.headers.set_default("Content-Type", "application/json");
  r.headers.set_default("Accept", "application/json, text/javascript, */*; q=0.01");
  return r;
}

}  // namespace orbweaver
