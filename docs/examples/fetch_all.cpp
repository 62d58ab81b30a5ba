// Fetches every URL given on the command line at once and prints, in the order given, each one's
// status, URL and body length, or why it failed: the "fetch these URLs and wait for all" script.
#include <orbweaver/orbweaver.hpp>

#include <fmt/format.h>

int main(int argc, char** argv) {
  const std::vector<std::string> urls(argv + 1, argv + argc);
  int failures = 0;
  for (const auto& result : orbweaver::fetch_all(urls)) {
    if (result.resp) {
      fmt::print("{} {} {} bytes\n", result.resp->status(), result.url, result.resp->body().size());
    } else {
      fmt::print("failed {}: {}\n", result.url, result.message);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
