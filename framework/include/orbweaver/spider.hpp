#pragma once
// The class a user subclasses. Callbacks run on the parse pool, several at once: state a spider
// shares between callbacks must be made thread-safe by the spider (atomics, a mutex); name,
// start_urls and args are read-only once the crawl starts.
#include <orbweaver/output.hpp>
#include <orbweaver/request.hpp>
#include <orbweaver/response.hpp>
#include <orbweaver/settings.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

namespace orbweaver {

// A spider's key/value state that outlives the process with a JOBDIR (Scrapy's `self.state`):
// saved at every checkpoint of the JOBDIR and given back when the crawl resumes. Callbacks run
// several at once, so every access takes a lock; update() changes a value in one step:
//   state().update("pages", [](json::value& v) { v = v.is_int64() ? v.as_int64() + 1 : 1; });
//   auto pages = state().get("pages");  // null when absent
// A change made by a callback whose request is redone after a crash (its outputs were not yet
// committed) is made again: count things in items, not in the state, when they must be exact.
class spider_state {
 public:
  json::value get(std::string_view key) const;
  void set(std::string_view key, json::value value);
  void update(std::string_view key, const std::function<void(json::value&)>& change);
  json::object snapshot() const;
  void replace(json::object values);

 private:
  mutable std::mutex mutex_;
  json::object values_;
};

class spider {
 public:
  virtual ~spider() = default;

  std::string name;
  std::vector<std::string> allowed_domains;  // empty: every domain is allowed
  std::vector<std::string> start_urls;
  // Settings of this spider, applied above the project's and below the command line's.
  std::map<std::string, std::string> custom_settings;
  // -a NAME=VALUE arguments from the command line, set before init().
  std::map<std::string, std::string> args;

  // Called once the arguments are set, before the start requests (Scrapy's __init__(**kwargs)).
  virtual void init() {}
  // Called once the crawl's settings are final (custom_settings applied), after init() and before
  // the start requests (Scrapy's from_crawler): a spider reads the settings it depends on here.
  // An exception stops the crawl before any request, with its message.
  virtual void configure(const settings&) {}
  // Default: a GET of each start URL to parse(), not filtered as duplicates.
  virtual std::vector<request> start_requests();
  // The default callback. Throws std::logic_error unless overridden.
  virtual void parse(const response& r, output& out);

  // An argument, or the fallback when it was not given.
  std::string arg(const std::string& key, std::string fallback = {}) const;

  // Kept across runs of a crawl with a JOBDIR (see spider_state); empty at the start otherwise.
  spider_state& state() { return state_; }

  // The settings of the crawl running this spider (Scrapy's spider.settings), custom_settings
  // applied, readable from callbacks; every default outside a crawl. configure() is where a
  // spider checks them before any request.
  const settings& crawl_settings() const;

