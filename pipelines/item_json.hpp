#pragma once
// Item serialisation shared by the feed exports and the SQLite store. Boost.JSON's serializer
// writes doubles as "2.5E-1"; feeds are read by people and other tools, so numbers are written
// in their shortest round-trip form ("0.25") and non-finite numbers, which JSON lacks, as null.
#include <boost/json/value.hpp>

#include <string>

namespace orbweaver::pipelines {

// Appends v as compact JSON. ascii_only escapes every non-ASCII character as \uXXXX (a surrogate
// pair above U+FFFF); otherwise UTF-8 text is written as is.
void append_json(std::string& out, const boost::json::value& v, bool ascii_only = false);

}  // namespace orbweaver::pipelines
