#pragma once
// What fetch, parse and shell share: their common options, the spider that handles a URL, settings
// built as crawl builds them, pages downloaded one at a time through the spider's downloader
// middlewares, and a callback run on a page with what it yields collected.
#include "command_line.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/spider.hpp>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::launcher {

// --spider NAME, -s NAME=VALUE, --nolog: the options the three commands have in common.
inline constexpr std::array page_option_specs{
    option_spec{'\0', "spider", true},
    option_spec{'s', "set", true},
    option_spec{'\0', "nolog", false},
};
inline constexpr std::string_view page_options_help =
    "  --spider SPIDER       use this spider (its settings, custom_settings and\n"
    "                        middlewares)\n"
    "  -s NAME=VALUE, --set NAME=VALUE\n"
    "                        set/override setting (may be repeated)\n"
    "  --nolog               disable logging completely\n";

struct page_options {
  std::optional<std::string> spider_name;
  std::vector<std::string> setting_args;  // "NAME=VALUE", in order
  bool nolog = false;
};
// Picks the common options out of parsed arguments whose specs include page_option_specs.
page_options read_page_options(const parsed_args& parsed);

// True when `s` (its init() done) handles URLs of `host`: the host is one of its allowed_domains
// or a subdomain, or the host of one of its start URLs.
bool spider_handles(const spider& s, std::string_view host);
// Names of the spiders compiled in that handle the URL's host, sorted; each is asked with these
// arguments (-a), and one whose init() throws is passed over.
std::vector<std::string> spiders_for_url(std::string_view url, const std::map<std::string, std::string>& args = {});

// The named spider; usage_error listing the known ones when there is none of that name.
std::unique_ptr<spider> named_spider(std::string_view name);
// fetch and shell, as Scrapy's: the named spider, else the one spider that handles the URL, else
// a plain spider named "default" (also when several handle it, or there is no URL: "").
std::unique_ptr<spider> spider_for_page(const page_options& options, std::string_view url);

// Settings as crawl builds them (the project's orbweaver.toml, then -s), with feeds off: items
// are printed, never exported, and a feed file must not be truncated by looking at a page.
settings page_settings(const page_options& options);

// "http://" before a URL without a scheme, as Scrapy's shell does; usage_error when the URL cannot
// be requested.
std::string requestable_url(std::string_view text);
// The one URL among the positional arguments, made requestable; usage_error when there is none or
// more than one.
std::string url_argument(const parsed_args& parsed);


// One spider, its settings and components, downloading pages on demand.
class page_session {
 public:
  page_session(std::unique_ptr<spider> s, settings config);
  // Through the downloader middlewares, redirects followed; never throws for a failed download.
  // A page the user names should be dont_filter, as Scrapy's tools make it: no offsite refusal.
  download_result download(request r);
  spider& target() { return crawler_.target(); }

 private:
  crawler crawler_;
};

// "Error downloading <GET URL>: why (error_name)", as the crawl logs it.
std::string download_error_message(const request& r, const download_result& failed);
// A request a policy refused (offsite, robots.txt, cancelled): the crawl logs it at DEBUG only.
bool refused_by_policy(const download_result& failed);

// What a callback yielded on one page; `error` is set (its type and message) when it threw.
struct callback_yield {
  std::vector<item> items;
  std::vector<request> requests;
  std::string error;
};
// Runs the request's callback (its own, else parse()) on `resp`, on the calling thread.
callback_yield run_callback(spider& s, const response& resp);

}  // namespace orbweaver::launcher
