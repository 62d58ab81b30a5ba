#pragma once
// Where a callback puts what it yields (Scrapy's `yield`): items and new requests. An output
// belongs to one callback invocation. In a crawl, the engine takes its contents in batches while
// the callback runs (every output::batch_size yields; emit() or follow() then returns once the
// batch has gone through the spider middlewares and pipelines to the scheduler), so a callback
// may yield millions of requests without holding them, as a Python generator consumed lazily.
// Items and requests keep their yield order; an output of one's own (no sink) keeps everything.
#include <orbweaver/item.hpp>
#include <orbweaver/request.hpp>
#include <orbweaver/selector.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace orbweaver {

class response;
class output;

// Where an output hands its contents while the callback still runs (the engine's): take() moves
// items(), requests() and unfollowable_links() on and returns when they have been taken. It may
// throw to stop the callback (the crawl is being abandoned).
class output_sink {
 public:
  virtual void take(output& out) = 0;

 protected:
  ~output_sink() = default;
};

class output {
 public:
  explicit output(const response* source = nullptr, output_sink* sink = nullptr) : source_(source), sink_(sink) {}

  // Yields (items and requests together) that make a batch for the sink.
  static constexpr std::size_t batch_size = 1000;

  void emit(item it) {
    items_.push_back(std::move(it));
    hand_over_when_full();
  }
  void emit(request r) {
    requests_.push_back(std::move(r));
    hand_over_when_full();
  }

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

  // Adds to a statistic of the crawl (Scrapy's crawler.stats.inc_value from a spider): callbacks
  // never touch the stats themselves, the engine adds these when it takes the output.
  void inc_stat(std::string key, std::int64_t by = 1) { stat_increments_.emplace_back(std::move(key), by); }

  // What was yielded and not yet handed to the sink (everything, without a sink).
  std::vector<item>& items() { return items_; }
  std::vector<request>& requests() { return requests_; }
  // Why each link follow() could not request was refused (orbweaver::errc values).
  const std::vector<std::error_code>& unfollowable_links() const { return unfollowable_; }
  std::vector<std::error_code>& unfollowable_links() { return unfollowable_; }
  std::vector<std::pair<std::string, std::int64_t>>& stat_increments() { return stat_increments_; }

 private:
  void hand_over_when_full() {
    if (sink_ && items_.size() + requests_.size() >= batch_size) sink_->take(*this);
  }
  // Requests `prototype` (all but its URL) at href resolved against the response.
  void follow_request(std::string_view href, request prototype);
  void follow_each(const selector_list& hrefs, const request& prototype);

  const response* source_;
  output_sink* sink_;
  std::vector<item> items_;
  std::vector<request> requests_;
  std::vector<std::error_code> unfollowable_;
  std::vector<std::pair<std::string, std::int64_t>> stat_increments_;
};

}  // namespace orbweaver
