// What rendered requests read: the RENDER_* settings, the wait conditions in meta, and the meta
// that render_request writes (framework/src/download/render_pool.*, orbweaver/render_request.hpp).
#include "download/render_pool.hpp"

#include <orbweaver/render_request.hpp>
#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>

#include <gtest/gtest.h>

namespace orbweaver::download {
namespace {

using namespace std::chrono_literals;

std::string settings_error_of(const settings& s) {
  try {
    render_settings_from(s);
  } catch (const settings_error& e) {
    return e.what();
  }
  return {};
}

TEST(RenderSettings, DefaultsAndOverrides) {
  settings s;
  auto defaults = render_settings_from(s);
  EXPECT_EQ(defaults.concurrency, 4u);
  EXPECT_EQ(defaults.timeout, 30000ms);
  EXPECT_EQ(defaults.viewport_width, 1280);
  EXPECT_EQ(defaults.viewport_height, 800);
  EXPECT_TRUE(defaults.blocked_resource_types.empty());
  EXPECT_EQ(defaults.screenshot_dir, "screenshots");
  EXPECT_EQ(defaults.retry_times, 2);

  s.set("RENDER_CONCURRENCY", "2");
  s.set("RENDER_TIMEOUT", "2.5");
  s.set("RENDER_VIEWPORT", "800x600");
  s.set("RENDER_BLOCK_RESOURCES", "image,Font,xhr");
  s.set("SCREENSHOT_DIR", "shots");
  auto set = render_settings_from(s);
  EXPECT_EQ(set.concurrency, 2u);
  EXPECT_EQ(set.timeout, 2500ms);
  EXPECT_EQ(set.viewport_width, 800);
  EXPECT_EQ(set.viewport_height, 600);
  EXPECT_EQ(set.blocked_resource_types, (std::vector<std::string>{"Image", "Font", "XHR"}));
  EXPECT_EQ(set.screenshot_dir, "shots");
}

TEST(RenderSettings, MistakesAreNamed) {
  settings s;
  s.set("RENDER_VIEWPORT", "wide");
  EXPECT_EQ(settings_error_of(s), "RENDER_VIEWPORT: 'wide' is not WIDTHxHEIGHT in pixels, such as 1280x800");
  s.set("RENDER_VIEWPORT", "1280x0");
  EXPECT_NE(settings_error_of(s), "");
  s.set("RENDER_VIEWPORT", "1280x800");
  s.set("RENDER_BLOCK_RESOURCES", "image,pictures");
  EXPECT_TRUE(settings_error_of(s).starts_with("RENDER_BLOCK_RESOURCES: 'pictures' is not a resource type"))
      << settings_error_of(s);
  s.set("RENDER_BLOCK_RESOURCES", "");
  s.set("RENDER_TIMEOUT", "0");
  EXPECT_EQ(settings_error_of(s), "RENDER_TIMEOUT must be above 0");
}

TEST(RenderSettings, ResourceTypesAreCdpNames) {
  EXPECT_EQ(cdp_resource_type("image"), "Image");
  EXPECT_EQ(cdp_resource_type("MEDIA"), "Media");
  EXPECT_EQ(cdp_resource_type("websocket"), "WebSocket");
  EXPECT_EQ(cdp_resource_type("eventsource"), "EventSource");
  EXPECT_EQ(cdp_resource_type("picture"), "");
  EXPECT_EQ(cdp_resource_type(""), "");
}

TEST(RenderRequest, WritesTheMetaKeysThatAreSet) {
  request bare = render_request("https://example.com/");
  EXPECT_EQ(bare.meta, (json::object{{"render", true}}));

  request full = render_request("https://example.com/",
                                {.wait_for = "li.product", .network_idle_ms = 500, .delay_ms = 200, .timeout = 12.5,
                                 .script = "window.scrollTo(0, 1e6)", .screenshot = true},
                                {.meta = {{"lang", "fr"}}, .priority = 3});
  EXPECT_EQ(full.meta, (json::object{{"lang", "fr"}, {"render", true}, {"render_wait_for", "li.product"},
                                     {"render_network_idle", 500}, {"render_delay", 200}, {"render_timeout", 12.5},
                                     {"render_script", "window.scrollTo(0, 1e6)"}, {"screenshot", true}}));
  EXPECT_EQ(full.priority, 3);
}

TEST(RenderRequest, MetaBecomesTheWaitConditions) {
  const auto wait = render_wait_from(render_request("https://example.com/", {.wait_for = "#done", .network_idle_ms = 500,
                                                                                .delay_ms = 200, .timeout = 12.5})
                                         .meta,
                                     30000ms);
  EXPECT_EQ(wait.selector, "#done");
  EXPECT_EQ(wait.network_idle, 500ms);
  EXPECT_EQ(wait.delay, 200ms);
  EXPECT_EQ(wait.timeout, 12500ms);

  // Absent, or of another type: the defaults.
  const auto lenient = render_wait_from(json::object{{"render_wait_for", 3}, {"render_timeout", "soon"}}, 7000ms);
  EXPECT_EQ(lenient.selector, "");
  EXPECT_EQ(lenient.network_idle, 0ms);
  EXPECT_EQ(lenient.timeout, 7000ms);
}

TEST(RenderRequest, OptionsCarryWhatTheMiddlewaresLeftOnTheRequest) {
  settings s;
  s.set("RENDER_VIEWPORT", "800x600");
  s.set("RENDER_BLOCK_RESOURCES", "image,font");
  request r = render_request("https://example.com/", {.wait_for = "#done", .script = "window.scrollTo(0, 1e6)",
                                                      .screenshot = true});
  r.headers.set("Cookie", "session=abc; theme=dark");
  r.meta["proxy"] = "http://127.0.0.1:3128";
  r.headers.set("Proxy-Authorization", "Basic dXNlcjpwYTpzcw==");  // user:pa:ss
  const auto o = render_options_for(r, render_settings_from(s));
  EXPECT_EQ(o.wait.selector, "#done");
  EXPECT_EQ(o.script, "window.scrollTo(0, 1e6)");
  EXPECT_TRUE(o.screenshot);
  EXPECT_EQ(o.viewport_width, 800);
  EXPECT_EQ(o.viewport_height, 600);
  EXPECT_EQ(o.blocked_resource_types, (std::vector<std::string>{"Image", "Font"}));
  EXPECT_EQ(o.cookie_header, "session=abc; theme=dark");
  EXPECT_EQ(o.proxy, "http://127.0.0.1:3128");
  EXPECT_EQ(o.proxy_user, "user");
  EXPECT_EQ(o.proxy_password, "pa:ss");

  request bare = render_request("https://example.com/");
  bare.headers.set("Proxy-Authorization", "Basic dXNlcjpwYXNz");  // no proxy: not for the browser
  const auto none = render_options_for(bare, render_settings_from(settings()));
  EXPECT_FALSE(none.screenshot);
  EXPECT_EQ(none.cookie_header, "");
  EXPECT_EQ(none.proxy, "");
  EXPECT_EQ(none.proxy_user, "");
}

}  // namespace
}  // namespace orbweaver::download
