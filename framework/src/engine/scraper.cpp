#include "engine/scraper.hpp"

#include "core/exception_text.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <thread>
#include <utility>

namespace orbweaver {

namespace asio = boost::asio;

struct scraper::callback_result {
  std::vector<request> requests;
  std::vector<item> items;
  std::vector<std::error_code> unfollowable_links;
  std::vector<std::pair<std::string, std::int64_t>> stat_increments;
  std::string handler;         // "callback 'parse_book'", for the error line
  std::string exception_type;  // empty when the callback returned normally
  std::string exception_message;
};

namespace {

constexpr std::size_t min_response_size = 1024;  // a tiny response still occupies the scraper

std::size_t pool_size(const settings& s) {
  auto n = s.get_int("PARSE_THREADS");
  if (n > 0) return static_cast<std::size_t>(n);
  return std::max(1u, std::thread::hardware_concurrency());
}

// How the error line names the method that ran: callback 'parse_book', errback 'on_error'.
std::string callback_description(const request& r) {
  if (!r.callback) return "callback 'parse'";
  return r.callback_name.empty() ? "an unnamed callback" : fmt::format("callback '{}'", r.callback_name);
}
std::string errback_description(const request& r) {
  return r.errback_name.empty() ? "an unnamed errback" : fmt::format("errback '{}'", r.errback_name);
}

// Thrown out of emit() or follow() in a callback whose batch will not be taken (the crawl abandons
// its work, or the reactor has stopped): it ends the callback without being its error. Not a
// std::exception, so a callback's own `catch (const std::exception&)` lets it through.
struct output_abandoned {};

// Keeps a count of the scraper's right whichever way processing leaves (bytes, units).
struct held_count {
  held_count(std::size_t& total, std::size_t n) : total_(total), n_(n) { total_ += n_; }
  ~held_count() { total_ -= n_; }
  std::size_t& total_;
  std::size_t n_;
};

}  // namespace

// The sink of a callback's output on the pool: each batch goes to the reactor (pass_on), and the
// pool thread waits until it has been taken, which bounds what a callback holds to one batch.
class scraper::batch_handoff final : public output_sink {
 public:
  batch_handoff(scraper& owner, asio::any_io_executor reactor, const response* source, const request& origin,
                std::size_t skip)
      : owner_(owner), reactor_(std::move(reactor)), source_(source), origin_(origin), skip_(skip) {}

  void take(output& out) override {
    if (++batches_ <= skip_) {
      // Handed on by the run of this callback that a crash interrupted.
      out.requests().clear();
      out.items().clear();
      out.unfollowable_links().clear();
      out.stat_increments().clear();
      return;
    }
    callback_result batch;
    batch.requests = std::exchange(out.requests(), {});
    batch.items = std::exchange(out.items(), {});
    batch.unfollowable_links = std::exchange(out.unfollowable_links(), {});
    batch.stat_increments = std::exchange(out.stat_increments(), {});
    // Shared with the completion, which may outlive this wait when join_pool() releases it.
    struct taken {
      bool done = false;
      bool keep_going = true;
    };
    auto state = std::make_shared<taken>();
    auto passing = owner_.pass_on(source_, std::move(batch), origin_, batches_);
    auto completion = [&owner = owner_, state](std::exception_ptr failed, bool keep_going) {
      if (failed) log_unexpected(failed);
      {
        std::lock_guard lock(owner.handoff_mutex_);
        state->done = true;
        state->keep_going = failed || keep_going;
      }
      owner.handoff_done_.notify_all();
    };
    asio::co_spawn(reactor_, std::move(passing), std::move(completion));
    std::unique_lock lock(owner_.handoff_mutex_);
    owner_.handoff_done_.wait(lock, [&] { return state->done || owner_.handoffs_abandoned_; });
    if (!state->done || !state->keep_going) throw output_abandoned{};
  }

 private:
  static void log_unexpected(std::exception_ptr failed) {
    try {
      std::rethrow_exception(failed);
    } catch (const std::exception& e) {
      log::error("scraper", "Unexpected error passing on a callback's output: {}", e.what());
    } catch (...) {
      log::error("scraper", "Unexpected error passing on a callback's output: a non-standard exception");
    }
  }

