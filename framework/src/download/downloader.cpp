#include "download/downloader.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>

#include <orbweaver/url.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace orbweaver {

namespace asio = boost::asio;

struct downloader::waiter {
  waiter(const asio::any_io_executor& ex, bool reserved_transfer)
      : wake(ex, asio::steady_timer::time_point::max()), reserved(reserved_transfer) {}
  asio::steady_timer wake;  // cancelled to wake the waiting coroutine
  bool reserved;            // the frontier reserved its transfer
  bool granted = false;
};

// The requests of one slot waiting for their transfer to start, and the timer of its delay.
struct downloader::waiting_room {
  explicit waiting_room(const asio::any_io_executor& ex) : delay_timer(ex) {}
  std::deque<waiter*> queue;
  asio::steady_timer delay_timer;
  bool timer_armed = false;
};

// The transfer the frontier reserved for a request: given back if the request ends without one
// (a middleware answered or refused it, the crawl closed while it waited).
struct downloader::reservation {
  reservation(downloader& d, const std::string* key) : owner(d), slot(key) {}
  ~reservation() {
    if (slot && !used) owner.end_unused_reservation(*slot);
  }
  reservation(const reservation&) = delete;
  reservation& operator=(const reservation&) = delete;
  downloader& owner;
  const std::string* slot;
  bool used = false;  // its transfer started: the start ended the reservation
};

namespace {

download::client_options client_options_from(const settings& s) {
  download::client_options o;
  o.ca_file = s.get_string("DOWNLOAD_CA_FILE");
  o.verify_tls = s.get_bool("DOWNLOAD_VERIFY_TLS");
  o.max_idle_per_host = static_cast<std::size_t>(
      std::max<long long>(s.get_int("CONCURRENT_REQUESTS_PER_DOMAIN"), s.get_int("CONCURRENT_REQUESTS_PER_IP")));
  if (!s.get_bool("DNSCACHE_ENABLED")) o.dns_cache_ttl = std::chrono::seconds(0);
  return o;
}

}  // namespace

download::slot_policy default_slot_policy(const settings& s) {
  download::slot_policy policy;
  policy.concurrency = static_cast<std::size_t>(std::max<long long>(1, s.get_int("CONCURRENT_REQUESTS_PER_DOMAIN")));
  if (auto per_ip = s.get_int("CONCURRENT_REQUESTS_PER_IP"); per_ip > 0) policy.concurrency = static_cast<std::size_t>(per_ip);
  policy.delay = std::chrono::duration<double>(s.get_double("DOWNLOAD_DELAY"));
  if (s.get_bool("AUTOTHROTTLE_ENABLED"))
    policy.delay = std::max(policy.delay, std::chrono::duration<double>(s.get_double("AUTOTHROTTLE_START_DELAY")));
  policy.randomize_delay = s.get_bool("RANDOMIZE_DOWNLOAD_DELAY");
  return policy;
}

namespace {

// The slots' policies: the default and DOWNLOAD_SLOTS's, without delays when the scheduler grants them.
download::slot_table make_slots(const settings& s, bool delays_granted_by_scheduler) {
  download::slot_policy defaults = default_slot_policy(s);
  auto configured = download::parse_download_slots(s.get_string("DOWNLOAD_SLOTS"), defaults);
  if (delays_granted_by_scheduler) {
    defaults.delay = std::chrono::duration<double>(0);
    for (auto& [key, policy] : configured) policy.delay = std::chrono::duration<double>(0);
  }
  return download::slot_table(defaults, std::move(configured));
}

std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

// A guard that keeps the downloader's busy count right whatever path a fetch leaves by.
struct active_count {
  explicit active_count(std::size_t& n) : n_(n) { ++n_; }
  ~active_count() { --n_; }
  std::size_t& n_;
};

}  // namespace

