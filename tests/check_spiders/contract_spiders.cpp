// Spiders with contracts for tests/integration/check_test.cpp, compiled into a launcher of their
// own (orbweaver_check_launcher): one whose contracts hold, one whose contracts fail in every way
// a check can, and ones declared wrongly. Each reads the sample bookshop (sample_site/) at the
// URL given with -a url=..., against which their relative @url lines resolve.
#include <orbweaver/orbweaver.hpp>

#include <stdexcept>

using namespace orbweaver;

namespace {

item book_item(const response& r) {
  auto book = r.css("article.book");
  return item{{"title", book.css("h1::text").get()}, {"price", book.css("p.price::text").get()}, {"url", r.url()}};
}

class shop_spider : public spider {
 public:
  void init() override { start_urls = {arg("url")}; }
};

class passing_spider : public shop_spider {
 public:
  passing_spider() {
    name = "contracts_pass";
    // A check opens no feed: what callbacks return goes no further than the contracts.
    custom_settings = {{"FEEDS", "contract-items.jsonl"}};
  }

  void parse(const response& r, output& out) override {
    out.follow_all(r.css("article.product_pod h3 a::attr(href)"), &passing_spider::parse_book);
  }
  void parse_book(const response& r, output& out) { out.emit(book_item(r)); }
  // Reads what @cb_kwargs and @meta put on the request; throws if they are missing.
  void parse_with_arguments(const response& r, output& out) {
    out.emit(item{{"page", r.req().cb_kwargs.at("page")}, {"source", r.meta().at("source")}});
  }
};

class failing_spider : public shop_spider {
 public:
  failing_spider() { name = "contracts_fail"; }

  void parse_book(const response& r, output& out) { out.emit(book_item(r)); }
  void parse_broken(const response&, output&) { throw std::runtime_error("no price on this page"); }
  void parse_missing(const response& r, output& out) { out.emit(book_item(r)); }
};

class malformed_spider : public shop_spider {
 public:
  malformed_spider() { name = "contracts_malformed"; }

  void parse_book(const response& r, output& out) { out.emit(book_item(r)); }
  void parse_tagged(const response&, output&) {}
  void parse_json(const response&, output&) {}
  void parse_nowhere(const response&, output&) {}
  void parse_mail(const response&, output&) {}
};

class unnamed_spider : public shop_spider {
 public:
  unnamed_spider() { name = "contracts_unnamed"; }

  void parse_book(const response& r, output& out) { out.emit(book_item(r)); }
};

class plain_spider : public shop_spider {
 public:
  plain_spider() { name = "no_contracts"; }
};

}  // namespace

ORBWEAVER_SPIDER(passing_spider, parse_book, parse_with_arguments);
ORBWEAVER_CONTRACTS(passing_spider, parse,
                    "@url category/travel/page-1.html",
                    "@returns items 0 0",
                    "@returns requests 5 5");
ORBWEAVER_CONTRACTS(passing_spider, parse_book,
                    "@url book/a-walk-through-kyoto.html",
                    "@returns items 1 1",
                    "@returns requests 0 0",
                    "@scrapes title price url");
ORBWEAVER_CONTRACTS(passing_spider, parse_with_arguments,
                    "@url index.html",
                    "@cb_kwargs {\"page\": 2}",
                    "@meta {\"source\": \"contract\"}",
                    "@returns items",
                    "@scrapes page source");

ORBWEAVER_SPIDER(failing_spider, parse_book, parse_broken, parse_missing);
ORBWEAVER_CONTRACTS(failing_spider, parse_book,
                    "@url book/a-walk-through-kyoto.html",
                    "@returns items 2",
                    "@returns requests 0 0",
                    "@scrapes title isbn");
ORBWEAVER_CONTRACTS(failing_spider, parse_broken,
                    "@url book/a-walk-through-kyoto.html",
                    "@returns items 1");
ORBWEAVER_CONTRACTS(failing_spider, parse_missing,
                    "@url book/no-such-book.html",
                    "@returns items 1");

ORBWEAVER_SPIDER(malformed_spider, parse_book, parse_tagged, parse_json, parse_nowhere, parse_mail);
ORBWEAVER_CONTRACTS(malformed_spider, parse_book,
                    "@url book/a-walk-through-kyoto.html",
                    "@returns items x");
ORBWEAVER_CONTRACTS(malformed_spider, parse_tagged,
                    "@url index.html",
                    "@frobnicates 3");
ORBWEAVER_CONTRACTS(malformed_spider, parse_json,
                    "@url index.html",
                    "@meta {\"source\": ");
ORBWEAVER_CONTRACTS(malformed_spider, parse_nowhere,
                    "@returns items 1");
ORBWEAVER_CONTRACTS(malformed_spider, parse_mail,
                    "@url mailto:books@example.com");

ORBWEAVER_SPIDER(unnamed_spider);
ORBWEAVER_CONTRACTS(unnamed_spider, parse_book,
                    "@url book/a-walk-through-kyoto.html",
                    "@returns items 1");

ORBWEAVER_SPIDER(plain_spider);
