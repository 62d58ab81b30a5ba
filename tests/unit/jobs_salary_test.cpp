// The jobs example's salary parser (spiders/jobs_salary.cpp): ranges and single figures as job
// boards write them.
#include "../../spiders/jobs_salary.hpp"

#include <gtest/gtest.h>

using jobs_example::parse_salary;

namespace {

std::string range(std::string_view text) {
  auto r = parse_salary(text);
  return r ? std::to_string(r->min) + "-" + std::to_string(r->max) : "none";
}

}  // namespace

TEST(JobsSalary, RangesAndSingleFigures) {
  EXPECT_EQ(range("15k-25k"), "15000-25000");
  EXPECT_EQ(range("15K-25K"), "15000-25000");
  EXPECT_EQ(range("8000-12000"), "8000-12000");
  EXPECT_EQ(range("20k"), "20000-20000");
  EXPECT_EQ(range(" 10k - 12k /month"), "10000-12000");
}

TEST(JobsSalary, TextWithoutASalaryIsNone) {
  EXPECT_EQ(range("negotiable"), "none");
  EXPECT_EQ(range(""), "none");
  EXPECT_EQ(range("25k-15k"), "none") << "upside down";
  EXPECT_EQ(range("1-2-3k"), "none") << "three figures";
  EXPECT_EQ(range("99999999999999999999k"), "none") << "no overflow";
}
