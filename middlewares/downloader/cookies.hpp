#pragma once
// Scrapy's CookiesMiddleware: Set-Cookie from every response (redirects included, as this runs
// before the redirect middleware in process_response order) goes into an RFC 6265 jar, and each
// request gets the jar's Cookie header. One jar per spider, or one per meta["cookiejar"] value
// (any JSON value as the key). meta dont_merge_cookies leaves both directions alone. A request's
// own Cookie header is kept; jar cookies of other names are appended to it. The names the jar
// added are kept in meta["cookiejar_added"], so a request coming back (a redirect copies the
// header) gets the jar's current values rather than the stale ones.
#include <orbweaver/middleware.hpp>

#include "download/cookie_jar.hpp"

#include <map>
#include <string>

namespace orbweaver::middlewares {

// The Cookie header value for a request: the cookies of its header except those named in
// added_before (the jar put them there earlier), then the jar cookies of other names.
struct merged_cookies {
  std::string header;
  std::vector<std::string> added;  // names of the jar cookies in it
};
merged_cookies merge_cookie_header(std::string_view header, const std::vector<std::string>& added_before,
                                const std::vector<std::pair<std::string, std::string>>& from_jar);

class cookies_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;
  awaitable<response_action> process_response(const request& r, response_ptr resp, spider&) override;

 private:
  download::cookie_jar& jar_for(const request& r);

  bool debug_ = false;
  std::map<std::string, download::cookie_jar> jars_;  // by the serialized meta["cookiejar"]
};

}  // namespace orbweaver::middlewares
