#include "js_shop.hpp"

#include "crawl_runner.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <filesystem>

namespace orbweaver::testing {

namespace json = boost::json;

std::string js_shop_page() {
  // The page of docs/examples/render_shop, so that the example is the page the tests render.
  return read_file(std::filesystem::path(ORBWEAVER_SOURCE_DIR) / "docs/examples/render_shop/site/shop.html");
}

std::string js_shop_products_json() {
  json::array products;
  for (int i = 1; i <= js_shop_products; ++i)
    products.push_back(json::object{{"name", fmt::format("Widget {}", i)}, {"price", i * 3}});
  return json::serialize(products);
}

void serve_js_shop(test_server& server, std::chrono::milliseconds api_delay) {
  server.route("/shop", [](const test_request&) { return test_reply{.body = js_shop_page()}; });
  server.route("/api/products.json", [api_delay](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "application/json"}}, .body = js_shop_products_json(),
                      .delay = api_delay};
  });
}

}  // namespace orbweaver::testing
