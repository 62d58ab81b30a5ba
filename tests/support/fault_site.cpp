#include "fault_site.hpp"

#include "gzip.hpp"

#include <atomic>
#include <memory>
#include <random>

namespace orbweaver::testing {
namespace {

using namespace std::chrono_literals;

std::string good_page(const std::string& path, const std::string& extra_body = {}) {
  return "<html><head><title>good " + path + "</title></head><body><a href=\"/good/1\">first</a>" +
         extra_body + "</body></html>";
}

// The raw bytes of an HTTP/1.1 response head.
std::string head(std::string_view status_line, std::string_view fields) {
  return std::string(status_line) + "\r\n" + std::string(fields) + "\r\n";
}

// Loops back to itself through a second URL: /redirect-loop-a -> /redirect-loop-b -> a.
test_reply redirect_to(std::string location) {
  return {.status = 302, .headers = {{"Location", std::move(location)}}};
}

}  // namespace

fault_site serve_fault_site(test_server& server) {
  fault_site site;
  std::string index_links;
  auto link = [&](const std::string& href) { index_links += "<a href=\"" + href + "\">x</a>\n"; };
  auto good = [&](const std::string& path, test_handler handler) {
    site.good_paths.push_back(path);
    link(path);
    server.route(path.substr(0, path.find('?')), std::move(handler));
  };
  auto hostile = [&](const std::string& path, test_handler handler) {
    link(path);
    server.route(path, std::move(handler));
  };

  // ---- good pages, some served in hostile ways ---------------------------------------------
  for (int i = 1; i <= 12; ++i) {
    const std::string path = "/good/" + std::to_string(i);
    good(path, [path](const test_request&) { return test_reply{.body = good_page(path)}; });
  }
  good("/drip", [](const test_request&) {
    return test_reply{.body = good_page("/drip", std::string(300, ' ')), .drip = 20ms, .drip_bytes = 16};
  });
  auto flaky_calls = std::make_shared<std::atomic<int>>(0);
  good("/flaky", [flaky_calls](const test_request&) {
    if (++*flaky_calls <= 2) return test_reply{.status = 503, .body = "busy"};
    return test_reply{.body = good_page("/flaky")};
  });
  good("/invalid-utf8", [](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "text/html; charset=utf-8"}},
                      .body = good_page("/invalid-utf8", "<p>\xff\xfe\xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80</p>"
                                                         "<a href=\"/good/\xc3\x28\">bad bytes</a>")};
  });
  good("/deep-nesting", [](const test_request&) {
    constexpr int levels = 100'000;
    std::string nested;
    nested.reserve(levels * 11 + 64);
    for (int i = 0; i < levels; ++i) nested += "<div>";
    nested += "<span>deep</span><a href=\"/good/1\">";
    for (int i = 0; i < levels; ++i) nested += "</div>";
    return test_reply{.body = good_page("/deep-nesting", nested + "<b>unclosed<i>tags<table><tr><td>")};
  });
  good("/http10-no-length", [](const test_request&) {
    return test_reply{.raw = head("HTTP/1.0 200 OK", "Content-Type: text/html\r\n") +
                             good_page("/http10-no-length")};
  });
  good("/with%20space", [](const test_request&) { return test_reply{.body = good_page("/with%20space")}; });
  good("/content-length-long", [](const test_request&) {
    // Claims less than it sends: the page ends where Content-Length says, junk follows.
    const std::string page = good_page("/content-length-long");
    return test_reply{.raw = head("HTTP/1.1 200 OK", "Content-Type: text/html\r\nContent-Length: " +
                                                         std::to_string(page.size()) + "\r\n") +
                             page + "HTTP/1.1 200 OK junk that is no response at all\r\n\r\n"};
  });

  // ---- failures -------------------------------------------------------------------------------
  hostile("/reset-mid-body", [](const test_request&) {
    return test_reply{.raw = head("HTTP/1.1 200 OK", "Content-Type: text/html\r\nContent-Length: 20000\r\n") +
                             std::string(5000, 'x'),
                      .reset = true};
  });
  hostile("/stall-after-headers", [](const test_request&) {
    return test_reply{.raw = head("HTTP/1.1 200 OK", "Content-Type: text/html\r\nContent-Length: 1000\r\n"),
                      .stall = true};
  });
  hostile("/truncated-chunked", [](const test_request&) {
    return test_reply{.raw = head("HTTP/1.1 200 OK", "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n") +
                             "10\r\n<html><title>tru\r\n400\r\nonly a few bytes of a 1 KiB chunk"};
  });
  hostile("/content-length-short", [](const test_request&) {
    // Claims more than it sends, then closes.
    return test_reply{.raw = head("HTTP/1.1 200 OK", "Content-Type: text/html\r\nContent-Length: 100000\r\n") +
                             good_page("/content-length-short")};
  });
  auto bomb = std::make_shared<const std::string>(gzip_bomb(10));
  hostile("/gzip-bomb", [bomb](const test_request&) {
    return test_reply{.headers = {{"Content-Encoding", "gzip"}}, .body = *bomb};
  });
  auto nested_bomb = std::make_shared<const std::string>(gzip(*bomb));
  hostile("/gzip-bomb-nested", [nested_bomb](const test_request&) {
    return test_reply{.headers = {{"Content-Encoding", "gzip, gzip"}}, .body = *nested_bomb};
  });
  hostile("/redirect-loop-a", [](const test_request&) { return redirect_to("/redirect-loop-b"); });
  server.route("/redirect-loop-b", [](const test_request&) { return redirect_to("/redirect-loop-a"); });
  hostile("/redirect-offsite", [](const test_request&) { return redirect_to("http://elsewhere.example/"); });
  hostile("/malformed-status", [](const test_request&) {
    return test_reply{.raw = "HTTP/1.1 OK200 Fine\r\nContent-Length: 2\r\n\r\nok"};
  });
  hostile("/huge-header-line", [](const test_request&) {
    return test_reply{.raw = head("HTTP/1.1 200 OK", "X-Huge: " + std::string(1 << 20, 'h') +
                                                         "\r\nContent-Length: 2\r\n") + "ok"};
  });
  hostile("/many-headers", [](const test_request&) {
    std::string fields;
    for (int i = 0; i < 10'000; ++i) fields += "X-Header-" + std::to_string(i) + ": v\r\n";
    return test_reply{.raw = head("HTTP/1.1 200 OK", fields + "Content-Length: 2\r\n") + "ok"};
  });
  hostile("/binary", [](const test_request&) {
    std::mt19937 random(42);
    std::string bytes(64 * 1024, '\0');
    for (auto& b : bytes) b = static_cast<char>(random() & 0xff);
    return test_reply{.headers = {{"Content-Type", "application/octet-stream"}}, .body = bytes};
  });
  hostile("/pdf", [](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "application/pdf"}},
                      .body = std::string("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\n") +
                              std::string(4096, '\0') + "%%EOF\n"};
  });
  hostile("/json", [](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "application/json"}},
                      .body = R"({"title": "<title>not html</title>", "links": ["/good/1"]})"};
  });
  hostile("/close-before-answer", [](const test_request&) { return test_reply{.drop = true}; });

  // ---- links and start URLs nobody can request ------------------------------------------------
  for (const std::string href :
       {"javascript:void(0)", "mailto:someone@example.com", "data:text/html,<b>hi</b>", "tel:+1-555-0100",
        "http://b\xc3\xbc" "cher.example/", "http://127.0.0.1:99999/", "http://127.0.0.1:0/", "http://[::1/",
        "http:///no-host", "ftp://127.0.0.1/file"})
    link(href);
  const std::string long_path = "/long?q=" + std::string(100 * 1024, 'a');
  link(long_path);
  link("/with space");

  const std::string index = "<html><head><title>good /</title></head><body>" + index_links + "</body></html>";
  site.good_paths.push_back("/");
  server.route("/", [index](const test_request&) { return test_reply{.body = index}; });

  site.start_urls = {server.url("/"),
                     "javascript:alert(1)",
                     "mailto:someone@example.com",
                     "http://127.0.0.1:0/",
                     "http://127.0.0.1:65536/",
                     "not a url at all",
                     "http://exa mple.com/",
                     server.url(long_path)};
  return site;
}

}  // namespace orbweaver::testing
