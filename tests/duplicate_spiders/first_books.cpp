// A spider named "books" (see second_books.cpp): a launcher with both refuses every command.
#include <orbweaver/orbweaver.hpp>

class first_books : public orbweaver::spider {
 public:
  first_books() { name = "books"; }
  void parse(const orbweaver::response&, orbweaver::output&) override {}
};

ORBWEAVER_SPIDER(first_books);
