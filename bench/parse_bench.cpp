// Parse-only benchmark: how fast HTML becomes a tree, and a tree answers the catalog spider's
// selectors, with no network in the way. Single-threaded; pages are read into memory first.
//
//   parse_bench DIR [PASSES]     every *.html file under DIR, PASSES times (default 3)
//
// Three figures, each over the same pages:
//   gumbo default     gumbo_parse() and gumbo_destroy_output() with gumbo's default options
//   document          html::document: gumbo with an arena allocator and no error recording
//   document+css      a response per page, css() with the catalog spider's eight selectors
// and the difference of the last two: what the selectors cost per page.
#include <orbweaver/response.hpp>

#include "html/document.hpp"

#include <gumbo.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr const char* catalog_selectors[] = {
    "article.product", "h1.title::text",       "span.price::text",         "span.sku::text",
    "div.rating::attr(data-stars)", "ul.tags li::text", "div.breadcrumb a::text", "a::attr(href)",
};

std::vector<std::string> load_pages(const std::filesystem::path& dir) {
  std::vector<std::string> pages;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".html") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    pages.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return pages;
}

// Runs work over every page `passes` times and prints throughput; work returns a count that is
// printed so the compiler cannot drop it. Returns the microseconds per page.
double measure(const char* name, const std::vector<std::string>& pages, int passes,
             const std::function<std::size_t(const std::string&)>& work) {
  std::size_t bytes = 0, checksum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int pass = 0; pass < passes; ++pass) {
    for (const auto& page : pages) {
      checksum += work(page);
      bytes += page.size();
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double count = static_cast<double>(pages.size()) * passes;
  std::printf("%-14s %8.1f MB/s %9.0f pages/s %8.1f us/page   (checksum %zu)\n", name,
              static_cast<double>(bytes) / seconds / 1e6, count / seconds, seconds / count * 1e6, checksum);
  return seconds / count * 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s DIR [PASSES]\n", argv[0]);
    return 2;
  }
  const int passes = argc == 3 ? std::atoi(argv[2]) : 3;
  const auto pages = load_pages(argv[1]);
  if (pages.empty() || passes < 1) {
    std::fprintf(stderr, "no .html files under %s (or PASSES < 1)\n", argv[1]);
    return 1;
  }
  std::size_t total = 0;
  for (const auto& page : pages) total += page.size();
  std::printf("%zu pages, %.1f MB, average %.1f KB, %d passes\n", pages.size(), static_cast<double>(total) / 1e6,
              static_cast<double>(total) / static_cast<double>(pages.size()) / 1e3, passes);

  measure("gumbo default", pages, passes, [](const std::string& page) {
    GumboOutput* output = gumbo_parse_with_options(&kGumboDefaultOptions, page.data(), page.size());
    const std::size_t children = output->root->v.element.children.length;
    gumbo_destroy_output(&kGumboDefaultOptions, output);
    return children;
  });

  const double parse_us = measure("document", pages, passes, [](const std::string& page) {
    orbweaver::html::document doc(page);
    return static_cast<std::size_t>(doc.root()->v.document.children.length);
  });

  const double parse_and_css_us = measure("document+css", pages, passes, [](const std::string& page) {
    orbweaver::response r(orbweaver::request("http://127.0.0.1/"), "http://127.0.0.1/", 200,
                          {{"Content-Type", "text/html; charset=utf-8"}}, page);
    std::size_t matches = 0;
    for (const char* query : catalog_selectors) matches += r.css(query).size();
    return matches;
  });
  std::printf("%-14s %8.1f us/page for the eight selectors (document+css minus document)\n", "css",
              parse_and_css_us - parse_us);

  // The difference above drowns in the parse's noise on a busy machine; time the selectors alone
  // over already parsed pages too.
  std::chrono::steady_clock::duration css_time{};
  std::size_t matches = 0;
  for (int pass = 0; pass < passes; ++pass) {
    for (const auto& page : pages) {
      orbweaver::response r(orbweaver::request("http://127.0.0.1/"), "http://127.0.0.1/", 200,
                            {{"Content-Type", "text/html; charset=utf-8"}}, page);
      r.css("html");  // parses
      const auto start = std::chrono::steady_clock::now();
      for (const char* query : catalog_selectors) matches += r.css(query).size();
      css_time += std::chrono::steady_clock::now() - start;
    }
  }
  const double css_us = std::chrono::duration<double>(css_time).count() * 1e6 / (static_cast<double>(pages.size()) * passes);
  std::printf("%-14s %8.1f us/page for the eight selectors on parsed pages (%.1f%% of a parse)  (checksum %zu)\n",
              "css alone", css_us, css_us / parse_us * 100, matches);
  return 0;
}
