#include "page_tools.hpp"
#include "core/domains.hpp"

#include "crawl_options.hpp"
#include "project.hpp"
#include "spider/offsite.hpp"

#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/output.hpp>
#include <orbweaver/url.hpp>

#include <fmt/format.h>

#include <cctype>

namespace orbweaver::launcher {

page_options read_page_options(const parsed_args& parsed) {
  page_options options;
  for (const auto& [spec, value] : parsed.options) {
    if (spec->long_name == "spider") options.spider_name = value;
    if (spec->long_name == "set") options.setting_args.push_back(value);
    if (spec->long_name == "nolog") options.nolog = true;
  }
  return options;
}

bool spider_handles(const spider& s, std::string_view host) {
  if (host.empty()) return false;
  std::vector<std::string> domains;
  for (auto domain : s.allowed_domains) {
    for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    domains.push_back(std::move(domain));
  }
  if (host_in_any_domain(host, domains)) return true;
  for (const auto& start : s.start_urls)
    if (url::host(start) == host) return true;
  return false;
}

std::vector<std::string> spiders_for_url(std::string_view address, const std::map<std::string, std::string>& args) {
  const auto host = url::host(address);
  std::vector<std::string> names;
  for (const auto& name : spider_names()) {
    auto candidate = create_spider(name);
    candidate->args = args;
    try {
      candidate->init();  // spiders often derive allowed_domains from their arguments here
    } catch (const std::exception&) {
      continue;  // one that needs an argument it was not given
    }
    if (spider_handles(*candidate, host)) names.push_back(name);
  }
  return names;
}

std::unique_ptr<spider> named_spider(std::string_view name) {
  if (auto found = create_spider(name)) return found;
  throw unknown_spider(name);
}

std::unique_ptr<spider> spider_for_page(const page_options& options, std::string_view address) {
  if (options.spider_name) return named_spider(*options.spider_name);
  auto names = spiders_for_url(address);
  if (names.size() == 1) return create_spider(names.front());
  auto plain = std::make_unique<spider>();
  plain->name = "default";
  return plain;
}

settings page_settings(const page_options& options) {
  settings config;
  apply_project_settings(config);
  apply_setting(config, "FEEDS", "");
  for (const auto& arg : options.setting_args) apply_setting_option(config, arg);
  if (options.nolog) apply_setting(config, "LOG_LEVEL", "CRITICAL");
  require_log_level(config);
  return config;
}

std::string requestable_url(std::string_view text) {
  std::string address(text);
  if (address.find("://") == std::string::npos) address = "http://" + address;
  std::error_code why;
  if (!url::normalize(address, &why))
    throw usage_error(fmt::format("invalid URL '{}' ({})", text, error_name(why)));
  return address;
}

std::string url_argument(const parsed_args& parsed) {
  if (parsed.positionals.empty()) throw usage_error("missing URL");
  if (parsed.positionals.size() > 1) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[1]));
  return requestable_url(parsed.positionals[0]);
}

page_session::page_session(std::unique_ptr<spider> s, settings config) : crawler_(std::move(s), std::move(config)) {}

download_result page_session::download(request r) {
  const auto method = r.method;
  auto result = crawler_.download_now(std::move(r));
  if (result.resp) log::debug("engine", "Crawled ({}) <{} {}>", result.resp->status(), method, result.resp->url());
  return result;
}

std::string download_error_message(const request& r, const download_result& failed) {
  return fmt::format("Error downloading <{} {}>: {} ({})", r.method, r.url,
                     failed.detail.empty() ? failed.error.message() : failed.detail, error_name(failed.error));
}

bool refused_by_policy(const download_result& failed) {
  return failed.error == errc::offsite || failed.error == errc::robots_blocked || failed.error == errc::cancelled;
}

callback_yield run_callback(spider& s, const response& resp) {
  callback_yield yield;
  output out(&resp);
  try {
    if (const auto& callback = resp.req().callback)
      callback(s, resp, out);
    else
      s.parse(resp, out);
  } catch (const std::exception& e) {
    yield.error = e.what();
  }
  yield.items = std::move(out.items());
  yield.requests = std::move(out.requests());
  return yield;
}

}  // namespace orbweaver::launcher
