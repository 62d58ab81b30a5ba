#include <orbweaver/spider.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace orbweaver {
namespace {

struct registered_spider {
  spider_factory factory;
  std::string declared_at;  // "spiders/books.cpp:36"; empty when not known
};

std::vector<registered_spider>& registered_spiders() {
  static std::vector<registered_spider> spiders;
  return spiders;
}

// A source file as the user knows it: relative to the current folder when it is inside it.
std::string shown_path(const char* file) {
  namespace fs = std::filesystem;
  const fs::path path(file);
  std::error_code ec;
  const fs::path here = fs::current_path(ec);
  if (ec || !path.is_absolute()) return file;
  const fs::path relative = path.lexically_relative(here);
  if (relative.empty() || *relative.begin() == "..") return file;
  return relative.string();
}

// Methods named by ORBWEAVER_SPIDER, by the class that named them. Written during static
// initialisation only, so callbacks on the pool read it without a lock.
std::map<std::type_index, std::vector<detail::named_member>>& named_members() {
  static std::map<std::type_index, std::vector<detail::named_member>> members;
  return members;
}

const detail::named_member* find_member(const spider& s, std::string_view name) {
  auto it = named_members().find(typeid(s));
  if (it == named_members().end()) return nullptr;
  for (const auto& m : it->second)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace

namespace detail {

void register_spider_class(std::type_index cls, spider_factory factory, std::vector<named_member> members,
                           const char* file, int line) {
  auto& named = named_members()[cls];
  for (auto& m : members) {
    auto same_name = [&](const named_member& other) { return other.name == m.name; };
    if (std::none_of(named.begin(), named.end(), same_name)) named.push_back(std::move(m));
  }
  register_spider(std::move(factory), fmt::format("{}:{}", shown_path(file), line));
}

std::string registered_name(const member_key& key) {
  const auto& all = named_members();
  if (auto it = all.find(key.owner); it != all.end())
    for (const auto& m : it->second)
      if (m.key.bytes == key.bytes) return m.name;
  // A method inherited from a base class is written &derived::m but has the base's type: accept
  // the one registration whose member pointer is the same, if it is the only one.
  const named_member* found = nullptr;
  for (const auto& [owner, members] : all)
    for (const auto& m : members)
      if (m.key.bytes == key.bytes) {
        if (found && found->name != m.name) return {};
        found = &m;
      }
  return found ? found->name : std::string{};
}

}  // namespace detail

std::optional<callback_fn> spider_callback(const spider& s, std::string_view name) {
  if (const auto* m = find_member(s, name); m && m->callback) return m->callback;
  if (name == "parse") return callback_fn([](spider& target, const response& r, output& out) { target.parse(r, out); });
  return std::nullopt;
}

std::optional<errback_fn> spider_errback(const spider& s, std::string_view name) {
  if (const auto* m = find_member(s, name); m && m->errback) return m->errback;
  return std::nullopt;
}

namespace {
std::vector<std::string> member_names(const spider& s, bool callbacks) {
  std::vector<std::string> names;
  if (auto it = named_members().find(typeid(s)); it != named_members().end())
    for (const auto& m : it->second)
      if (callbacks ? bool(m.callback) : bool(m.errback)) names.push_back(m.name);
  if (callbacks && std::find(names.begin(), names.end(), "parse") == names.end()) names.push_back("parse");
  std::sort(names.begin(), names.end());
  return names;
}
}  // namespace

std::vector<std::string> callback_names(const spider& s) { return member_names(s, true); }
std::vector<std::string> errback_names(const spider& s) { return member_names(s, false); }

std::vector<request> spider::start_requests() {
  std::vector<request> requests;
  requests.reserve(start_urls.size());
  for (const auto& u : start_urls) {
    request r(u);
    r.dont_filter = true;  // as Scrapy: a start URL is fetched even if it reappears
    requests.push_back(std::move(r));
  }
  return requests;
}

void spider::parse(const response&, output&) {
  throw std::logic_error("spider '" + name + "' has no parse() callback");
}

json::value spider_state::get(std::string_view key) const {
  std::lock_guard lock(mutex_);
  auto* v = values_.if_contains(key);
  return v ? *v : json::value();
}

void spider_state::set(std::string_view key, json::value value) {
  std::lock_guard lock(mutex_);
  values_[key] = std::move(value);
}

void spider_state::update(std::string_view key, const std::function<void(json::value&)>& change) {
  std::lock_guard lock(mutex_);
  change(values_[key]);
}

json::object spider_state::snapshot() const {
  std::lock_guard lock(mutex_);
  return values_;
}

void spider_state::replace(json::object values) {
  std::lock_guard lock(mutex_);
  values_ = std::move(values);
}

std::string spider::arg(const std::string& key, std::string fallback) const {
  auto it = args.find(key);
  return it == args.end() ? std::move(fallback) : it->second;
}

const settings& spider::crawl_settings() const {
  static const settings defaults;
  return crawl_settings_ ? *crawl_settings_ : defaults;
}

void register_spider(spider_factory factory, std::string declared_at) {
  registered_spiders().push_back({std::move(factory), std::move(declared_at)});
}

std::unique_ptr<spider> create_spider(std::string_view name) {
  for (const auto& registered : registered_spiders()) {
    auto s = registered.factory();
    if (s && s->name == name) return s;
  }
  return nullptr;
}

std::vector<std::string> spider_names() {
  std::vector<std::string> names;
  for (const auto& registered : registered_spiders())
    if (auto s = registered.factory()) names.push_back(s->name);
  std::sort(names.begin(), names.end());
  return names;
}

void check_spider_names() {
  std::vector<std::string> problems;
  std::map<std::string, std::string, std::less<>> first_place;  // name -> where it was declared first
  for (const auto& registered : registered_spiders()) {
    const std::string place = registered.declared_at.empty() ? "an unknown place" : registered.declared_at;
    std::unique_ptr<spider> s;
    try {
      s = registered.factory();
    } catch (const std::exception& e) {
      problems.push_back(fmt::format("the spider declared at {} cannot be created: {}", place, e.what()));
      continue;
    }
    if (!s) continue;
    if (s->name.empty()) {
      problems.push_back(fmt::format("the spider declared at {} has no name (set `name` in its constructor)", place));
      continue;
    }
    if (auto [it, first] = first_place.emplace(s->name, place); !first)
      problems.push_back(fmt::format("spider name \"{}\" is declared twice: {} and {}", s->name, it->second, place));
  }
  if (problems.empty()) return;
  std::string message;
  for (const auto& problem : problems) message += (message.empty() ? "" : "; ") + problem;
  throw spider_name_error(message);
}

}  // namespace orbweaver
