// Twenty copies of a shop page whose product list JavaScript builds from /api/products.json,
// linked from a plain index page: each rendered in headless Chromium (docs/rendering.md), the
// first with a screenshot. Serve site/ and run it:
//
//   python3 -m http.server 8431 --bind 127.0.0.1 --directory docs/examples/render_shop/site &
//   orbweaver runspider docs/examples/render_shop/render_shop.cpp -O items.jsonl
#include <orbweaver/orbweaver.hpp>

using namespace orbweaver;

struct render_shop : spider {
  render_shop() { name = "render_shop"; }
  void init() override { start_urls = {arg("url", "http://127.0.0.1:8431/")}; }

  // The index is plain HTML: only the shops are rendered.
  void parse(const response& r, output& out) override {
    bool first = true;
    for (auto link : r.css("a::attr(href)"))
      if (auto url = r.urljoin(link.get())) {
        out.emit(render_request(*url, &render_shop::parse_shop, {.wait_for = "#loaded", .screenshot = first}));
        first = false;
      }
  }

  void parse_shop(const response& r, output& out) {
    for (auto product : r.css("li.product"))
      out.emit(item{{"product", product.css("::text").get()}, {"page", r.url()}});
  }
};
ORBWEAVER_SPIDER(render_shop, parse_shop);
