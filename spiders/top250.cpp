// A Douban-style top-250 book list, scraped with XPath only: every book's title, rating, vote count
// and one-line quote, in the list's order.
//   orbweaver crawl top250 -a url=http://127.0.0.1:8302/top250/ -o top250.jsonl
// (tests/fixtures/examples has the site; build/tests/example_sites serves it.)
//
// Order: callbacks run several at once, so two pages fetched together could emit their items in
// either order. Here the next page is requested only from the page before it, after that page's
// items: one page is in flight at a time and the items come out in the list's order. The rank
// counts on from the previous page through cb_kwargs, not from a member the callbacks share.
#include <orbweaver/orbweaver.hpp>

using namespace orbweaver;

class top250_spider : public spider {
 public:
  top250_spider() { name = "top250"; }

  void init() override { start_urls = {arg("url", "http://127.0.0.1:8302/top250/")}; }

  void parse(const response& r, output& out) override {
    long long rank = r.cb_kwarg<long long>("rank", 0);
    for (const auto& book : r.xpath(R"(//tr[@class="item"])")) {
      // The title may be split by a subtitle's <span> and surrounded by newlines: the text of the
      // whole link, whitespace collapsed, as a reader sees it.
      auto title = book.xpath(R"(normalize-space(.//div[@class="pl2"]/a))").get();
      auto rating = book.xpath(R"(.//span[@class="rating_nums"]/text())").get();
      auto votes = book.xpath(R"(.//div[contains(@class, "star")]/span[@class="pl"]/text())").re_first(R"((\d+))");
      auto quote = book.xpath(R"(.//p[@class="quote"]/span[@class="inq"]/text())").first();
      out.emit(item{
          {"rank", ++rank},
          {"title", title},
          {"rating", std::stod(rating)},
          {"votes", std::stoll(votes.value_or("0"))},
          {"quote", quote ? json::value(*quote) : json::value(nullptr)},
          {"link", book.xpath(R"(.//div[@class="pl2"]/a/@href)").get()},
      });
    }
    if (auto next = r.xpath(R"(//span[@class="next"]/a/@href)").first())
      out.follow(*next, request_options{.cb_kwargs = {{"rank", rank}}});
  }
};

ORBWEAVER_SPIDER(top250_spider);
