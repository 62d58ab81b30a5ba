#include "engine/close_conditions.hpp"

namespace orbweaver {

close_conditions close_conditions::from(const settings& s) {
  close_conditions c;
  c.item_count = s.get_int("CLOSESPIDER_ITEMCOUNT");
  c.page_count = s.get_int("CLOSESPIDER_PAGECOUNT");
  c.error_count = s.get_int("CLOSESPIDER_ERRORCOUNT");
  c.timeout = std::chrono::duration<double>(s.get_double("CLOSESPIDER_TIMEOUT"));
  return c;
}

std::optional<std::string> close_conditions::reached(const stats_collector& stats) const {
  if (item_count > 0 && stats.get("item_scraped_count") >= item_count) return "closespider_itemcount";
  if (page_count > 0 && stats.get("downloader/response_count") >= page_count) return "closespider_pagecount";
  if (error_count > 0 && stats.get("spider_exceptions/count") >= error_count) return "closespider_errorcount";
  return std::nullopt;
}

}  // namespace orbweaver
