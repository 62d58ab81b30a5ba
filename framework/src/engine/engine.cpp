#include "engine/engine.hpp"

#include "core/exception_text.hpp"
#include "core/terminal_log.hpp"
#include "engine/progress.hpp"
#include "engine/spilling_queue.hpp"
#include "storage/disk_dupefilter.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>

#include <orbweaver/url.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <map>
#include <optional>
#include <ctime>

namespace orbweaver {

namespace asio = boost::asio;

namespace {

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// Surfaces an exception that escaped a detached coroutine instead of losing it.
void log_escaped(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log::error("engine", "Unexpected error: {}", ex.what());
  }
}

// Scrapy's " ['cached']" after the Crawled line of a response with flags; empty without.
std::string flags_suffix(const std::vector<std::string>& flags) {
  if (flags.empty()) return {};
  std::string text = " [";
  for (const auto& flag : flags) text += fmt::format("{}'{}'", text.size() > 2 ? ", " : "", flag);
  return text + "]";
}

}  // namespace

bool sinks_are_resumed(const settings& s) { return !s.get_string("JOBDIR").empty() || uses_redis_scheduler(s); }

engine::engine(crawler& c)
    : crawler_(c),
      signals_(context_),
      drained_(context_, asio::steady_timer::time_point::max()),
      stats_timer_(context_),
      close_timer_(context_),
      ready_timer_(context_),
      checkpoint_timer_(context_),
      close_when_(close_conditions::from(c.config())) {
  // A JOBDIR in use or of another version is refused before anything else opens.
  if (const auto& dir = c.config().get_string("JOBDIR"); !dir.empty()) {
    if (!(c.config().get_double("JOBDIR_CHECKPOINT_INTERVAL") > 0))
      throw settings_error("JOBDIR_CHECKPOINT_INTERVAL must be a number of seconds above 0");
    journal_ = std::make_unique<job_journal>(dir, c.target(), c.stats());
  }
  // So is a Redis that is unreachable or refuses the password (exit 2, before any request).
  if (uses_redis_scheduler(c.config())) {
    shared_ = std::make_unique<shared_frontier>(context_.get_executor(), c);
    run_before_start(shared_->open());
  }
  // Pipelines open next: a feed that cannot be written stops the crawl before any request.
  auto pipelines = build_pipelines(c);
  auto spider_mws = build_spider_middlewares(c);
  auto downloader_mws = build_downloader_middlewares(c);
  downloader_ = std::make_unique<downloader>(context_.get_executor(), c, std::move(downloader_mws), shared_ != nullptr);
  std::optional<std::filesystem::path> spill_dir;
  if (journal_) spill_dir = journal_->dir().spill_directory();
  auto make_queue = slot_queue_factory(c.config(), c.target(), c.stats(), spill_dir);
  auto filter = journal_ ? journal_->make_dupefilter() : storage::disk_dupefilter::in_temporary_directory();
  scheduler_ = std::make_unique<scheduler>(std::make_unique<frontier>(downloader_->slots(), make_queue),
                                           std::move(filter), c.stats(), c.config().get_bool("DUPEFILTER_DEBUG"));
  if (journal_) {
    for (auto& p : pipelines)
      if (auto* sink = dynamic_cast<checkpointed_sink*>(p.instance.get())) journal_->add_sink(p.name, *sink);
    // A new JOBDIR records where the sinks start, so that a crash before the first checkpoint
    // cuts them back to it.
    if (!journal_->dir().resumed()) {
      journal_->checkpoint();
      journal_->flush();
    }
  }
  if (shared_) {
    for (auto& p : pipelines)
      if (auto* sink = dynamic_cast<checkpointed_sink*>(p.instance.get())) shared_->add_sink(p.name, *sink);
    run_before_start(shared_->commit_start_positions());
  }
  // Posted: the failure is found inside the scheduler, which close() would call back into.
  scheduler_->on_storage_failure([this](const std::string&) { asio::post(context_, [this] { close(std::string(storage_failure)); }); });
  downloader_->on_slot_ready_earlier([this](const std::string& slot) {
    scheduler_->slot_changed(slot);
    pump_soon();
  });
  // Batches a callback yields while it runs are scheduled at once, and downloads start.
  auto requests_out = [this](std::vector<request> requests, const request& origin, std::size_t batches) {
    if (abandoning_) return false;
    schedule(std::move(requests));
    if (journal_) journal_->handed_batch(origin, batches);
    if (shared_) shared_->handed_batch(origin, batches);
    pump();
    return true;
  };
  scraper_ = std::make_unique<scraper>(c, std::move(spider_mws), std::move(pipelines), std::move(requests_out));
  if (journal_) scraper_->skip_batches_handed_before([this](const request& r) { return journal_->batches_handed(r); });
  if (shared_) scraper_->skip_batches_handed_before([this](const request& r) { return shared_->batches_handed(r); });
  if (dashboard::monitor::wanted(c.config()))
    dashboard_ = std::make_unique<dashboard::monitor>(context_.get_executor(), c.config(), [this] { return dashboard_numbers(); });
}

