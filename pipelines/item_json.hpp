#pragma once
// Item serialisation shared by the feed exports and the SQLite and PostgreSQL stores. Boost.JSON's serializer
// writes doubles as "2.5E-1"; feeds are read by people and other tools, so numbers are written
// in their shortest round-trip form ("0.25") and non-finite numbers, which JSON lacks, as null.
#include <boost/json/value.hpp>

#include <string>

namespace orbweaver::pipelines {

// Appends v as compact JSON. ascii_only escapes every non-ASCII character as \uXXXX (a surrogate
// pair above U+FFFF); otherwise UTF-8 text is written as is.
void append_json(std::string& out, const boost::json::value& v, bool ascii_only = false);

// The current time in ISO 8601, UTC, with milliseconds ("2026-12-06T06:18:03.123Z"): the stores'
// scraped_at, a form both SQLite's date functions and PostgreSQL's TIMESTAMPTZ read.
std::string utc_timestamp();

}  // namespace orbweaver::pipelines
