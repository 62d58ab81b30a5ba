// A job board whose listings come from a POST JSON API: the search page has a form per city; the
// spider submits each (form_request::from_response), then asks the API for the city's further
// pages with JSON bodies (json_request). The board lists some jobs again on later pages: the
// `dedup` pipeline drops those. Items go to SQLite (jobs.db) unless -s STORE_URI says otherwise
// (postgresql://...), and at the end a report charts the salaries per city (jobs_report.cpp).
//   orbweaver crawl jobs -a url=http://127.0.0.1:8302/jobs/ [-a report=jobs-report.html]
// (tests/fixtures/examples has the site; build/tests/example_sites serves it.)
//
// Order: the pages of the four cities are fetched at once, so items come out in no fixed order;
// tests compare them sorted.
#include "jobs_salary.hpp"

#include <orbweaver/orbweaver.hpp>

using namespace orbweaver;

class jobs_spider : public spider {
 public:
  jobs_spider() {
    name = "jobs";
    custom_settings = {
        {"ITEM_PIPELINES", "dedup=100,jobs_report=900"},
        {"DEDUP_FIELDS", "city,title,company,salary"},
        {"STORE_URI", "sqlite:jobs.db"},
    };
  }

  void init() override { start_urls = {arg("url", "http://127.0.0.1:8302/jobs/")}; }

  void parse(const response& r, output& out) override {
    // Each city's form as a browser submits it: its hidden city and page=1, url-encoded.
    for (const auto& id : r.xpath(R"(//form[@class="city-search"]/@id)").getall())
      out.emit(form_request::from_response(r, {.formid = id}, &jobs_spider::parse_results));
  }

  // One page of a city's results: {"city", "page", "pages", "total", "jobs": [...]}.
  void parse_results(const response& r, output& out) {
    const auto answer = r.json().as_object();
    const std::string city(answer.at("city").as_string());
    for (const auto& listed : answer.at("jobs").as_array()) {
      const auto& job = listed.as_object();
      const std::string salary(job.at("salary").as_string());
      const auto range = jobs_example::parse_salary(salary);
      out.emit(item{
          {"city", city},
          {"title", job.at("title")},
          {"company", job.at("company")},
          {"salary", salary},
          {"salary_min", range ? json::value(range->min) : json::value(nullptr)},
          {"salary_max", range ? json::value(range->max) : json::value(nullptr)},
          {"district", job.at("district")},
          {"experience", job.at("experience")},
      });
    }
    // The first page says how many there are: ask for the others at once.
    if (answer.at("page").to_number<long long>() != 1) return;
    const auto pages = answer.at("pages").to_number<long long>();
    for (long long page = 2; page <= pages; ++page)
      out.emit(json_request(r.url(), {{"city", city}, {"page", page}}, &jobs_spider::parse_results));
  }
};

ORBWEAVER_SPIDER(jobs_spider, parse_results);