engine::~engine() = default;

void engine::run_before_start(asio::awaitable<void> step) {
  std::exception_ptr failed;
  bool done = false;
  asio::co_spawn(context_, std::move(step), [&](std::exception_ptr e) {
    failed = e;
    done = true;
  });
  // Not run(): a Redis connection keeps a read outstanding, so the loop never runs out of work.
  while (!done && context_.run_one() > 0) {
  }
  context_.restart();
  if (failed) std::rethrow_exception(failed);
}

std::string engine::shared_slot(const request& r) const {
  if (const auto* named = r.meta.if_contains("download_slot"); named && named->is_string())
    return std::string(named->get_string());
  return std::string(url::request_host(r.url));
}

shared_frontier::engine_hooks engine::shared_frontier_hooks() {
  const auto concurrency = static_cast<std::size_t>(std::max<long long>(1, crawler_.config().get_int("CONCURRENT_REQUESTS")));
  return {
      .room =
          [this, concurrency]() -> std::size_t {
            if (closing_ || downloader_->needs_backout() || scraper_->needs_backout()) return 0;
            const std::size_t busy = downloader_->active() + pending();
            return busy >= concurrency ? 0 : concurrency - busy;
          },
      .deliver =
          [this](request r) {
            route(std::move(r));
            pump_soon();
          },
      .schedule =
          [this](std::vector<request> requests) {
            schedule(std::move(requests));
            pump_soon();
          },
      .quiet = [this] { return scraper_->quiet(); },
      .idle = [this] { return started_ && in_flight_ == 0 && pending() == 0; },
      .close = [this](std::string reason) { close(std::move(reason)); },
  };
}

std::string engine::run(std::optional<std::vector<request>> start_requests) {
  start_time_ = std::chrono::steady_clock::now();
  crawler_.stats().set("start_time", boost::json::string(utc_now()));
  log::info("engine", "Spider opened: {}", crawler_.target().name);
  wait_for_signals();
  if (shared_) shared_->run(shared_frontier_hooks());
  asio::co_spawn(context_, start(std::move(start_requests)), log_escaped);
  if (journal_) asio::co_spawn(context_, checkpoint_periodically(), log_escaped);
  if (dashboard_) dashboard_->start();
  if (close_when_.timeout.count() > 0) {
    close_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(close_when_.timeout));
    close_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) close("closespider_timeout");
    });
  }
  // On a terminal the status line says at every moment what LOGSTATS lines say now and then.
  if (crawler_.config().get_double("LOGSTATS_INTERVAL") > 0) {
    if (log::wants_status_line(log::current_terminal_facts()))
      asio::co_spawn(context_, show_progress_periodically(), log_escaped);
    else
      asio::co_spawn(context_, log_stats_periodically(), log_escaped);
  }
  context_.run();
  // Callbacks abandoned on the pool finish before the objects they reference are destroyed.
  scraper_->join_pool();
  // The JOBDIR is free for the next run as soon as this one has returned (its lock goes with it).
  if (journal_) {
    scheduler_.reset();
    journal_.reset();
  }
  return finish_reason_;
}

