#include "feeds/csv_reader.hpp"

namespace orbweaver::feeds {

std::vector<csv_record> read_csv(std::string_view text, char delimiter, char quotechar) {
  std::vector<csv_record> records;
  csv_record record;
  std::string field;
  bool field_started = false;  // the field has content or was quoted (a "" field is one empty field)
  bool quoted = false;         // inside quotes
  std::size_t line = 1;
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    if (field_started || !record.fields.empty()) end_field();
    record.line = line;
    records.push_back(std::move(record));
    record = {};
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == quotechar && i + 1 < text.size() && text[i + 1] == quotechar) {
        field += quotechar;
        ++i;
      } else if (c == quotechar) {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == delimiter) {
      end_field();  // a record ending in a delimiter has one more, empty, field: end_record adds it
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
    } else if (c == quotechar && field.empty() && !field_started) {
      quoted = true;
      field_started = true;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (field_started || !record.fields.empty()) end_record();
  return records;
}

}  // namespace orbweaver::feeds
