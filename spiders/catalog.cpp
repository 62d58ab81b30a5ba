// The shared catalog benchmark (../shared/bench): one item per product page, every link followed.
//   orbweaver crawl catalog -a url=http://127.0.0.1:8300/ -o items.jsonl
#include <orbweaver/orbweaver.hpp>

using namespace orbweaver;

class catalog_spider : public spider {
 public:
  catalog_spider() { name = "catalog"; }

  void init() override {
    start_urls = {arg("url", "http://127.0.0.1:8300/")};
    allowed_domains = {url::host(start_urls.front())};
  }

  void parse(const response& r, output& out) override {
    if (auto product = r.css("article.product"); !product.empty()) {
      out.emit(item{
          {"id", std::stoll(product.attrib("data-id").value_or(""))},
          {"title", product.css("h1.title::text").get()},
          {"price", product.css("span.price::text").get()},
          {"sku", product.css("span.sku::text").get()},
          {"rating", std::stoll(product.css("div.rating::attr(data-stars)").get())},
          {"tags", json::value_from(product.css("ul.tags li::text").getall())},
          {"category", r.css("div.breadcrumb a::text").get()},
      });
    }
    out.follow_all(r.css("a::attr(href)"));
  }
};

ORBWEAVER_SPIDER(catalog_spider);
