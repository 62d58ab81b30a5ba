// The frontier benchmark's spider (bench/frontier, ../shared/bench/serve-204): the start page
// yields N unique requests at once, the same URLs as peers/scrapy_frontier.py; every other page is
// a 204 that yields nothing.
//   build/orbweaver_frontier_bench crawl frontier -a base=http://127.0.0.1:8377/ -a n=1000000
#include <orbweaver/orbweaver.hpp>

#include <fmt/format.h>

#include <string>

using namespace orbweaver;

class frontier_spider : public spider {
 public:
  frontier_spider() { name = "frontier"; }

  void init() override {
    base_ = arg("base", "http://127.0.0.1:8377/");
    count_ = std::stoll(arg("n", "1000000"));
    start_urls = {base_ + "start"};
  }

  void parse(const response& r, output& out) override {
    if (!r.url().ends_with("/start")) return;
    for (long long i = 0; i < count_; ++i)
      out.emit(request(fmt::format("{}p/{}?q=some-query-string-of-typical-length&cat={}", base_, i, i % 97)));
  }

 private:
  std::string base_;
  long long count_ = 0;
};

ORBWEAVER_SPIDER(frontier_spider);
