#include "jobs_salary.hpp"

#include <cctype>
#include <vector>

namespace jobs_example {

std::optional<salary_range> parse_salary(std::string_view text) {
  // Each figure with its own "k": "15k-25k" is 15000 to 25000, "8000-12000" is as written.
  std::vector<long long> figures;
  std::size_t i = 0;
  while (i < text.size() && figures.size() < 3) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    long long value = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      if (value > 1'000'000'000) return std::nullopt;  // not a salary
      value = value * 10 + (text[i] - '0');
    }
    if (i < text.size() && (text[i] == 'k' || text[i] == 'K')) value *= 1000;
    figures.push_back(value);
  }
  if (figures.empty() || figures.size() > 2) return std::nullopt;
  salary_range range{figures.front(), figures.back()};
  if (range.min > range.max) return std::nullopt;
  return range;
}

}  // namespace jobs_example
