#include "static_site.hpp"

#include "crawl_runner.hpp"

namespace orbweaver::testing {

void serve_directory(test_server& server, const std::filesystem::path& root, std::chrono::milliseconds delay) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::string path = "/" + std::filesystem::relative(entry.path(), root).generic_string();
    std::string body = read_file(entry.path());
    std::string type = entry.path().extension() == ".css" ? "text/css" : "text/html; charset=utf-8";
    test_handler handler = [body, type, delay](const test_request&) {
      test_reply reply{.body = body, .delay = delay};
      reply.headers.set("Content-Type", type);
      return reply;
    };
    server.route(path, handler);
    if (path == "/index.html") server.route("/", handler);
  }
}

}  // namespace orbweaver::testing