  scraper& owner_;
  asio::any_io_executor reactor_;
  const response* source_;
  const request& origin_;
  std::size_t skip_;
  std::size_t batches_ = 0;
};

scraper::scraper(crawler& c, component_list<spider_middleware> spider_middlewares,
                 component_list<item_pipeline> pipelines, request_sink requests_out)
    : crawler_(c),
      spider_middlewares_(std::move(spider_middlewares)),
      pipelines_(std::move(pipelines)),
      requests_out_(std::move(requests_out)),
      pool_(pool_size(c.config())),
      max_active_bytes_(static_cast<std::size_t>(std::max<long long>(1, c.config().get_int("SCRAPER_SLOT_MAX_ACTIVE_SIZE")))) {}

scraper::~scraper() { join_pool(); }

void scraper::join_pool() {
  {
    std::lock_guard lock(handoff_mutex_);
    handoffs_abandoned_ = true;
  }
  handoff_done_.notify_all();
  pool_.stop();
  pool_.join();
}

asio::awaitable<scraper::callback_result> scraper::run_on_pool(std::function<void(output&)> work,
                                                               const response* source, std::string handler,
                                                               const request& origin) {
  // The callback runs on a pool thread; the co_await resumes on the reactor with its results.
  // Lambdas are named locals, never temporaries inside a co_await expression: GCC 12 destroys
  // such temporaries twice (their captured response_ptr would be released early).
  auto reactor = co_await asio::this_coro::executor;
  std::size_t skip = handed_before_ ? handed_before_(origin) : 0;  // read here: the journal is the reactor's
  auto task = [this, work = std::move(work), source, handler = std::move(handler), reactor, &origin,
               skip]() -> asio::awaitable<callback_result> {
    callback_result result;
    result.handler = handler;
    batch_handoff handoff(*this, reactor, source, origin, skip);
    output out(source, &handoff);
    try {
      work(out);
    } catch (const output_abandoned&) {
      log::debug("scraper", "Stopped {} for <{} {}>: the crawl is abandoning its work", handler, origin.method,
                 origin.url);
    } catch (const std::exception& e) {
      result.exception_type = exception_type(e);
      result.exception_message = exception_message(e);
    } catch (...) {
      result.exception_type = "unknown";
      result.exception_message = "a non-standard exception";
    }
    result.requests = std::move(out.requests());
    result.items = std::move(out.items());
    result.unfollowable_links = std::move(out.unfollowable_links());
    result.stat_increments = std::move(out.stat_increments());
    co_return result;
  };
  co_return co_await asio::co_spawn(pool_.get_executor(), std::move(task), asio::use_awaitable);
}

asio::awaitable<bool> scraper::pass_on(const response* source, callback_result batch, const request& origin,
                                       std::size_t batches) {
  auto requests = co_await handle_output(source, std::move(batch), origin);
  co_return requests_out_(std::move(requests), origin, batches);
}

asio::awaitable<std::vector<request>> scraper::process_response(response_ptr resp) {
  held_count hold(active_bytes_, std::max(resp->body().size(), min_response_size));
  auto& target = crawler_.target();
  for (auto& mw : spider_middlewares_) {
    std::error_code refused;
    try {
      refused = co_await mw.instance->process_spider_input(*resp, target);
    } catch (const std::exception& e) {
      refused = errc::component_failed;
      log::error("scraper", "{}.process_spider_input raised: {}", mw.name, exception_message(e));
    }
    if (refused) {
      std::string message = refused == errc::http_error
                                ? fmt::format("Ignoring response <{} {}>: HTTP status code is not handled or not allowed",
                                              resp->status(), resp->url())
                                : fmt::format("{} refused <{} {}>: {}", mw.name, resp->status(), resp->url(),
                                              refused.message());
      if (!resp->req().errback) {
        log::info("scraper", "{}", message);
        co_return std::vector<request>{};
      }
      std::function<void(output&)> work = [&target, errback = resp->req().errback, resp, refused,
                                            message](output& out) {
        failure f{resp->req(), refused, message, resp.get()};
        errback(target, f, out);
      };
      auto result = co_await run_on_pool(std::move(work), resp.get(), errback_description(resp->req()), resp->req());
      co_return co_await handle_output(resp.get(), std::move(result), resp->req());
    }
  }

  std::function<void(output&)> work = [&target, resp](output& out) {
    if (const auto& callback = resp->req().callback)
      callback(target, *resp, out);
    else
      target.parse(*resp, out);
  };
  auto result = co_await run_on_pool(std::move(work), resp.get(), callback_description(resp->req()), resp->req());
  co_return co_await handle_output(resp.get(), std::move(result), resp->req());
}

asio::awaitable<std::vector<request>> scraper::process_failure(const request& r, const download_failure& f) {
  auto& stats = crawler_.stats();
  const auto retries = meta_int(r.meta, "retry_times").value_or(0);
  std::string message = fmt::format("Error downloading <{} {}>: {} ({}{})", r.method, r.url,
                                    f.detail.empty() ? f.error.message() : f.detail, error_name(f.error),
                                    retries > 0 ? fmt::format(", gave up after {} attempts", retries + 1) : "");
  if (!r.errback) {
    // Refusals by policy (Scrapy's IgnoreRequest) are counted by their middleware, not errors.
    if (f.error == errc::cancelled || f.error == errc::robots_blocked || f.error == errc::offsite ||
        f.error == errc::not_cached) {
      log::debug("scraper", "{}", message);
    } else {
      log::error("scraper", "{}", message);
      stats.inc("log_count/failed_requests");
    }
    co_return std::vector<request>{};
  }
  auto& target = crawler_.target();
  std::function<void(output&)> work = [&target, &r, f, message](output& out) {
    failure fail{r, f.error, message, nullptr};
    r.errback(target, fail, out);
  };
  auto result = co_await run_on_pool(std::move(work), nullptr, errback_description(r), r);
  co_return co_await handle_output(nullptr, std::move(result), r);
}

asio::awaitable<std::vector<request>> scraper::process_start_requests(std::vector<request> requests) {
  std::vector<item> no_items;
  auto& target = crawler_.target();
  for (auto mw = spider_middlewares_.rbegin(); mw != spider_middlewares_.rend(); ++mw) {
    try {
      co_await mw->instance->process_spider_output(nullptr, requests, no_items, target);
    } catch (const std::exception& e) {
      log::error("scraper", "{}.process_spider_output raised on start requests: {}", mw->name, exception_message(e));
    }
  }
  co_return requests;
}

asio::awaitable<std::vector<request>> scraper::handle_output(const response* source, callback_result result,
                                                             const request& origin) {
  auto& stats = crawler_.stats();
  auto& target = crawler_.target();
  for (const auto& why : result.unfollowable_links) {
    stats.inc("spider/unfollowable_links");
    stats.inc("spider/unfollowable_links/" + error_name(why));
  }
  for (const auto& [key, by] : result.stat_increments) stats.inc(key, by);
  if (!result.exception_type.empty()) {
    stats.inc("spider_exceptions/count");
    stats.inc("spider_exceptions/" + result.exception_type);
    // Scrapy's line, and which spider and method failed: the request may have been made anywhere.
    const auto referer = origin.headers.get("Referer");
    log::error("scraper", "Spider error processing <{} {}> (referer: {}) in spider '{}', {}: {}: {}", origin.method,
               origin.url, referer ? *referer : "None", target.name, result.handler, result.exception_type,
               result.exception_message);
  }
  // The items of a page rendered with a screenshot carry its path (orbweaver/render_request.hpp).
  if (const auto* shot = source ? source->meta().if_contains("screenshot_path") : nullptr)
    for (auto& it : result.items)
      if (!it.contains("screenshot")) it["screenshot"] = *shot;
  for (auto mw = spider_middlewares_.rbegin(); mw != spider_middlewares_.rend(); ++mw) {
    try {
      co_await mw->instance->process_spider_output(source, result.requests, result.items, target);
    } catch (const std::exception& e) {
      log::error("scraper", "{}.process_spider_output raised: {}", mw->name, exception_message(e));
    }
  }
  {
    held_count in_pipelines(units_in_pipelines_, result.items.empty() ? 0 : 1);
    for (auto& it : result.items) co_await process_item(std::move(it), source, origin);
  }
  co_return std::move(result.requests);
}

asio::awaitable<void> scraper::process_item(item it, const response* source, const request& origin) {
  auto& stats = crawler_.stats();
  auto& target = crawler_.target();
  for (auto& p : pipelines_) {
    try {
      co_await p.instance->process_item(it, target);
    } catch (const drop_item& d) {
      stats.inc("item_dropped_count");
      stats.inc(std::string("item_dropped_reasons_count/") + p.name);
      log::warning("scraper", "Dropped: {} ({})", d.what(), p.name);
      co_return;
    } catch (const std::exception& e) {
      stats.inc("item_error_count");
      log::error("scraper", "Error processing item in {}: {}", p.name, exception_message(e));
      co_return;
    }
  }
  stats.inc("item_scraped_count");
  // Scrapy's line: "Scraped from <200 URL>" and the item on the next line.
  if (log::current_level() <= log::level::debug) {
    auto from = source ? fmt::format("<{} {}>", source->status(), source->url())
                       : fmt::format("<{} {}>", origin.method, origin.url);
    log::debug("scraper", "Scraped from {}\n{}", from, json::serialize(it));
  }
}

asio::awaitable<void> scraper::close_pipelines() {
  auto& target = crawler_.target();
  for (auto& p : pipelines_) {
    try {
      co_await p.instance->close(target);
    } catch (const std::exception& e) {
      log::error("scraper", "Error closing pipeline {}: {}", p.name, exception_message(e));
    }
  }
}

}  // namespace orbweaver
