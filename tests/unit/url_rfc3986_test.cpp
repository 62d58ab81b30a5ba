// RFC 3986 §5.4 "Reference Resolution Examples", normal (§5.4.1) and abnormal (§5.4.2), against
// the base "http://a/b/c/d;p?q". The parser behind url::join keeps the fragment, so it is
// compared whole; url::join gives the same URL without it. Where the WHATWG URL Standard (what
// browsers do, and orbweaver) resolves otherwise, the case says so and why.
#include "core/url_record.hpp"

#include <orbweaver/url.hpp>

#include <gtest/gtest.h>

namespace {

using orbweaver::url::detail::parse;

struct example {
  const char* reference;
  const char* rfc;                // RFC 3986's result
  const char* orbweaver = nullptr;  // when it differs on purpose: our result ("" for a refusal)
  const char* reason = nullptr;
};

constexpr const char* base = "http://a/b/c/d;p?q";

const example examples[] = {
    // §5.4.1 normal examples
    {"g:h", "g:h", "", "not applicable: scheme g, a crawler requests only http(s) (errc::unsupported_scheme)"},
    {"g", "http://a/b/c/g"},
    {"./g", "http://a/b/c/g"},
    {"g/", "http://a/b/c/g/"},
    {"/g", "http://a/g"},
    {"//g", "http://g", "http://g/", "an http URL's empty path is written \"/\" (WHATWG; RFC 3986 §6.2.3 equivalent)"},
    {"?y", "http://a/b/c/d;p?y"},
    {"g?y", "http://a/b/c/g?y"},
    {"#s", "http://a/b/c/d;p?q#s"},
    {"g#s", "http://a/b/c/g#s"},
    {"g?y#s", "http://a/b/c/g?y#s"},
    {";x", "http://a/b/c/;x"},
    {"g;x", "http://a/b/c/g;x"},
    {"g;x?y#s", "http://a/b/c/g;x?y#s"},
    {"", "http://a/b/c/d;p?q"},
    {".", "http://a/b/c/"},
    {"./", "http://a/b/c/"},
    {"..", "http://a/b/"},
    {"../", "http://a/b/"},
    {"../g", "http://a/b/g"},
    {"../..", "http://a/"},
    {"../../", "http://a/"},
    {"../../g", "http://a/g"},
    // §5.4.2 abnormal examples
    {"../../../g", "http://a/g"},
    {"../../../../g", "http://a/g"},
    {"/./g", "http://a/g"},
    {"/../g", "http://a/g"},
    {"g.", "http://a/b/c/g."},
    {".g", "http://a/b/c/.g"},
    {"g..", "http://a/b/c/g.."},
    {"..g", "http://a/b/c/..g"},
    {"./../g", "http://a/b/g"},
    {"./g/.", "http://a/b/c/g/"},
    {"g/./h", "http://a/b/c/g/h"},
    {"g/../h", "http://a/b/c/h"},
    {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
    {"g;x=1/../y", "http://a/b/c/y"},
    {"g?y/./x", "http://a/b/c/g?y/./x"},
    {"g?y/../x", "http://a/b/c/g?y/../x"},
    {"g#s/./x", "http://a/b/c/g#s/./x"},
    {"g#s/../x", "http://a/b/c/g#s/../x"},
    // RFC 3986 allows both "http:g" and, "for backward compatibility", the relative reading,
    // which is the one browsers (WHATWG) take.
    {"http:g", "http://a/b/c/g"},
};

TEST(UrlRfc3986, ReferenceResolutionExamples) {
  orbweaver::errc why{};
  const auto base_record = parse(base, nullptr, why);
  ASSERT_TRUE(base_record);
  int passed = 0, deliberate = 0;
  for (const auto& e : examples) {
    const auto resolved = parse(e.reference, &*base_record, why);
    const std::string got = resolved ? resolved->serialize() : "";
    const std::string expected = e.orbweaver ? e.orbweaver : e.rfc;
    EXPECT_EQ(got, expected) << "reference \"" << e.reference << "\"";
    if (e.orbweaver) {
      EXPECT_NE(expected, e.rfc) << e.reference;
      EXPECT_NE(std::string(e.reason), "") << e.reference;
      ++deliberate;
    } else {
      ++passed;
    }
    // url::join: the same URL without its fragment.
    const std::string without_fragment = expected.substr(0, expected.find('#'));
    EXPECT_EQ(orbweaver::url::join(base, e.reference).value_or(""), without_fragment) << e.reference;
  }
  std::printf("RFC 3986 §5.4: %d examples, %d as the RFC, %d deliberate differences\n", passed + deliberate, passed,
              deliberate);
}

}  // namespace
