// CSV records as Python's csv.reader gives them (the reader behind Scrapy's csviter); each
// expectation is what Python 3.11's csv.reader returns for the same text, with its line_num, but
// for a lone \r, which ends a record here as in universal-newline mode (csv.reader refuses it).
#include "feeds/csv_reader.hpp"

#include <gtest/gtest.h>

using orbweaver::feeds::read_csv;

namespace {

using rows = std::vector<std::vector<std::string>>;

rows fields_of(std::string_view text, char delimiter = ',', char quotechar = '"') {
  rows out;
  for (auto& record : read_csv(text, delimiter, quotechar)) out.push_back(record.fields);
  return out;
}

}  // namespace

TEST(CsvReader, FieldsRecordsAndBlankLines) {
  EXPECT_EQ(fields_of("a,b\n\nc,d\n"), (rows{{"a", "b"}, {}, {"c", "d"}}));
  EXPECT_EQ(fields_of("a,b,\n,\n"), (rows{{"a", "b", ""}, {"", ""}}));
  EXPECT_EQ(fields_of("no newline at the end"), (rows{{"no newline at the end"}}));
  EXPECT_TRUE(fields_of("").empty());
}

TEST(CsvReader, QuotedFields) {
  EXPECT_EQ(fields_of("\"\"\n"), (rows{{""}}));
  EXPECT_EQ(fields_of("a,\"x, y\",\"say \"\"hi\"\"\"\n"), (rows{{"a", "x, y", "say \"hi\""}}));
  EXPECT_EQ(fields_of("a,\"b\"x,c\n"), (rows{{"a", "bx", "c"}}));  // text after the closing quote is kept
  EXPECT_EQ(fields_of("a,b\"c,d\n"), (rows{{"a", "b\"c", "d"}}));   // a quote inside a field is a character
  EXPECT_EQ(fields_of("\"abc"), (rows{{"abc"}}));                   // unterminated at the end of the text
}

TEST(CsvReader, LineEndingsAndLineNumbers) {
  auto records = read_csv("a,\"x\ny\",z\r\nq,w,e\rlast");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "x\ny", "z"}));
  EXPECT_EQ(records[0].line, 2u);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"q", "w", "e"}));
  EXPECT_EQ(records[1].line, 3u);
  EXPECT_EQ(records[2].line, 4u);
}

TEST(CsvReader, OtherDelimiterAndQuote) {
  EXPECT_EQ(fields_of("a\t'b\tc'\td\n", '\t', '\''), (rows{{"a", "b\tc", "d"}}));
}
