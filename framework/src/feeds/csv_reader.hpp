#pragma once
// CSV records as Python's csv.reader reads them with its default dialect (what Scrapy's csviter
// uses): fields split at the delimiter, quoted fields may hold delimiters, newlines and doubled
// quotes, a quote inside an unquoted field is kept, text after a closing quote is appended, records
// end at \n, \r\n or \r, and a blank line is a record with no fields.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::feeds {

struct csv_record {
  std::vector<std::string> fields;
  std::size_t line = 0;  // the line (1-based) the record ends on, as csv.reader's line_num
};

std::vector<csv_record> read_csv(std::string_view text, char delimiter = ',', char quotechar = '"');

}  // namespace orbweaver::feeds