asio::awaitable<void> engine::start(std::optional<std::vector<request>> given) {
  if (journal_) {
    // Requests of an earlier run first: in flight at its end, or waiting. Already admitted.
    while (auto resumed = journal_->resume_batch())
      for (auto& r : *resumed) route(std::move(r));
    if (journal_->dir().start_requests_issued() && !given) {
      log::info("jobdir", "Start requests were issued by an earlier run; not issuing them again");
      started_ = true;
      pump();
      co_return;
    }
  }
  std::vector<request> requests;
  try {
    requests = given ? std::move(*given) : crawler_.target().start_requests();
  } catch (const std::exception& e) {
    log::error("engine", "Error while obtaining start requests in spider '{}': {}: {}", crawler_.target().name,
               exception_type(e), exception_message(e));
    crawler_.stats().inc("spider_exceptions/count");
    crawler_.stats().inc("spider_exceptions/" + exception_type(e));
  }
  requests = co_await scraper_->process_start_requests(std::move(requests));
  if (shared_) {
    // Admitted once for the whole crawl, by whichever worker comes first.
    std::vector<std::pair<request, std::string>> admitted;
    for (auto& r : requests)
      if (admit(r)) {
        std::string slot = shared_slot(r);
        admitted.emplace_back(std::move(r), std::move(slot));
      }
    co_await shared_->admit_start(std::move(admitted));
    started_ = true;
    pump();
    co_return;
  }
  schedule(std::move(requests));
  if (journal_) journal_->start_requests_issued();
  started_ = true;
  pump();
}

bool engine::admit(request& r) {
  std::error_code why;
  auto normalized = url::normalize(r.url, &why);
  if (!normalized) {
    auto& stats = crawler_.stats();
    stats.inc("scheduler/invalid_url");
    stats.inc("scheduler/invalid_url/" + error_name(why));
    log::warning("engine", "Ignoring request with an unusable URL ({}): '{}'", error_name(why), r.url.substr(0, 200));
    return false;
  }
  r.url = std::move(*normalized);
  return scheduler_->admit(r);
}

void engine::schedule(std::vector<request> requests) {
  for (auto& r : requests) {
    if (!admit(r)) continue;
    if (journal_) journal_->admitted(r);
    if (shared_) {
      r.frontier_id = 0;  // a retry or redirect is a new request: it gets its own id
      if (shared_->admitted(r, shared_slot(r))) continue;
      // Its callback has no registered name: it cannot travel, this worker crawls it.
      crawler_.stats().inc("scheduler/unserializable");
    }
    route(std::move(r));
  }
}

void engine::route(request r) {
  if (auto slot = downloader_->slot_key_now(r)) return scheduler_->push(std::move(r), *slot);
  std::string host(url::request_host(r.url));
  auto& waiting = awaiting_lookup_[host];
  waiting.push_back(std::move(r));
  ++awaiting_lookup_count_;
  if (waiting.size() == 1) asio::co_spawn(context_, schedule_after_lookup(std::move(host)), log_escaped);
}

asio::awaitable<void> engine::schedule_after_lookup(std::string host) {
  auto first = awaiting_lookup_.at(host).front();  // a copy: the lookup may let more arrive
  std::string slot = co_await downloader_->slot_key(first);
  auto waiting = std::move(awaiting_lookup_.at(host));
  awaiting_lookup_.erase(host);
  awaiting_lookup_count_ -= waiting.size();
  if (closing_) co_return;
  for (auto& r : waiting) scheduler_->push(std::move(r), slot);
  pump();
}

