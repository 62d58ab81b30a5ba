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
  // requested (mailto:, javascript:, malformed) are skipped and counted. The callback is a
  // method of the spider (parse() when none is given), then an errback if any, then the
  // request's other members in one line (request_options, request.hpp):
  //   out.follow(href, &books::parse_book);
  //   out.follow(href, &books::parse_page, &books::on_error, {.cb_kwargs = {{"page", 2}}, .priority = 1});
  void follow(std::string_view href, callback_fn cb = {}, request_options options = {}) {
    follow_request(href, request({}, std::move(cb), std::move(options)));
  }
  void follow(std::string_view href, request_options options) { follow_request(href, request({}, std::move(options))); }
  template <class S>
  void follow(std::string_view href, void (S::*cb)(const response&, output&), request_options options = {}) {
    follow_request(href, request({}, cb, std::move(options)));
  }
  template <class S, class E>
  void follow(std::string_view href, void (S::*cb)(const response&, output&), void (E::*eb)(const failure&, output&),
              request_options options = {}) {
    follow_request(href, request({}, cb, eb, std::move(options)));
  }

  // follow() for each href of a selection (an ::attr(href) or ::text one), with the same options.
  void follow_all(const selector_list& hrefs, callback_fn cb = {}, request_options options = {}) {
    follow_each(hrefs, request({}, std::move(cb), std::move(options)));
  }
  void follow_all(const selector_list& hrefs, request_options options) {
    follow_each(hrefs, request({}, std::move(options)));
  }
  template <class S>
  void follow_all(const selector_list& hrefs, void (S::*cb)(const response&, output&), request_options options = {}) {
    follow_each(hrefs, request({}, cb, std::move(options)));
  }
  template <class S, class E>
  void follow_all(const selector_list& hrefs, void (S::*cb)(const response&, output&),
                  void (E::*eb)(const failure&, output&), request_options options = {}) {
    follow_each(hrefs, request({}, cb, eb, std::move(options)));
  }

  std::vector<item>& items() { return items_; }
  std::vector<request>& requests() { return requests_; }
  // Why each link follow() could not request was refused (orbweaver::errc values).
  const std::vector<std::error_code>& unfollowable_links() const { return unfollowable_; }

 private:
  // Requests `prototype` (all but its URL) at href resolved against the response.
  void follow_request(std::string_view href, request prototype);
  void follow_each(const selector_list& hrefs, const request& prototype);

  const response* source_;
  std::vector<item> items_;
  std::vector<request> requests_;
  std::vector<std::error_code> unfollowable_;
};

}  // namespace orbweaver
