// "item_validation": drops items of a declared type (ORBWEAVER_ITEM, item_fields.hpp) that lack a
// required field. Off until ITEM_PIPELINES names it, e.g. ITEM_PIPELINES = { item_validation = 100 }.
// A dropped item is counted (item_dropped_count, item_dropped_reasons_count/item_validation) and
// logged by the scraper, as any drop_item: "Dropped: book item lacks required field(s): rating".
// Items of no declared type pass.
#include <orbweaver/item_fields.hpp>
#include <orbweaver/pipeline.hpp>
#include <orbweaver/spider.hpp>  // ORBWEAVER_CONCAT

namespace orbweaver::pipelines {
namespace {

class item_validation : public item_pipeline {
 public:
  boost::asio::awaitable<void> process_item(item& it, spider&) override {
    if (const auto* type = declared_item_type(it)) {
      try {
        type->validate(it);
      } catch (const item_validation_error& e) {
        throw drop_item(e.what());
      }
    }
    co_return;
  }
};

}  // namespace
}  // namespace orbweaver::pipelines

ORBWEAVER_PIPELINE(orbweaver::pipelines::item_validation, "item_validation");
