#pragma once
// A shop whose product list is built in the browser: /shop is a page whose script fetches
// /api/products.json and adds an <li class="product"> per product, then a <p id="loaded">. The
// plain downloader sees an empty list; a page rendered in Chromium sees every product.
#include "test_server.hpp"

#include <chrono>
#include <string>

namespace orbweaver::testing {

constexpr int js_shop_products = 7;

// Routes /shop and /api/products.json on `server`; the JSON comes after `api_delay`, so that the
// products appear after the page's load event.
void serve_js_shop(test_server& server, std::chrono::milliseconds api_delay = std::chrono::milliseconds(300));

// The page's HTML, docs/examples/render_shop/site/shop.html (its icon is a data: URL, so that a
// browser asks for nothing else).
std::string js_shop_page();
// What /api/products.json answers: js_shop_products products, named "Widget N".
std::string js_shop_products_json();

}  // namespace orbweaver::testing
