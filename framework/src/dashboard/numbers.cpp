#include "dashboard/numbers.hpp"

#include "dashboard/resources.hpp"

#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <fstream>

namespace orbweaver::dashboard {

namespace json = boost::json;

void rate_series::sample(double elapsed_seconds, std::int64_t pages, std::int64_t items) {
  const double span = elapsed_seconds - last_elapsed_;
  if (span <= 0) return;
  points_.push_back({elapsed_seconds, static_cast<double>(pages - last_pages_) / span,
                     static_cast<double>(items - last_items_) / span});
  if (points_.size() > capacity_) points_.pop_front();
  last_elapsed_ = elapsed_seconds;
  last_pages_ = pages;
  last_items_ = items;
}

json::object rate_series::to_json() const {
  json::array elapsed, pages, items;
  for (const auto& p : points_) {
    elapsed.push_back(p.elapsed);
    pages.push_back(p.pages_per_second);
    items.push_back(p.items_per_second);
  }
  return {{"elapsed", std::move(elapsed)}, {"pages_per_second", std::move(pages)}, {"items_per_second", std::move(items)}};
}

std::int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<std::int64_t>(::sysconf(_SC_PAGESIZE));
}

namespace {

std::int64_t stat_or_zero(const json::object& stats, std::string_view key) {
  const auto* v = stats.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : 0;
}

// The stats under `prefix`, by the rest of their key: {"404": 3, ...}.
json::object stats_under(const json::object& stats, std::string_view prefix) {
  json::object out;
  for (const auto& [key, value] : stats)
    if (key.size() > prefix.size() && std::string_view(key).starts_with(prefix))
      out[std::string_view(key).substr(prefix.size())] = value;
  return out;
}

std::string with_inlined(std::string_view report_json) {
  std::string page(resources::page_html);
  auto put = [&page](std::string_view marker, std::string_view text) {
    if (auto at = page.find(marker); at != std::string::npos) page.replace(at, marker.size(), text);
  };
  put("/*ORBWEAVER_UPLOT_CSS*/", resources::uplot_css);
  put("/*ORBWEAVER_UPLOT_JS*/", resources::uplot_js);
  put("/*ORBWEAVER_REPORT*/", report_json);
  return page;
}

}  // namespace

json::object stats_json(const crawl_numbers& numbers, const rate_series& series, std::int64_t rss_bytes) {
  json::array slots;
  for (const auto& s : numbers.slots)
    slots.push_back(json::object{{"slot", s.key}, {"queued", s.queued}, {"in_flight", s.in_flight},
                                 {"delay_seconds", s.delay_seconds}});
  json::array errors;
  for (const auto& line : numbers.last_errors) errors.push_back(json::string(line));
  return {
      {"pages", stat_or_zero(numbers.stats, "downloader/response_count")},
      {"items", stat_or_zero(numbers.stats, "item_scraped_count")},
      {"elapsed_seconds", numbers.elapsed_seconds},
      {"memory_rss_bytes", rss_bytes},
      {"frontier", numbers.frontier},
      {"in_flight", numbers.in_flight},
      {"status_codes", stats_under(numbers.stats, "downloader/response_status_count/")},
      {"errors_by_kind", stats_under(numbers.stats, "downloader/exception_type_count/")},
      {"slots", std::move(slots)},
      {"series", series.to_json()},
      {"last_errors", std::move(errors)},
      {"finished", numbers.finished},
      {"stats", numbers.stats},
  };
}

std::string live_page() { return with_inlined("null"); }

std::string report_page(const json::object& numbers) {
  // "</script>" inside a string would end the inline script: JSON allows "<\/" for "</".
  std::string text = json::serialize(numbers);
  std::string escaped;
  escaped.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    escaped += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') escaped += '\\';
  }
  return with_inlined(escaped);
}

bool has_charts() { return !resources::uplot_js.empty(); }

}  // namespace orbweaver::dashboard
