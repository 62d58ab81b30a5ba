#pragma once
// Registered middlewares and pipelines, and the ordered, configured lists built from them once at
// the start of a crawl. A built-in's priority comes from its registration (builtin_components.hpp),
// a user's component has none; the DOWNLOADER_MIDDLEWARES / SPIDER_MIDDLEWARES / ITEM_PIPELINES
// settings ("name=priority,name=off") set, move or disable them.
#include <orbweaver/middleware.hpp>
#include <orbweaver/pipeline.hpp>
#include <orbweaver/settings.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace orbweaver {

class crawler;

template <class Component>
struct ordered_component {
  std::string name;
  int priority;
  std::unique_ptr<Component> instance;
};

template <class Component>
using component_list = std::vector<ordered_component<Component>>;

// A registered component: built-ins have a default priority, a user's components none (off until
// the setting names them).
struct registered_component {
  std::string name;
  std::optional<int> default_priority;
};

// An enabled component and its priority.
struct component_order_entry {
  std::string name;
  int priority;
};

// Pure ordering logic, tested without a crawl: apply overrides, drop "off" entries and components
// without a priority, sort by priority (ties by name so the order never depends on link order).
// Throws settings_error when an override names a component that is not registered.
std::vector<component_order_entry> order_components(const std::vector<registered_component>& registered,
                                                    const settings& s, std::string_view setting_name);

// Instantiate, open and order the enabled components; ones whose open() returns false are left out.
component_list<downloader_middleware> build_downloader_middlewares(crawler& c);
component_list<spider_middleware> build_spider_middlewares(crawler& c);
component_list<item_pipeline> build_pipelines(crawler& c);

}  // namespace orbweaver
