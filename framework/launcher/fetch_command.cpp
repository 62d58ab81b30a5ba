// orbweaver fetch URL: one download through the downloader middlewares, as a crawl would make it,
// and the body (or the headers) on standard output, whatever the status.
#include "command_line.hpp"
#include "commands.hpp"
#include "crawl_options.hpp"
#include "page_tools.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace orbweaver::launcher {
namespace {

constexpr std::string_view fetch_help =
    "Usage\n"
    "=====\n"
    "  orbweaver fetch [options] <url>\n"
    "\n"
    "Fetch a URL using the orbweaver downloader and print its content to stdout. You\n"
    "may want to use --nolog to disable logging\n"
    "\n"
    "Options\n"
    "=======\n"
    "  -h, --help            show this help message and exit\n"
    "  --headers             print response HTTP headers instead of body\n"
    "  --no-redirect         do not handle HTTP 3xx status codes and print response\n"
    "                        as-is\n";

constexpr std::array fetch_options{
    page_option_specs[0], page_option_specs[1], page_option_specs[2],
    option_spec{'\0', "headers", false},
    option_spec{'\0', "no-redirect", false},
};

void print_headers(const http_headers& headers, char prefix) {
  for (const auto& [name, value] : headers) fmt::print("{} {}: {}\n", prefix, name, value);
}

// The body, or with --headers the request's and the response's headers as Scrapy prints them.
int print_download(const download_result& result, const request& r, bool headers_only) {
  if (!result.resp) {
    fmt::print(stderr, "orbweaver fetch: error: {}\n", download_error_message(r, result));
    return 1;
  }
  if (headers_only) {
    print_headers(result.resp->req().headers, '>');
    fmt::print(">\n");
    print_headers(result.resp->headers(), '<');
  } else {
    const auto& body = result.resp->body();
    std::fwrite(body.data(), 1, body.size(), stdout);
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

int fetch_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, fetch_options);
  if (parsed.help) {
    fmt::print("{}{}", fetch_help, page_options_help);
    return 0;
  }
  bool headers_only = false, no_redirect = false;
  for (const auto& [spec, value] : parsed.options) {
    if (spec->long_name == "headers") headers_only = true;
    if (spec->long_name == "no-redirect") no_redirect = true;
  }
  const auto options = read_page_options(parsed);
  request r(url_argument(parsed));
  r.dont_filter = true;
  if (no_redirect) r.meta["dont_redirect"] = true;

  return run_with_spider("fetch", "", [&] {
    page_session session(spider_for_page(options, r.url), page_settings(options));
    return print_download(session.download(r), r, headers_only);
  });
}

}  // namespace orbweaver::launcher
