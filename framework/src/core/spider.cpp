#include <orbweaver/spider.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace orbweaver {
namespace {

std::vector<spider_factory>& spider_factories() {
  static std::vector<spider_factory> factories;
  return factories;
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

void register_spider_class(std::type_index cls, spider_factory factory, std::vector<named_member> members) {
  auto& named = named_members()[cls];
  for (auto& m : members) {
    auto same_name = [&](const named_member& other) { return other.name == m.name; };
    if (std::none_of(named.begin(), named.end(), same_name)) named.push_back(std::move(m));
  }
  register_spider(std::move(factory));
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

std::string spider::arg(const std::string& key, std::string fallback) const {
  auto it = args.find(key);
  return it == args.end() ? std::move(fallback) : it->second;
}

void register_spider(spider_factory factory) { spider_factories().push_back(std::move(factory)); }

std::unique_ptr<spider> create_spider(std::string_view name) {
  for (const auto& factory : spider_factories()) {
    auto s = factory();
    if (s && s->name == name) return s;
  }
  return nullptr;
}

std::vector<std::string> spider_names() {
  std::vector<std::string> names;
  for (const auto& factory : spider_factories()) names.push_back(factory()->name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace orbweaver