void engine::pump() {
  pump_posted_ = false;
  auto now = std::chrono::steady_clock::now();
  while (!closing_) {
    // The end of a request in flight pumps again.
    if (downloader_->needs_backout() || scraper_->needs_backout()) return check_idle();
    auto leased = scheduler_->next(now);
    if (!leased) break;
    ++in_flight_;
    asio::co_spawn(context_, handle(std::move(*leased)), log_escaped);
  }
  wake_when_ready();
  check_idle();
}

void engine::pump_soon() {
  if (pump_posted_) return;
  pump_posted_ = true;
  asio::post(context_, [this] { pump(); });
}

// No polling: one timer, for the earliest time a slot with pending requests may start. A slot
// that frees up sooner (a transfer ends) says so through the downloader and pumps at once.
void engine::wake_when_ready() {
  auto next = scheduler_->next_ready_time();
  if (closing_ || next == std::chrono::steady_clock::time_point::max() || next >= ready_timer_at_) return;
  ready_timer_at_ = next;
  ready_timer_.expires_at(next);
  ready_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // moved earlier, or the crawl closed
    ready_timer_at_ = std::chrono::steady_clock::time_point::max();
    pump();
  });
}

asio::awaitable<void> engine::handle(leased_request leased) {
  std::vector<request> follow_ups;
  request& r = leased.req;
  // A request the close cancelled before it went out stays in the JOBDIR for the next run.
  bool finished = true;
  try {
    auto outcome = co_await downloader_->fetch(r, &leased.slot);
    if (shared_) shared_->transfer_ended(r);
    if (auto* resp = std::get_if<response_ptr>(&outcome)) {
      log::debug("engine", "Crawled ({}) <{} {}>{}", (*resp)->status(), r.method, (*resp)->url(),
                 flags_suffix((*resp)->flags()));
      follow_ups = co_await scraper_->process_response(std::move(*resp));
    } else if (auto* again = std::get_if<request>(&outcome)) {
      follow_ups.push_back(std::move(*again));
    } else if (auto& failed = std::get<download_failure>(outcome);
               (journal_ || shared_) && closing_ && failed.error == errc::cancelled) {
      finished = false;
    } else {
      follow_ups = co_await scraper_->process_failure(r, failed);
    }
  } catch (const std::exception& e) {
    log::error("engine", "Error handling <{} {}>: {}", r.method, r.url, e.what());
    crawler_.stats().inc("engine/unexpected_errors");
  }
  if (!abandoning_) {
    schedule(std::move(follow_ups));
    if (journal_ && finished) journal_->done(r);
    if (shared_ && finished) shared_->done(r);
  }
  scheduler_->done(leased.ticket);
  if (auto reason = close_when_.reached(crawler_.stats())) close(std::move(*reason));
  --in_flight_;
  if (shared_) shared_->wake();
  if (closing_ && in_flight_ == 0) drained_.cancel();
  pump();
}

asio::awaitable<download_result> engine::download(request r) {
  constexpr std::int64_t max_redirects = 5;  // RFC 9309 asks robots.txt fetchers to follow at least five
  // Middlewares hand back requests for redirects and for retries; only redirects use up the hops
  // (the redirect middleware counts them in meta), and retries end by their own limit.
  while (true) {
    auto outcome = co_await downloader_->fetch(r);
    if (auto* resp = std::get_if<response_ptr>(&outcome)) co_return download_result{std::move(*resp), {}, {}};
    if (auto* failed = std::get_if<download_failure>(&outcome))
      co_return download_result{nullptr, failed->error, failed->detail};
    r = std::move(std::get<request>(outcome));
    auto* hops = r.meta.if_contains("redirect_times");
    if (hops && hops->is_int64() && hops->get_int64() > max_redirects)
      co_return download_result{nullptr, make_error_code(errc::too_many_redirects), "more than 5 redirects"};
  }
}

