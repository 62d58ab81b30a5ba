#include <orbweaver/spider.hpp>

#include <algorithm>
#include <stdexcept>

namespace orbweaver {
namespace {

std::vector<spider_factory>& spider_factories() {
  static std::vector<spider_factory> factories;
  return factories;
}

}  // namespace

std::vector<request> spider::start_requests() {
  std::vector<request> requests;
  requests.reserve(start_urls.size());
  for (const auto& u : start_urls) {
    request r(u);
    r.dont_filter = true;  // as Scrapy: a start URL is fetched even if it reappears
    requests.push_back(std::move(r));
  }
  return requests;
}

void spider::parse(const response&, output&) {
  throw std::logic_error("spider '" + name + "' has no parse() callback");
}

std::string spider::arg(const std::string& key, std::string fallback) const {
  auto it = args.find(key);
  return it == args.end() ? std::move(fallback) : it->second;
}

void register_spider(spider_factory factory) { spider_factories().push_back(std::move(factory)); }

std::unique_ptr<spider> create_spider(std::string_view name) {
  for (const auto& factory : spider_factories()) {
    auto s = factory();
    if (s && s->name == name) return s;
  }
  return nullptr;
}

std::vector<std::string> spider_names() {
  std::vector<std::string> names;
  for (const auto& factory : spider_factories()) names.push_back(factory()->name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace orbweaver
