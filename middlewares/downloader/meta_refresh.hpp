#pragma once
// Follows <meta http-equiv="refresh" content="5; url=/next"> as Scrapy's MetaRefreshMiddleware:
// in an HTML response to anything but a HEAD request, a refresh that names a URL and waits less
// than METAREFRESH_MAXDELAY seconds becomes a GET to that URL. The hop goes through the redirect
// middleware's redirect_follower, so REDIRECT_MAX_TIMES, meta redirect_urls, loop detection and
// the redirect/* stats count both kinds of redirect together; meta dont_redirect opts out.
// As Scrapy (through w3lib) does, only the first 4 KB are searched, comments and the content of
// METAREFRESH_IGNORE_TAGS are skipped, and a refresh without "url=" (a reload of the page
// itself) is not followed. The search is a scan of tags and attributes, not a DOM.
#include "downloader/redirect.hpp"

#include <orbweaver/middleware.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::middlewares {

// How much of a body is searched, as Scrapy reads response.text[0:4096].
inline constexpr std::size_t meta_refresh_window = 4096;

// A content attribute as "5; url=/next" splits: the delay in seconds and the URL as written.
struct refresh_content {
  double delay = 0;
  std::string_view url;
};

// nullopt when the content does not name a URL (a bare "5") or does not start with a delay.
// The separator may be ';' or ',', "url" is case-insensitive, the URL may be quoted.
std::optional<refresh_content> parse_refresh_content(std::string_view content);

struct meta_refresh {
  double delay = 0;  // seconds
  std::string url;   // absolute
};

// The first refresh declared in `html` (UTF-8, searched whole) that names a URL, resolved against
// the first <base href> and page_url; nullopt when there is none or its URL cannot be requested.
// Comments and the content of ignore_tags (names in any case) are skipped, character references
// in attribute values decoded.
std::optional<meta_refresh> find_meta_refresh(std::string_view html, std::string_view page_url,
                                              const std::vector<std::string>& ignore_tags);

// The same over the first meta_refresh_window bytes of a response body, decoded from its charset.
std::optional<meta_refresh> find_meta_refresh(const response& resp, const std::vector<std::string>& ignore_tags);

class meta_refresh_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<response_action> process_response(const request& r, response_ptr resp, spider&) override;

 private:
  redirect_follower follower_;
  double max_delay_ = 100;
  std::vector<std::string> ignore_tags_;
};

}  // namespace orbweaver::middlewares
