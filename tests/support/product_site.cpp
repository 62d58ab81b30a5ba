#include "product_site.hpp"

#include <fmt/format.h>

#include <atomic>
#include <mutex>

namespace orbweaver::testing {

namespace {

constexpr std::size_t per_listing = 20;

std::string product_path(std::size_t id) { return fmt::format("/product/{}.html", id); }
std::string listing_path(std::size_t page) { return fmt::format("/list/{}.html", page); }

std::string page(std::string_view title, std::string_view body) {
  return fmt::format("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body>{}</body></html>\n",
                     title, body);
}

// The fields spiders/catalog.cpp reads, derived from the id so that a test can recompute them.
std::string product_page(std::size_t id, std::size_t products) {
  std::size_t listing = id / per_listing + 1;
  std::string links = fmt::format(R"(<a href="{}">Back</a>)", listing_path(listing));
  for (std::size_t neighbour : {id + 1, id + products - 1})
    links += fmt::format(R"( <a href="{}">Related</a>)", product_path(neighbour % products));
  return page(fmt::format("Product {}", id),
              fmt::format(R"(<div class="breadcrumb"><a href="{}">Listing {}</a></div>)"
                          R"(<article class="product" data-id="{}"><h1 class="title">Product {}</h1>)"
                          R"(<span class="price">{}.{:02}</span><span class="sku">SKU-{:06}</span>)"
                          R"(<div class="rating" data-stars="{}"></div><ul class="tags"><li>tag{}</li></ul></article>{})",
                          listing_path(listing), listing, id, id, 10 + id % 90, id % 100, id, 1 + id % 5, id % 7, links));
}

std::string listing_page(std::size_t listing, std::size_t listings, std::size_t products) {
  std::string links;
  for (std::size_t id = (listing - 1) * per_listing; id < std::min(listing * per_listing, products); ++id)
    links += fmt::format(R"( <a href="{}">Product {}</a>)", product_path(id), id);
  if (listing < listings) links += fmt::format(R"( <a href="{}">Next</a>)", listing_path(listing + 1));
  return page(fmt::format("Listing {}", listing), links);
}

std::string index_page(std::size_t listings) {
  std::string links;
  for (std::size_t listing = 1; listing <= listings; ++listing)
    links += fmt::format(R"(<a href="{}">Listing {}</a> )", listing_path(listing), listing);
  return page("Shop", links);
}

}  // namespace

struct product_site::state {
  std::atomic<std::chrono::milliseconds::rep> delay_ms;
  mutable std::mutex mutex;
  std::map<std::string, std::size_t> fetches;
  std::size_t total = 0;
  clock::time_point last{};
};

product_site::product_site(test_server& server, std::size_t products, std::chrono::milliseconds delay)
    : products_(products), listings_((products + per_listing - 1) / per_listing), state_(std::make_shared<state>()) {
  state_->delay_ms = delay.count();
  auto serve = [&server, state = state_](const std::string& path, std::string body) {
    server.route(path, [state, body = std::move(body)](const test_request& request) {
      {
        std::lock_guard lock(state->mutex);
        ++state->fetches[request.path];
        ++state->total;
        state->last = clock::now();
      }
      test_reply reply{.body = body, .delay = std::chrono::milliseconds(state->delay_ms.load())};
      reply.headers.set("Content-Type", "text/html; charset=utf-8");
      return reply;
    });
  };
  serve("/", index_page(listings_));
  for (std::size_t listing = 1; listing <= listings_; ++listing)
    serve(listing_path(listing), listing_page(listing, listings_, products));
  for (std::size_t id = 0; id < products; ++id) serve(product_path(id), product_page(id, products));
}

std::size_t product_site::pages() const { return 1 + listings_ + products_; }

void product_site::set_delay(std::chrono::milliseconds delay) { state_->delay_ms = delay.count(); }

std::size_t product_site::fetches() const {
  std::lock_guard lock(state_->mutex);
  return state_->total;
}

std::map<std::string, std::size_t> product_site::fetches_by_path() const {
  std::lock_guard lock(state_->mutex);
  return state_->fetches;
}

product_site::clock::time_point product_site::last_fetch() const {
  std::lock_guard lock(state_->mutex);
  return state_->last;
}

}  // namespace orbweaver::testing
