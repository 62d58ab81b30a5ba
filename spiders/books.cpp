// The bundled sample bookshop (sample_site/): follow categories, pages and books; one item a book.
//   orbweaver crawl books -a url=http://127.0.0.1:8301/ -o books.jsonl
#include <orbweaver/orbweaver.hpp>

using namespace orbweaver;

class books_spider : public spider {
 public:
  books_spider() { name = "books"; }

  void init() override {
    start_urls = {arg("url", "http://127.0.0.1:8301/")};
    allowed_domains = {url::host(start_urls.front())};
  }

  void parse(const response& r, output& out) override {
    out.follow_all(r.css("ul.categories li a::attr(href)"));
    // Book pages before further listings: items come out while the crawl is still walking pages.
    out.follow_all(r.css("article.product_pod h3 a::attr(href)"), &books_spider::parse_book, {.priority = 1});
    out.follow_all(r.css("li.next a::attr(href)"));
  }

  void parse_book(const response& r, output& out) {
    auto book = r.css("article.book");
    auto price = book.css("p.price::text").re_first(R"([\d.]+)").value_or("0");
    out.emit(item{
        {"title", book.css("h1::text").get()},
        {"price", std::stod(price)},
        {"availability", book.css("p.availability::text").get()},
        {"rating", std::stoll(book.css("div.rating::attr(data-stars)").get("0"))},
        {"url", r.url()},
        {"category", r.css("ul.breadcrumb li:nth-child(2) a::text").get()},
    });
  }
};

ORBWEAVER_SPIDER(books_spider, parse_book);
// `orbweaver check books` (against the sample site; -a url=... elsewhere): the @urls are relative
// to the start URL.
ORBWEAVER_CONTRACTS(books_spider, parse,
                    "@url category/travel/page-1.html",
                    "@returns items 0 0",
                    "@returns requests 6 6");
ORBWEAVER_CONTRACTS(books_spider, parse_book,
                    "@url book/a-walk-through-kyoto.html",
                    "@returns items 1 1",
                    "@returns requests 0 0",
                    "@scrapes title price availability rating url category");
