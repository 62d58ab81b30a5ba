#include "js_shop.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace orbweaver::testing {

namespace json = boost::json;

std::string js_shop_page() {
  return R"(<!doctype html>
<html><head><title>Shop</title><link rel="icon" href="data:,"></head>
<body><h1>Products</h1><ul id="products"></ul>
<script>
fetch('/api/products.json').then(r => r.json()).then(products => {
  const list = document.getElementById('products');
  for (const p of products) {
    const li = document.createElement('li');
    li.className = 'product';
    li.textContent = p.name + ' ' + p.price;
    list.appendChild(li);
  }
  const done = document.createElement('p');
  done.id = 'loaded';
  list.after(done);
});
</script></body></html>)";
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