downloader::downloader(asio::any_io_executor executor, crawler& c, component_list<downloader_middleware> middlewares,
                       bool delays_granted_by_scheduler)
    : executor_(executor),
      crawler_(c),
      middlewares_(std::move(middlewares)),
      client_(executor, client_options_from(c.config())),
      slots_(make_slots(c.config(), delays_granted_by_scheduler)),
      renders_(executor, download::render_settings_from(c.config()), c.stats()) {
  const auto& s = c.config();
  per_ip_concurrency_ = static_cast<std::size_t>(std::max<long long>(0, s.get_int("CONCURRENT_REQUESTS_PER_IP")));
  total_concurrency_ = static_cast<std::size_t>(std::max<long long>(1, s.get_int("CONCURRENT_REQUESTS")));
  default_limits_.timeout = seconds_to_ms(s.get_double("DOWNLOAD_TIMEOUT"));
  default_limits_.maxsize = static_cast<std::uint64_t>(std::max<long long>(0, s.get_int("DOWNLOAD_MAXSIZE")));
  warnsize_ = static_cast<std::uint64_t>(std::max<long long>(0, s.get_int("DOWNLOAD_WARNSIZE")));
  dns_timeout_ = seconds_to_ms(s.get_double("DNS_TIMEOUT"));
  if (s.get_bool("AUTOTHROTTLE_ENABLED")) {
    autothrottle_ = download::autothrottle_params{
        .target_concurrency = s.get_double("AUTOTHROTTLE_TARGET_CONCURRENCY"),
        .min_delay = std::chrono::duration<double>(s.get_double("DOWNLOAD_DELAY")),
        .max_delay = std::chrono::duration<double>(s.get_double("AUTOTHROTTLE_MAX_DELAY"))};
    if (autothrottle_->target_concurrency <= 0)
      throw settings_error("AUTOTHROTTLE_TARGET_CONCURRENCY must be above 0");
    autothrottle_debug_ = s.get_bool("AUTOTHROTTLE_DEBUG");
  }
}

downloader::~downloader() = default;

asio::awaitable<download_outcome> downloader::fetch(request& r, const std::string* reserved_slot) {
  active_count busy(active_);
  reservation held(*this, reserved_slot);
  co_return co_await through_middlewares(r, held);
}

asio::awaitable<download_outcome> downloader::through_middlewares(request& r, reservation& held) {
  auto& target = crawler_.target();
  for (auto& mw : middlewares_) {
    request_action action;
    try {
      action = co_await mw.instance->process_request(r, target);
    } catch (const std::exception& e) {
      action = make_error_code(errc::component_failed);
      log::error("downloader", "{}.process_request raised: {}", mw.name, e.what());
    }
    if (auto* resp = std::get_if<response_ptr>(&action)) co_return co_await on_response(r, std::move(*resp));
    if (auto* next = std::get_if<request>(&action)) co_return std::move(*next);
    if (auto* ec = std::get_if<std::error_code>(&action)) {
      download_failure refused{*ec, fmt::format("{} refused the request", mw.name)};
      co_return co_await on_exception(r, std::move(refused));
    }
  }
  auto outcome = co_await transfer(r, held);
  if (auto* resp = std::get_if<response_ptr>(&outcome)) co_return co_await on_response(r, std::move(*resp));
  co_return co_await on_exception(r, std::move(std::get<download_failure>(outcome)));
}

asio::awaitable<download_outcome> downloader::on_response(const request& r, response_ptr resp) {
  // Counted here, as Scrapy's DownloaderStats counts in process_response: a response a middleware
  // gave instead of the network (the HTTP cache) is a page too, so CLOSESPIDER_PAGECOUNT and the
  // page rate hold for a run from the cache.
  auto& stats = crawler_.stats();
  stats.inc("downloader/response_count");
  stats.inc("downloader/response_status_count/" + std::to_string(resp->status()));
  auto& target = crawler_.target();
  for (auto mw = middlewares_.rbegin(); mw != middlewares_.rend(); ++mw) {
    response_action action;
    try {
      action = co_await mw->instance->process_response(r, resp, target);
    } catch (const std::exception& e) {
      co_return download_failure{errc::component_failed,
                                 fmt::format("{}.process_response raised: {}", mw->name, e.what())};
    }
    if (auto* next = std::get_if<response_ptr>(&action)) {
      resp = std::move(*next);
      continue;
    }
    if (auto* again = std::get_if<request>(&action)) co_return std::move(*again);
    auto ec = std::get<std::error_code>(action);
    download_failure failure{ec, fmt::format("{} rejected the response ({})", mw->name, ec.message())};
    count_failure(failure);
    co_return failure;
  }
  co_return resp;
}

