// A copy of first_books.cpp that kept the name "books".
#include <orbweaver/orbweaver.hpp>

class second_books : public orbweaver::spider {
 public:
  second_books() { name = "books"; }
  void parse(const orbweaver::response&, orbweaver::output&) override {}
};

ORBWEAVER_SPIDER(second_books);
