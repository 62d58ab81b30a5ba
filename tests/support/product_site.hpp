#pragma once
// A generated shop for the `catalog` spider (spiders/catalog.cpp) on a test_server: an index
// linking every listing page, listings of 20 products each, and one product page per item (with
// links back and to its neighbours, so most links a crawler sees are duplicates). No page links
// to the index: a start request bypasses the duplicate filter, so a link to it would be fetched
// once more and blur the count of pages fetched twice. Every page
// answers after a delay, and the site counts the requests that reached each page, in flight or
// answered, for crash-and-resume tests that must know what was fetched twice.
#include "test_server.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>

namespace orbweaver::testing {

class product_site {
 public:
  using clock = std::chrono::steady_clock;

  // Registers "/", /list/N.html and /product/ID.html (ID from 0 to products - 1) on `server`.
  product_site(test_server& server, std::size_t products, std::chrono::milliseconds delay);

  std::size_t products() const { return products_; }
  // Every page that answers 200: the index, the listings and the products.
  std::size_t pages() const;

  // Later requests are answered after `delay` instead (a request already in flight keeps its own).
  void set_delay(std::chrono::milliseconds delay);

  // Requests that reached the site, in all and by path.
  std::size_t fetches() const;
  std::map<std::string, std::size_t> fetches_by_path() const;
  // When the latest request arrived; none before the first.
  clock::time_point last_fetch() const;

 private:
  struct state;
  std::size_t products_;
  std::size_t listings_;
  std::shared_ptr<state> state_;  // shared with the handlers, which run on the server's thread
};

}  // namespace orbweaver::testing