 private:
  friend class crawler;
  spider_state state_;
  const settings* crawl_settings_ = nullptr;
};

using spider_factory = std::function<std::unique_ptr<spider>()>;

// Spiders compiled into the launcher register themselves by name (see ORBWEAVER_SPIDER).
// `declared_at` ("spiders/books.cpp:36") names the registration in messages.
void register_spider(spider_factory factory, std::string declared_at = {});
std::unique_ptr<spider> create_spider(std::string_view name);  // nullptr when unknown
std::vector<std::string> spider_names();                        // sorted

// Registered spiders that cannot be told apart by name: two classes (or one registered twice)
// with the same name, a spider with no name. Registration happens during static initialisation,
// too early to report anything; the launcher calls check_spider_names() first, so every command
// of a program with such spiders exits 1 naming both places.
struct spider_name_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
void check_spider_names();

// Named callbacks and errbacks of a spider's class, as ORBWEAVER_SPIDER(cls, method...) declared
// them; "parse" is always a callback. nullopt for a name that was not declared.
std::optional<callback_fn> spider_callback(const spider& s, std::string_view name);
std::optional<errback_fn> spider_errback(const spider& s, std::string_view name);
std::vector<std::string> callback_names(const spider& s);  // sorted, "parse" included
std::vector<std::string> errback_names(const spider& s);   // sorted

namespace detail {
// One method named in ORBWEAVER_SPIDER: a callback or an errback.
struct named_member {
  std::string name;
  member_key key;
  callback_fn callback;
  errback_fn errback;
};
template <class S>
named_member name_member(const char* name, void (S::*cb)(const response&, output&)) {
  return {name, key_of(typeid(S), cb), bind_callback(cb), {}};
}
template <class S>
named_member name_member(const char* name, void (S::*eb)(const failure&, output&)) {
  return {name, key_of(typeid(S), eb), {}, bind_errback(eb)};
}
void register_spider_class(std::type_index cls, spider_factory factory, std::vector<named_member> members,
                           const char* file, int line);

template <class S>
struct spider_registration {
  spider_registration(std::vector<named_member> members, const char* file, int line) {
    static_assert(std::is_base_of_v<spider, S>, "ORBWEAVER_SPIDER names a class derived from orbweaver::spider");
    members.push_back(name_member<S>("parse", static_cast<void (S::*)(const response&, output&)>(&S::parse)));
    // The callbacks of a framework base class (sitemap_spider's parse_sitemap), named for each subclass.
    if constexpr (requires { S::framework_callbacks(); })
      for (auto& m : S::framework_callbacks()) members.push_back(std::move(m));
    register_spider_class(typeid(S), [] { return std::unique_ptr<spider>(std::make_unique<S>()); },
                          std::move(members), file, line);
  }
};
}  // namespace detail

}  // namespace orbweaver

#define ORBWEAVER_CONCAT_INNER(a, b) a##b
#define ORBWEAVER_CONCAT(a, b) ORBWEAVER_CONCAT_INNER(a, b)

// Calls macro(cls, x) for each further argument (up to 256), in order.
#define ORBWEAVER_FOR_EACH(macro, cls, ...) \
  __VA_OPT__(ORBWEAVER_EXPAND(ORBWEAVER_FOR_EACH_STEP(macro, cls, __VA_ARGS__)))
#define ORBWEAVER_FOR_EACH_STEP(macro, cls, first, ...) \
  macro(cls, first) __VA_OPT__(ORBWEAVER_FOR_EACH_AGAIN ORBWEAVER_PARENS(macro, cls, __VA_ARGS__))
#define ORBWEAVER_FOR_EACH_AGAIN() ORBWEAVER_FOR_EACH_STEP
#define ORBWEAVER_PARENS ()
#define ORBWEAVER_EXPAND(...) ORBWEAVER_EXPAND3(ORBWEAVER_EXPAND3(ORBWEAVER_EXPAND3(ORBWEAVER_EXPAND3(__VA_ARGS__))))
#define ORBWEAVER_EXPAND3(...) ORBWEAVER_EXPAND2(ORBWEAVER_EXPAND2(ORBWEAVER_EXPAND2(ORBWEAVER_EXPAND2(__VA_ARGS__))))
#define ORBWEAVER_EXPAND2(...) ORBWEAVER_EXPAND1(ORBWEAVER_EXPAND1(ORBWEAVER_EXPAND1(ORBWEAVER_EXPAND1(__VA_ARGS__))))
#define ORBWEAVER_EXPAND1(...) __VA_ARGS__
#define ORBWEAVER_NAME_MEMBER(cls, method) ::orbweaver::detail::name_member<cls>(#method, &cls::method),

// Register a spider class (default-constructible; its constructor sets `name`) and name the
// methods that serve as its callbacks and errbacks, so that requests can refer to them by name:
//   ORBWEAVER_SPIDER(books_spider, parse_book, on_error);
// parse() is always named "parse".
#define ORBWEAVER_SPIDER(cls, ...)                                                         \
  static const ::orbweaver::detail::spider_registration<cls> ORBWEAVER_CONCAT(            \
      orbweaver_spider_registration_, __LINE__) {                                          \
    std::vector<::orbweaver::detail::named_member>{                                        \
        ORBWEAVER_FOR_EACH(ORBWEAVER_NAME_MEMBER, cls, __VA_ARGS__)},                      \
        __FILE__, __LINE__                                                                 \
  }
