#pragma once
// Items are JSON-like values: a spider fills a Boost.JSON object, pipelines read and change it.
#include <boost/json.hpp>

namespace orbweaver {
using item = boost::json::object;
namespace json = boost::json;
}  // namespace orbweaver
