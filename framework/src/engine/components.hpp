#pragma once
// Registered middlewares and pipelines, and the ordered, configured lists built from them once at
// the start of a crawl. A component's priority comes from its registration, overridden by the
// DOWNLOADER_MIDDLEWARES / SPIDER_MIDDLEWARES / ITEM_PIPELINES settings ("name=priority,name=off").
#include <orbweaver/middleware.hpp>
#include <orbweaver/pipeline.hpp>
#include <orbweaver/settings.hpp>

#include <functional>
#include <memory>
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

// A registration's name and default priority, in the order of ascending priority after overrides.
struct component_order_entry {
  std::string name;
  int priority;
};

// Pure ordering logic, tested without a crawl: apply overrides, drop "off" entries, sort by
// priority (ties by name so the order never depends on link order). Throws settings_error when an
// override names a component that is not registered.
std::vector<component_order_entry> order_components(std::vector<component_order_entry> registered,
                                                    const settings& s, std::string_view setting_name);

// Instantiate, open and order the enabled components; ones whose open() returns false are left out.
component_list<downloader_middleware> build_downloader_middlewares(crawler& c);
component_list<spider_middleware> build_spider_middlewares(crawler& c);
component_list<item_pipeline> build_pipelines(crawler& c);

}  // namespace orbweaver