void engine::run_now(asio::awaitable<void> task) {
  std::exception_ptr failed;
  asio::co_spawn(context_, std::move(task), [&](std::exception_ptr e) { failed = e; });
  // Idle pooled connections wait for nothing, so the loop runs out of work when the task ends.
  context_.restart();
  context_.run();
  if (failed) std::rethrow_exception(failed);
}

asio::awaitable<bool> engine::wait_unless_closing(std::chrono::steady_clock::duration duration) {
  if (closing_) co_return false;
  asio::steady_timer timer(context_, duration);
  waits_cut_by_close_.insert(&timer);
  boost::system::error_code cut_short;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, cut_short));
  waits_cut_by_close_.erase(&timer);
  co_return !closing_;
}

dashboard::crawl_numbers engine::dashboard_numbers() const {
  dashboard::crawl_numbers numbers;
  numbers.stats = crawler_.stats().all();
  numbers.frontier = pending();
  numbers.in_flight = in_flight_;
  std::map<std::string, dashboard::slot_numbers> slots;
  for (const auto& [key, queued] : scheduler_->pending_by_slot()) slots[key].queued = queued;
  for (const auto& [key, s] : downloader_->slot_states().all()) {
    slots[key].in_flight = s.transferring();
    slots[key].delay_seconds = s.delay().count();
  }
  for (auto& [key, s] : slots) {
    s.key = key;
    numbers.slots.push_back(std::move(s));
  }
  return numbers;
}

void engine::check_idle() {
  if (shared_) return;  // the end of the whole crawl is known on Redis: the shared frontier closes it
  if (started_ && !closing_ && in_flight_ == 0 && pending() == 0) close("finished");
}

void engine::close(std::string reason) {
  if (closing_) return;
  closing_ = true;
  finish_reason_ = std::move(reason);
  log::info("engine", "Closing spider ({})", finish_reason_);
  // Requests still waiting for a slot were never sent: they are cancelled, transfers finish.
  downloader_->cancel_queued();
  ready_timer_.cancel();
  checkpoint_timer_.cancel();
  if (shared_) shared_->stop();
  // Waits of middlewares (a retry's backoff) would hold the close up to their end.
  for (auto* wait : waits_cut_by_close_) wait->cancel();
  asio::co_spawn(context_, finish(), log_escaped);
}

asio::awaitable<void> engine::finish() {
  if (in_flight_ > 0) {
    boost::system::error_code ec;
    co_await drained_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  stats_timer_.cancel();
  log::clear_status();  // the closing lines and the stats dump scroll without it
  close_timer_.cancel();
  downloader_->abort_transfers();  // nothing is in flight now: this closes idle pooled connections
  co_await downloader_->close_browser();
  // The last checkpoint, with every request done. Not when requests were abandoned: their items
  // may be in the sinks without their new requests, so the previous checkpoint stands.
  if (journal_ && !abandoning_ && !journal_failed_ && !scheduler_->storage_failed() && checkpoint()) {
    try {
      journal_->flush();
    } catch (const std::exception& e) {
      journal_failed_ = true;
      finish_reason_ = storage_failure;
      log::error("jobdir", "The last checkpoint of JOBDIR '{}' failed: {}", journal_->dir().path().string(), e.what());
    }
  }
  // The last commit: the requests done, their new requests and the sinks; the leases not done
  // go back to their queues for the other workers.
  if (shared_) {
    const bool committed = co_await shared_->finish(abandoning_);
    if (!committed) finish_reason_ = storage_failure;
  }
  co_await scraper_->close_pipelines();

  auto& stats = crawler_.stats();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time_).count();
  stats.set("finish_time", boost::json::string(utc_now()));
  stats.set("finish_reason", boost::json::string(finish_reason_));
  stats.set("elapsed_time_seconds", elapsed);
  stats.set("downloader/connections_opened", static_cast<std::int64_t>(downloader_->connections_opened()));
  stats.set("scheduler/pending_at_close", static_cast<std::int64_t>(pending()));
  if (dashboard_) co_await dashboard_->finish();
  if (crawler_.config().get_bool("STATS_DUMP")) log::info("engine", "Dumping orbweaver stats:\n{}", stats.dump());
  log::info("engine", "Spider closed ({})", finish_reason_);
  signals_.cancel();
  // Nothing is in flight now; what may still wait (idle pooled sockets) is dropped with the loop.
  context_.stop();
}

