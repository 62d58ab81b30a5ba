#pragma once
// The scraper: runs spider middlewares, hands each response to the parse pool where the callback
// runs (gumbo parsing included), takes the results back on the reactor, sends items through the
// pipelines and returns the new requests to the engine. A callback that yields more than
// output::batch_size things has them passed on in batches while it runs: the pool thread waits
// until the reactor has taken each batch through the middlewares and pipelines to the engine
// (`requests_out`), so a callback never holds more than a batch. The reactor never waits for the
// pool. Its back-pressure is the bytes of the responses it holds, as Scrapy's
// SCRAPER_SLOT_MAX_ACTIVE_SIZE.
#include "download/downloader.hpp"
#include "engine/components.hpp"

#include <orbweaver/pipeline.hpp>
#include <orbweaver/response.hpp>

#include <boost/asio/thread_pool.hpp>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace orbweaver {

class crawler;

class scraper {
 public:
  // Takes a batch of requests a callback yielded while it still runs (on the reactor), with the
  // request whose callback it is and how many batches that callback has handed on with this one;
  // false stops the callback (the crawl is abandoning its work).
  using request_sink = std::function<bool(std::vector<request>, const request& origin, std::size_t batches)>;

  scraper(crawler& c, component_list<spider_middleware> spider_middlewares, component_list<item_pipeline> pipelines,
          request_sink requests_out);
  ~scraper();

  // A downloaded response: spider input hooks, then callback or errback, then output hooks.
  boost::asio::awaitable<std::vector<request>> process_response(response_ptr resp);
  // A failed download: the errback if the request has one, else one log line.
  boost::asio::awaitable<std::vector<request>> process_failure(const request& r, const download_failure& f);
  // Start requests pass the output hooks too (with no source response).
  boost::asio::awaitable<std::vector<request>> process_start_requests(std::vector<request> requests);

  // With a JOBDIR: how many batches a request's callback handed on before a crash; a callback run
  // again for it drops that many batches instead of handing them on twice.
  void skip_batches_handed_before(std::function<std::size_t(const request&)> handed) { handed_before_ = std::move(handed); }
  // True when no item is on its way through the pipelines (a JOBDIR checkpoint may be taken).
  bool quiet() const { return units_in_pipelines_ == 0; }

  bool needs_backout() const { return active_bytes_ > max_active_bytes_; }
  std::size_t active_bytes() const { return active_bytes_; }
  boost::asio::awaitable<void> close_pipelines();
  // Wait for callbacks still running on the pool (after the reactor stopped); a callback waiting
  // for its batch to be taken is stopped.
  void join_pool();

 private:
  struct callback_result;
  class batch_handoff;
  // `handler` names what runs in the error line if it throws: "callback 'parse_book'".
  boost::asio::awaitable<callback_result> run_on_pool(std::function<void(output&)> work, const response* source,
                                                      std::string handler, const request& origin);
  boost::asio::awaitable<std::vector<request>> handle_output(const response* source, callback_result result,
                                                             const request& origin);
  // A batch handed over while its callback runs: through handle_output, then to requests_out_.
  boost::asio::awaitable<bool> pass_on(const response* source, callback_result batch, const request& origin,
                                       std::size_t batches);
  // `source` is the response the item came from, null for an errback's (then `origin` names it).
  boost::asio::awaitable<void> process_item(item it, const response* source, const request& origin);

  crawler& crawler_;
  component_list<spider_middleware> spider_middlewares_;
  component_list<item_pipeline> pipelines_;
  request_sink requests_out_;
  boost::asio::thread_pool pool_;
  // Pool threads waiting for the reactor to take a batch wait here; join_pool() releases them.
  std::mutex handoff_mutex_;
  std::condition_variable handoff_done_;
  bool handoffs_abandoned_ = false;
  std::function<std::size_t(const request&)> handed_before_;
  std::size_t units_in_pipelines_ = 0;
  std::size_t active_bytes_ = 0;
  std::size_t max_active_bytes_;
};

}  // namespace orbweaver
