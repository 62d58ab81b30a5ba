// The names startproject and genspider accept, and the @key@ placeholders of their templates.
#include "templates.hpp"

#include <gtest/gtest.h>

namespace orbweaver::launcher {
namespace {

TEST(ProjectNames, AreCppIdentifiersThatAreNotKeywords) {
  for (const char* good : {"shop", "books_2", "_private", "Shop", "x"}) EXPECT_TRUE(is_valid_name(good)) << good;
  for (const char* bad : {"", "2shop", "my-shop", "my shop", "shop.cpp", "caf\xc3\xa9", "class", "co_await",
                          "namespace", "and", "override"})
    EXPECT_FALSE(is_valid_name(bad)) << bad;
}

TEST(RenderTemplate, ReplacesKnownPlaceholdersOnly) {
  template_values values{{"name", "shop"}, {"domain", "example.com"}};
  EXPECT_EQ(render_template("class @name@_spider {}; // @domain@", values), "class shop_spider {}; // example.com");
  // A mail address, a lone @ and an unknown key stay as they are; ${CMAKE} text is not touched.
  EXPECT_EQ(render_template("me@host.org @ @other@ ${name} @name@", values), "me@host.org @ @other@ ${name} shop");
  EXPECT_EQ(render_template("@name@@name@", values), "shopshop");
  EXPECT_EQ(render_template("trailing @", values), "trailing @");
  EXPECT_EQ(render_template("", values), "");
}

}  // namespace
}  // namespace orbweaver::launcher