asio::awaitable<download_outcome> downloader::on_exception(const request& r, download_failure failure) {
  count_failure(failure);
  auto& target = crawler_.target();
  for (auto mw = middlewares_.rbegin(); mw != middlewares_.rend(); ++mw) {
    exception_action action;
    try {
      action = co_await mw->instance->process_exception(r, failure.error, target);
    } catch (const std::exception& e) {
      co_return download_failure{errc::component_failed,
                                 fmt::format("{}.process_exception raised: {}", mw->name, e.what())};
    }
    if (auto* resp = std::get_if<response_ptr>(&action)) co_return co_await on_response(r, std::move(*resp));
    if (auto* again = std::get_if<request>(&action)) co_return std::move(*again);
    if (auto* ec = std::get_if<std::error_code>(&action)) {
      download_failure replaced{*ec, fmt::format("{} ended the request ({})", mw->name, ec->message())};
      count_failure(replaced);
      co_return replaced;
    }
  }
  co_return failure;
}

void downloader::count_failure(const download_failure& f) {
  auto& stats = crawler_.stats();
  stats.inc("downloader/exception_count");
  stats.inc("downloader/exception_type_count/" + error_name(f.error));
}

std::optional<std::string> downloader::slot_key_now(const request& r) const {
  if (const auto* named = r.meta.if_contains("download_slot"); named && named->is_string())
    return std::string(named->get_string());
  // The host http_client resolves (url::split), as offsite and robots.txt read it.
  std::string host(url::request_host(r.url));
  if (per_ip_concurrency_ == 0 || host.empty()) return host;
  auto known = addresses_.find(host);
  if (known == addresses_.end()) return std::nullopt;
  return known->second;
}

asio::awaitable<std::string> downloader::slot_key(const request& r) {
  if (auto key = slot_key_now(r)) co_return *key;
  std::string host(url::request_host(r.url));
  const auto parts = url::split(r.url);
  const std::string port = std::to_string(parts ? parts->port : 80);
  auto ip = co_await client_.resolve_ip(host, port, dns_timeout_);
  if (ip.empty()) co_return host;  // the transfer will fail on the same lookup and say why
  addresses_[host] = ip;
  co_return ip;
}

