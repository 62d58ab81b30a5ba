#pragma once
// Items are JSON-like values: a spider fills a Boost.JSON object, pipelines read and change it.
#include <boost/json.hpp>

#include <string_view>

namespace orbweaver {
using item = boost::json::object;
namespace json = boost::json;

// JSON text parsed, or a value_error (error.hpp) that names `what` ("--meta", "the body of
// <200 http://...>") and where the text stops being JSON: "invalid JSON in --meta: syntax error
// at line 1, column 9". For JSON that a user typed or a server sent.
json::value parse_json(std::string_view text, std::string_view what);
}  // namespace orbweaver
