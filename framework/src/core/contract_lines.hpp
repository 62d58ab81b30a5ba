#pragma once
// The lines of ORBWEAVER_CONTRACTS (orbweaver/contracts.hpp) parsed, and the checks made on what a
// callback returned, with Scrapy's messages (scrapy/contracts/default.py). No I/O: `orbweaver
// check` (framework/launcher/check_command.cpp) downloads and runs the callback.
#include <orbweaver/item.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace orbweaver::contracts {

// A line that cannot be used; the message quotes it and says why.
struct contract_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// @returns or @scrapes: checked on what the callback returned, in the order declared.
struct output_check {
  std::string tag;  // "returns" or "scrapes"
  // @returns
  bool counts_items = false;     // else requests
  std::string noun;              // as written ("items", "request", ...), for the message
  long long min = 1;
  std::optional<long long> max;  // nullopt: no upper bound
  // @scrapes
  std::vector<std::string> fields;
};

struct callback_contracts {
  std::string url;  // as written: absolute, or relative to the spider's first start URL
  json::object cb_kwargs;
  json::object meta;
  std::vector<output_check> checks;
};

// Throws contract_error for the first line that is malformed (an unknown @tag, a bad number, bad
// JSON) or when there is no @url.
callback_contracts parse_contracts(const std::vector<std::string>& lines);

// nullopt when the check holds; else Scrapy's ContractFail message ("Returned 0 items, expected 1",
// "Missing fields: price").
std::optional<std::string> check_output(const output_check& check, const std::vector<item>& items,
                                        std::size_t request_count);

}  // namespace orbweaver::contracts
