// crawl_spider: Scrapy's CrawlSpider (scrapy/spiders/crawl.py). Requests of a rule have no
// callback of their own, so they come back to parse(), which finds their rule by meta "rule":
// a request written to a JOBDIR is then resumed with its rule by the index alone.
#include <orbweaver/crawl_spider.hpp>

#include <orbweaver/error.hpp>
#include <orbweaver/output.hpp>
#include <orbweaver/settings.hpp>

#include <fmt/format.h>

#include <stdexcept>
#include <unordered_set>

namespace orbweaver {

void crawl_spider::parse_start_url(const response&, output&) {}

void crawl_spider::configure(const settings& s) {
  follow_links_ = s.get_bool("CRAWLSPIDER_FOLLOW_LINKS");
  check_rules();
}

void crawl_spider::check_rules() const {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const rule& r = rules[i];
    if (r.callback == "parse")
      throw std::invalid_argument(fmt::format(
          "spider '{}': rule {} has the callback \"parse\", which applies the rules in a crawl_spider: name another "
          "method (the start pages go to parse_start_url())",
          name, i));
    if (!r.callback.empty() && !spider_callback(*this, r.callback))
      throw std::invalid_argument(fmt::format(
          "spider '{}': rule {} names the callback \"{}\", which ORBWEAVER_SPIDER does not declare", name, i,
          r.callback));
    if (!r.errback.empty() && !spider_errback(*this, r.errback))
      throw std::invalid_argument(fmt::format(
          "spider '{}': rule {} names the errback \"{}\", which ORBWEAVER_SPIDER does not declare", name, i,
          r.errback));
  }
}

void crawl_spider::parse(const response& r, output& out) {
  if (!r.meta().contains("rule")) {
    parse_start_url(r, out);
    if (follow_links_) follow_rules(r, out);
    return;
  }
  const auto i = r.meta_value<std::size_t>("rule");
  if (i >= rules.size())
    throw value_error(fmt::format("spider '{}' has {} rules, but the request of {} says meta \"rule\" is {}", name,
                                  rules.size(), r.url(), i));
  const rule& matched = rules[i];
  if (!matched.callback.empty()) {
    const auto callback = spider_callback(*this, matched.callback);
    if (!callback)
      throw std::logic_error(fmt::format("spider '{}' has no callback named '{}'", name, matched.callback));
    (*callback)(*this, r, out);
  }
  if (matched.follows() && follow_links_) follow_rules(r, out);
}

void crawl_spider::follow_rules(const response& r, output& out) const {
  if (!r.is_html()) return;
  std::unordered_set<std::string> taken;  // URLs an earlier rule followed from this page
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const rule& current = rules[i];
    std::vector<page_link> links = current.extractor.extract_links(r);
    std::erase_if(links, [&](const page_link& l) { return taken.contains(l.url); });
    if (current.process_links) links = current.process_links(std::move(links));
    std::optional<errback_fn> errback;
    if (!current.errback.empty()) {
      errback = spider_errback(*this, current.errback);
      if (!errback) throw std::logic_error(fmt::format("spider '{}' has no errback named '{}'", name, current.errback));
    }
    for (const auto& l : links) {
      taken.insert(l.url);
      request next(l.url, {.cb_kwargs = current.cb_kwargs,
                           .meta = {{"rule", static_cast<std::int64_t>(i)}, {"link_text", l.text}}});
      if (errback) {
        next.errback = *errback;
        next.errback_name = current.errback;
      }
      if (current.process_request) {
        auto processed = current.process_request(std::move(next), r);
        if (processed) out.emit(std::move(*processed));
      } else {
        out.emit(std::move(next));
      }
    }
  }
}

}  // namespace orbweaver
