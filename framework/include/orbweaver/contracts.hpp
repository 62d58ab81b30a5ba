#pragma once
// Spider contracts, as Scrapy's: declared beside a callback, checked by `orbweaver check`, which
// downloads the @url through the spider's settings and middlewares, runs the callback on it and
// checks what the callback returned.
//   ORBWEAVER_CONTRACTS(books_spider, parse_book,
//                       "@url http://127.0.0.1:8301/book/a-walk-through-kyoto.html",
//                       "@returns items 1 1",
//                       "@returns requests 0 0",
//                       "@scrapes title price rating url");
// The lines:
//   @url URL                  the page to check with (required); a relative URL is resolved
//                             against the spider's first start URL
//   @returns items|requests [MIN [MAX]]
//                             how many the callback returns: at least one without numbers, at
//                             least MIN with one, between MIN and MAX (inclusive) with two
//   @scrapes FIELD...         every item returned has these fields
//   @cb_kwargs JSON           the request's cb_kwargs (a JSON object)
//   @meta JSON                the request's meta (a JSON object)
// The method must be a named callback (ORBWEAVER_SPIDER(cls, method...)). `orbweaver check`
// refuses a malformed line or an unnamed method, naming the spider, the callback and the line.
#include <orbweaver/spider.hpp>

#include <initializer_list>
#include <string>
#include <type_traits>
#include <typeindex>
#include <vector>

namespace orbweaver {

// One ORBWEAVER_CONTRACTS statement.
struct contract_declaration {
  std::type_index spider_class;
  std::string callback;            // the method's name
  std::vector<std::string> lines;  // as written
  std::string declared_at;         // "spiders/books.cpp:40"
};

// The contracts declared for the class of `s`, in the order of their declarations.
std::vector<contract_declaration> spider_contracts(const spider& s);

namespace detail {
void register_contracts(contract_declaration declaration);

template <class S>
struct contract_registration {
  contract_registration(void (S::*)(const response&, output&), const char* callback,
                        std::initializer_list<const char*> lines, const char* file, int line) {
    static_assert(std::is_base_of_v<spider, S>, "ORBWEAVER_CONTRACTS names a class derived from orbweaver::spider");
    register_contracts({typeid(S), callback, {lines.begin(), lines.end()}, std::string(file) + ":" + std::to_string(line)});
  }
};
}  // namespace detail

}  // namespace orbweaver

// At namespace scope, after the class: ORBWEAVER_CONTRACTS(cls, method, "@url ...", "@returns ...").
#define ORBWEAVER_CONTRACTS(cls, method, ...)                                                 \
  static const ::orbweaver::detail::contract_registration<cls> ORBWEAVER_CONCAT(              \
      orbweaver_contracts_, __LINE__) {                                                      \
    &cls::method, #method, {__VA_ARGS__}, __FILE__, __LINE__                                 \
  }
