// "dedup": drops an item whose DEDUP_FIELDS hold the same values as an item seen before in the
// crawl (all of its fields when DEDUP_FIELDS is empty), as Scrapy's docs' duplicates filter does:
//   ITEM_PIPELINES = { dedup = 100 }   DEDUP_FIELDS = "city,title,company,salary"
// A field an item lacks counts as null. A dropped item is counted (item_dropped_count,
// item_dropped_reasons_count/dedup) and logged by the scraper, as any drop_item. The items seen are
// remembered for one run, in memory: with a JOBDIR, a resumed crawl starts with none.
#include "item_json.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/pipeline.hpp>
#include <orbweaver/spider.hpp>  // ORBWEAVER_CONCAT

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

namespace orbweaver::pipelines {
namespace {

class dedup_pipeline : public item_pipeline {
 public:
  bool open(crawler& c) override {
    fields_ = c.config().get_list("DEDUP_FIELDS");
    return true;
  }

  boost::asio::awaitable<void> process_item(item& it, spider&) override {
    std::string key;
    if (fields_.empty()) {
      append_json(key, sorted(it), false);
    } else {
      json::array values;
      for (const auto& field : fields_) {
        const auto* value = it.if_contains(field);
        values.push_back(value ? *value : json::value(nullptr));
      }
      append_json(key, values, false);
    }
    if (!seen_.insert(key).second) throw drop_item(fmt::format("Duplicate item: {}", key));
    co_return;
  }

 private:
  // The same fields in another order are the same item.
  static json::object sorted(const item& it) {
    std::vector<std::string_view> names;
    for (const auto& field : it) names.push_back(field.key());
    std::sort(names.begin(), names.end());
    json::object ordered;
    for (auto name : names) ordered.emplace(name, it.at(name));
    return ordered;
  }

  std::vector<std::string> fields_;
  std::unordered_set<std::string> seen_;
};

}  // namespace
}  // namespace orbweaver::pipelines

ORBWEAVER_PIPELINE(orbweaver::pipelines::dedup_pipeline, "dedup");
