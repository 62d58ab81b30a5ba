#pragma once
// The fixture sites of the example spiders top250 and jobs (tests/fixtures/examples, written by
// make_examples.py), on one test_server:
//   /top250/ (index.html), /top250/page-2.html .. page-10.html   the book list, static
//   /jobs/ (index.html)                                          the job board's search page
//   POST /jobs/api/positions                                     its search API
// The API takes city and page, form-encoded or as a JSON object, and answers the pre-written
// job_api/CITY-PAGE.json; a missing or unknown city or page gets a JSON error (400 or 404), any
// other method 405.
#include "test_server.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace orbweaver::testing {

// `fixtures`: tests/fixtures/examples of the source tree.
void serve_example_sites(test_server& server, const std::filesystem::path& fixtures);

// The job API's answer to a request: status and JSON body (the route's logic, without sockets).
std::pair<int, std::string> job_api_answer(const std::filesystem::path& fixtures, const test_request& request);

}  // namespace orbweaver::testing
