#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>

#include "engine/engine.hpp"

namespace orbweaver {

crawler::crawler(std::unique_ptr<orbweaver::spider> s, orbweaver::settings base)
    : settings_(std::move(base)), spider_(std::move(s)) {
  spider_->init();
  for (const auto& [name, value] : spider_->custom_settings) settings_.set(name, value, setting_priority::spider);
  spider_->crawl_settings_ = &settings_;
  spider_->configure(settings_);
  log::set_level(log::parse_level(settings_.get_string("LOG_LEVEL")));
  if (const auto& file = settings_.get_string("LOG_FILE"); !file.empty()) log::set_file(file);
}

crawler::~crawler() = default;

std::string crawler::run() {
  engine_ = std::make_unique<engine>(*this);
  return engine_->run();
}

std::string crawler::run(std::vector<request> start) {
  engine_ = std::make_unique<engine>(*this);
  return engine_->run(std::move(start));
}

void crawler::close(std::string reason) {
  if (engine_) engine_->close(std::move(reason));
}

boost::asio::awaitable<download_result> crawler::download(request r) { return engine_->download(std::move(r)); }

namespace {
boost::asio::awaitable<void> download_into(crawler& c, request r, download_result& result) {
  auto download = c.download(std::move(r));
  result = co_await std::move(download);
}
}  // namespace

download_result crawler::download_now(request r) {
  download_result result;
  run_now(download_into(*this, std::move(r), result));
  return result;
}

void crawler::run_now(boost::asio::awaitable<void> task) {
  if (!engine_) engine_ = std::make_unique<engine>(*this);
  engine_->run_now(std::move(task));
}

bool crawler::closing() const { return engine_ && engine_->closing(); }

boost::asio::awaitable<bool> crawler::wait_unless_closing(std::chrono::steady_clock::duration duration) {
  return engine_->wait_unless_closing(duration);
}

void crawler::raise_minimum_delay(const std::string& host, std::chrono::duration<double> delay) {
  engine_->raise_minimum_delay(host, delay);
}

boost::asio::any_io_executor crawler::executor() const { return engine_->executor(); }

}  // namespace orbweaver
