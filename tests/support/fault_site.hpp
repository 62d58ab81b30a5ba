#pragma once
// A hostile web site on a test_server: endpoints that reset, stall, drip, lie about their length,
// bomb, loop, malform their HTTP or their HTML, or serve what is not HTML; good pages among them;
// and an index linking to all of it with links no crawler can follow. The fault-injection crawl
// (tests/integration/fault_crawl_test.cpp) and bench-free manual runs use it.
#include "test_server.hpp"

#include <string>
#include <vector>

namespace orbweaver::testing {

struct fault_site {
  // Paths (with query) of pages whose item a crawler must deliver, each titled "good <path>".
  std::vector<std::string> good_paths;
  // Start URLs: the index plus unusable ones (bad scheme, invalid port, 100 KB long, ...).
  std::vector<std::string> start_urls;
};

// Registers every route on `server` and returns what a crawl of it must produce.
fault_site serve_fault_site(test_server& server);

}  // namespace orbweaver::testing
