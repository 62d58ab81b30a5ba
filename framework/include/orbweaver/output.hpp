#pragma once
// Where a callback puts what it yields (Scrapy's `yield`): items and new requests. An output
// belongs to one callback invocation; the engine takes its contents back on the reactor.
#include <orbweaver/item.hpp>
#include <orbweaver/request.hpp>
#include <orbweaver/selector.hpp>

#include <string_view>
#include <system_error>
#include <vector>

namespace orbweaver {

class response;

class output {
 public:
  explicit output(const response* source = nullptr) : source_(source) {}

  void emit(item it) { items_.push_back(std::move(it)); }
  void emit(request r) { requests_.push_back(std::move(r)); }

  // Resolve href against the response being parsed and request it; links that cannot be
  // requested (mailto:, javascript:, malformed) are skipped and counted.
  void follow(std::string_view href, callback_fn cb = {});
  template <class S>
  void follow(std::string_view href, void (S::*cb)(const response&, output&)) {
    follow_named(href, bind_callback(cb), detail::registered_name(detail::key_of(typeid(S), cb)));
  }
  void follow_all(const selector_list& hrefs, callback_fn cb = {});
  template <class S>
  void follow_all(const selector_list& hrefs, void (S::*cb)(const response&, output&)) {
    const auto name = detail::registered_name(detail::key_of(typeid(S), cb));
    const auto bound = bind_callback(cb);
    for (const auto& href : hrefs) follow_named(href.get(), bound, name);
  }

  std::vector<item>& items() { return items_; }
  std::vector<request>& requests() { return requests_; }
  // Why each link follow() could not request was refused (orbweaver::errc values).
  const std::vector<std::error_code>& unfollowable_links() const { return unfollowable_; }

 private:
  void follow_named(std::string_view href, callback_fn cb, std::string callback_name);

  const response* source_;
  std::vector<item> items_;
  std::vector<request> requests_;
  std::vector<std::error_code> unfollowable_;
};

}  // namespace orbweaver
