// A spider of the verbs tests' own, in a launcher of their own (verbs_test_launcher): callbacks
// that show what parse handed them, one that throws, and a host (localhost) no example spider
// claims, so that parse finds it by URL.
#include <orbweaver/orbweaver.hpp>

#include <stdexcept>

using namespace orbweaver;

class echo_spider : public spider {
 public:
  echo_spider() {
    name = "echo";
    allowed_domains = {"localhost"};
    custom_settings = {{"USER_AGENT", "echo-spider/1.0"}};
  }

  void parse(const response& r, output& out) override {
    out.emit(item{{"title", r.css("title::text").get()}});
    out.follow_all(r.css("ul.categories li a::attr(href)"), &echo_spider::show_arguments);
  }

  void show_arguments(const response& r, output& out) {
    const auto* note = r.meta().if_contains("note");
    out.emit(item{{"cb_kwargs", r.req().cb_kwargs}, {"note", note ? *note : json::value()}});
  }

  void fail(const response&, output&) { throw std::runtime_error("no luck today"); }
};

ORBWEAVER_SPIDER(echo_spider, show_arguments, fail);
