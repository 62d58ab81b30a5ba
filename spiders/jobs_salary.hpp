#pragma once
// Monthly salaries as job boards write them, for the jobs example: "15k-25k", "15K-25K",
// "8000-12000", "20k" (one figure: min = max). nullopt for text without a figure ("negotiable").
#include <optional>
#include <string_view>

namespace jobs_example {

struct salary_range {
  long long min = 0, max = 0;  // per month, in the board's currency
};

std::optional<salary_range> parse_salary(std::string_view text);

}  // namespace jobs_example