asio::awaitable<void> engine::checkpoint_periodically() {
  auto interval = std::chrono::duration<double>(crawler_.config().get_double("JOBDIR_CHECKPOINT_INTERVAL"));
  auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval);
  while (!closing_ && !journal_failed_) {
    checkpoint_timer_.expires_after(wait);
    boost::system::error_code ec;
    co_await checkpoint_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    // Items on their way through the pipelines belong to requests not done yet: wait until none is.
    while (!ec && !closing_ && !scraper_->quiet()) {
      checkpoint_timer_.expires_after(std::chrono::milliseconds(5));
      co_await checkpoint_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec || closing_) co_return;
    checkpoint();
  }
}

bool engine::checkpoint() {
  try {
    journal_->checkpoint();
    return true;
  } catch (const std::exception& e) {
    journal_failed_ = true;
    crawler_.stats().inc("jobdir/storage_error");
    log::error("jobdir", "Cannot write a checkpoint to JOBDIR '{}', closing the crawl: {}",
               journal_->dir().path().string(), e.what());
    if (closing_)
      finish_reason_ = storage_failure;
    else
      close(std::string(storage_failure));
    return false;
  }
}

void engine::wait_for_signals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](boost::system::error_code ec, int signo) {
    if (ec) return;
    ++signals_received_;
    if (signals_received_ == 1) {
      log::info("engine", "Received {}, shutting down gracefully. Send again to force", strsignal(signo));
      wait_for_signals();
      close("shutdown");
    } else {
      log::info("engine", "Received {} twice, abandoning the requests in flight", strsignal(signo));
      abandoning_ = true;
      if (shared_) shared_->abandon();
      downloader_->cancel_queued();
      downloader_->abort_transfers();
    }
  });
}

asio::awaitable<void> engine::log_stats_periodically() {
  auto interval = std::chrono::duration<double>(crawler_.config().get_double("LOGSTATS_INTERVAL"));
  auto& stats = crawler_.stats();
  std::int64_t last_pages = 0, last_items = 0;
  double per_minute = 60.0 / interval.count();
  while (!closing_) {
    stats_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval));
    boost::system::error_code ec;
    co_await stats_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || closing_) co_return;
    auto pages = stats.get("downloader/response_count");
    auto items = stats.get("item_scraped_count");
    log::info("logstats", "Crawled {} pages (at {:.0f} pages/min), scraped {} items (at {:.0f} items/min)", pages,
              static_cast<double>(pages - last_pages) * per_minute, items,
              static_cast<double>(items - last_items) * per_minute);
    last_pages = pages;
    last_items = items;
  }
}

asio::awaitable<void> engine::show_progress_periodically() {
  auto& stats = crawler_.stats();
  auto errors_before = log::error_lines_logged();  // several crawls may run in one process
  page_rate rate;
  while (!closing_) {
    auto now = std::chrono::steady_clock::now();
    auto pages = stats.get("downloader/response_count");
    rate.sample(now, pages);
    progress_snapshot progress{
        .pages = pages,
        .items = stats.get("item_scraped_count"),
        .pages_per_minute = rate.per_minute(),
        .queued = pending(),
        .in_flight = in_flight_,
        .errors = log::error_lines_logged() - errors_before,
        .elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - start_time_),
    };
    log::show_status(progress_line(progress, log::terminal_width()));
    stats_timer_.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await stats_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace orbweaver
