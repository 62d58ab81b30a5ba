#include "engine/components.hpp"

#include <gtest/gtest.h>

using namespace orbweaver;

namespace {

std::vector<std::string> names(const std::vector<component_order_entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.name + "=" + std::to_string(e.priority));
  return out;
}

// Built-ins with their default priorities, and a user's component, which has none.
const std::vector<registered_component> registered{{"user_agent", 500}, {"default_headers", 400},
                                                   {"http_compression", 590}, {"custom", 400},
                                                   {"users_own", std::nullopt}};

}  // namespace

TEST(ComponentOrder, AscendingPriorityTiesByName) {
  settings s;
  EXPECT_EQ(names(order_components(registered, s, "DOWNLOADER_MIDDLEWARES")),
            (std::vector<std::string>{"custom=400", "default_headers=400", "user_agent=500", "http_compression=590"}));
}

TEST(ComponentOrder, SettingsMoveAndDisable) {
  settings s;
  s.set("DOWNLOADER_MIDDLEWARES", "custom=999,user_agent=off", setting_priority::command_line);
  EXPECT_EQ(names(order_components(registered, s, "DOWNLOADER_MIDDLEWARES")),
            (std::vector<std::string>{"default_headers=400", "http_compression=590", "custom=999"}));
}

TEST(ComponentOrder, UnknownNameIsAnError) {
  settings s;
  s.set("DOWNLOADER_MIDDLEWARES", "no_such_thing=10", setting_priority::command_line);
  EXPECT_THROW(order_components(registered, s, "DOWNLOADER_MIDDLEWARES"), settings_error);
}

TEST(ComponentOrder, UsersComponentIsOffUntilTheSettingNamesIt) {
  settings s;
  EXPECT_EQ(names(order_components(registered, s, "DOWNLOADER_MIDDLEWARES")),
            (std::vector<std::string>{"custom=400", "default_headers=400", "user_agent=500", "http_compression=590"}));

  s.set("DOWNLOADER_MIDDLEWARES", "users_own=450", setting_priority::spider);
  EXPECT_EQ(names(order_components(registered, s, "DOWNLOADER_MIDDLEWARES")),
            (std::vector<std::string>{"custom=400", "default_headers=400", "users_own=450", "user_agent=500",
                                      "http_compression=590"}));

  s.set("DOWNLOADER_MIDDLEWARES", "users_own=off", setting_priority::command_line);
  EXPECT_EQ(order_components(registered, s, "DOWNLOADER_MIDDLEWARES").size(), 4u);
}
