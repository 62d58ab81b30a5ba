#include "engine/components.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>

#include <algorithm>
#include <map>

namespace orbweaver {
namespace {

template <class Factory>
struct registration {
  std::string name;
  std::optional<int> default_priority;
  Factory factory;
};

template <class Factory>
std::vector<registration<Factory>>& registrations() {
  static std::vector<registration<Factory>> list;
  return list;
}

template <class Component, class Factory>
component_list<Component> build(crawler& c, std::string_view setting_name, std::string_view kind) {
  const auto& regs = registrations<Factory>();
  std::vector<registered_component> entries;
  for (const auto& r : regs) entries.push_back({r.name, r.default_priority});
  component_list<Component> built;
  for (const auto& entry : order_components(entries, c.config(), setting_name)) {
    auto it = std::find_if(regs.begin(), regs.end(), [&](const auto& r) { return r.name == entry.name; });
    auto instance = it->factory();
    if (!instance->open(c)) {
      log::debug("engine", "{} {} not enabled", kind, entry.name);
      continue;
    }
    built.push_back({entry.name, entry.priority, std::move(instance)});
  }
  std::string names;
  for (const auto& b : built) names += fmt::format("{}{}={}", names.empty() ? "" : ", ", b.name, b.priority);
  log::info("engine", "Enabled {}s: [{}]", kind, names);
  return built;
}

}  // namespace

std::vector<component_order_entry> order_components(const std::vector<registered_component>& registered,
                                                    const settings& s, std::string_view setting_name) {
  std::vector<std::string> disabled;
  auto overrides = s.get_priorities(setting_name, &disabled);
  auto known = [&](const std::string& name) {
    return std::any_of(registered.begin(), registered.end(), [&](const auto& e) { return e.name == name; });
  };
  for (const auto& [name, priority] : overrides)
    if (!known(name)) throw settings_error(fmt::format("{}: no component named '{}'", setting_name, name));
  for (const auto& name : disabled)
    if (!known(name)) throw settings_error(fmt::format("{}: no component named '{}'", setting_name, name));

  std::vector<component_order_entry> ordered;
  for (const auto& e : registered) {
    if (std::find(disabled.begin(), disabled.end(), e.name) != disabled.end()) continue;
    auto priority = e.default_priority;
    if (auto it = overrides.find(e.name); it != overrides.end()) priority = it->second;
    if (priority) ordered.push_back({e.name, *priority});
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
  });
  return ordered;
}

void register_downloader_middleware(std::string name, downloader_middleware_factory f) {
  registrations<downloader_middleware_factory>().push_back({std::move(name), std::nullopt, std::move(f)});
}
void register_spider_middleware(std::string name, spider_middleware_factory f) {
  registrations<spider_middleware_factory>().push_back({std::move(name), std::nullopt, std::move(f)});
}
void register_pipeline(std::string name, pipeline_factory f) {
  registrations<pipeline_factory>().push_back({std::move(name), std::nullopt, std::move(f)});
}
void register_builtin_downloader_middleware(std::string name, int priority, downloader_middleware_factory f) {
  registrations<downloader_middleware_factory>().push_back({std::move(name), priority, std::move(f)});
}
void register_builtin_spider_middleware(std::string name, int priority, spider_middleware_factory f) {
  registrations<spider_middleware_factory>().push_back({std::move(name), priority, std::move(f)});
}
void register_builtin_pipeline(std::string name, int priority, pipeline_factory f) {
  registrations<pipeline_factory>().push_back({std::move(name), priority, std::move(f)});
}

component_list<downloader_middleware> build_downloader_middlewares(crawler& c) {
  return build<downloader_middleware, downloader_middleware_factory>(c, "DOWNLOADER_MIDDLEWARES",
                                                                     "downloader middleware");
}
component_list<spider_middleware> build_spider_middlewares(crawler& c) {
  return build<spider_middleware, spider_middleware_factory>(c, "SPIDER_MIDDLEWARES", "spider middleware");
}
component_list<item_pipeline> build_pipelines(crawler& c) {
  return build<item_pipeline, pipeline_factory>(c, "ITEM_PIPELINES", "item pipeline");
}

}  // namespace orbweaver