asio::awaitable<bool> downloader::acquire(const std::string& key, bool reserved) {
  waiter w(executor_, reserved);
  auto& room = waiting_[key];
  if (!room) room = std::make_unique<waiting_room>(executor_);
  room->queue.push_back(&w);
  process_queue(key);
  if (!w.granted) {
    boost::system::error_code ec;
    co_await w.wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return w.granted;
}

void downloader::process_queue(const std::string& key) {
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  waiting_room& room = *it->second;
  download::slot& s = slots_.at(key);
  auto now = download::clock::now();
  while (!room.queue.empty()) {
    // A reserved request honours the delay too: robots.txt's Crawl-delay may have raised it since.
    auto wait = s.wait_before_start(now);
    if (wait == download::clock::duration::max()) return;  // release() will call again
    if (wait > download::clock::duration::zero()) {
      if (!room.timer_armed) {
        room.timer_armed = true;
        room.delay_timer.expires_after(wait);
        room.delay_timer.async_wait([this, key](boost::system::error_code ec) {
          auto found = waiting_.find(key);
          if (found == waiting_.end()) return;
          found->second->timer_armed = false;
          if (!ec) process_queue(key);
        });
      }
      return;
    }
    waiter* w = room.queue.front();
    room.queue.pop_front();
    auto before = s.ready_at();
    s.start_transfer(now, rng_);
    if (w->reserved) s.end_reservation();
    report_if_earlier(key, before);
    w->granted = true;
    w->wake.cancel();
  }
  if (!room.timer_armed) waiting_.erase(it);
}

void downloader::report_if_earlier(const std::string& key, download::clock::time_point before) {
  if (on_slot_ready_earlier_ && slots_.at(key).ready_at() < before) on_slot_ready_earlier_(key);
}

void downloader::release(const std::string& key) {
  auto& s = slots_.at(key);
  auto before = s.ready_at();
  s.finish_transfer();
  report_if_earlier(key, before);
  process_queue(key);
  if (!waiting_.contains(key)) slots_.forget_if_idle(key);
}

void downloader::end_unused_reservation(const std::string& key) {
  auto& s = slots_.at(key);
  auto before = s.ready_at();
  s.end_reservation();
  report_if_earlier(key, before);
  if (!waiting_.contains(key)) slots_.forget_if_idle(key);
}

void downloader::cancel_queued() {
  renders_.cancel_waiting();
  for (auto& [key, room] : waiting_) {
    for (waiter* w : room->queue) w->wake.cancel();
    room->queue.clear();
    room->delay_timer.cancel();
  }
}

void downloader::raise_minimum_delay(const std::string& host, std::chrono::duration<double> delay) {
  auto& minimum = minimum_delays_[host];
  minimum = std::max(minimum, delay);
  // The frontier reads the slot's readiness before any transfer applies the minimum below.
  if (auto* s = slots_.find(host)) s->raise_minimum_delay(minimum);
}

asio::awaitable<download_outcome> downloader::transfer(const request& r, reservation& held) {
  std::string host(url::request_host(r.url));
  // GCC 12 frees a co_await's result twice inside a conditional expression: an if.
  std::string key;
  if (held.slot)
    key = *held.slot;
  else
    key = co_await slot_key(r);
  if (auto minimum = minimum_delays_.find(host); minimum != minimum_delays_.end())
    slots_.at(key).raise_minimum_delay(minimum->second);
  // A rendered request waits for a browser tab before its slot, so that the slot's delay counts
  // from the page load; requests that are not rendered never look at the tabs.
  const bool rendered = meta_flag(r.meta, "render");
  bool tab_granted = false;
  if (rendered) tab_granted = co_await renders_.acquire_tab();
  if (rendered && !tab_granted) co_return download_failure{errc::cancelled, "crawl is shutting down"};
  struct tab_release {
    download::render_pool* pool;
    ~tab_release() {
      if (pool) pool->release_tab();
    }
  } tab{rendered ? &renders_ : nullptr};
  bool granted = co_await acquire(key, held.slot != nullptr);
  if (!granted) co_return download_failure{errc::cancelled, "crawl is shutting down"};
  held.used = held.slot != nullptr;
  if (rendered) co_return co_await render_transfer(r, key);

  download::fetch_limits limits = default_limits_;
  if (auto t = meta_number(r.meta, "download_timeout"); t && *t > 0) limits.timeout = seconds_to_ms(*t);
  if (auto m = meta_number(r.meta, "download_maxsize"); m && *m >= 0) limits.maxsize = static_cast<std::uint64_t>(*m);

  auto& stats = crawler_.stats();
  stats.inc("downloader/request_count");
  stats.inc("downloader/request_method_count/" + r.method);
  std::uint64_t request_bytes = r.method.size() + r.url.size() + r.body.size() + 12;
  for (const auto& [name, value] : r.headers) request_bytes += name.size() + value.size() + 4;
  stats.inc("downloader/request_bytes", static_cast<std::int64_t>(request_bytes));

  auto started = download::clock::now();
  auto result = co_await client_.fetch(r, limits);
  if (autothrottle_ && !result.error) {
    auto& logic = slots_.at(key);
    std::chrono::duration<double> latency = download::clock::now() - started;
    auto previous = logic.delay();
    logic.set_delay(download::autothrottle_delay(previous, latency, result.status, *autothrottle_));
    if (autothrottle_debug_)
      log::info("autothrottle", "slot: {} | delay: {:.0f} ms ({:+.0f}) | latency: {:.0f} ms | status {}", key,
                logic.delay().count() * 1000, (logic.delay() - previous).count() * 1000, latency.count() * 1000,
                result.status);
  }
  release(key);
  if (result.error) co_return download_failure{result.error, std::move(result.detail)};

  stats.inc("downloader/response_bytes", static_cast<std::int64_t>(result.wire_bytes));
  std::uint64_t warnsize = default_limits_.maxsize && warnsize_ > default_limits_.maxsize ? 0 : warnsize_;
  if (auto w = meta_number(r.meta, "download_warnsize"); w && *w >= 0) warnsize = static_cast<std::uint64_t>(*w);
  if (warnsize && result.body.size() > warnsize)
    log::warning("downloader", "Received {} bytes from <{} {}>, above the warning size {}", result.body.size(),
                 r.method, r.url, warnsize);
  co_return std::make_shared<response>(r, r.url, result.status, std::move(result.headers), std::move(result.body));
}

asio::awaitable<download_outcome> downloader::render_transfer(const request& r, const std::string& key) {
  auto& stats = crawler_.stats();
  stats.inc("downloader/request_count");
  stats.inc("downloader/request_method_count/" + r.method);
  auto rendered = co_await renders_.render(r);
  release(key);
  if (!rendered.resp) co_return download_failure{rendered.error, std::move(rendered.detail)};
  stats.inc("downloader/response_bytes", static_cast<std::int64_t>(rendered.resp->body().size()));
  co_return std::move(rendered.resp);
}

}  // namespace orbweaver
