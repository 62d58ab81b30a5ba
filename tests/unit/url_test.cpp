#include <orbweaver/error.hpp>
#include <orbweaver/url.hpp>

#include <gtest/gtest.h>

using namespace orbweaver;

TEST(UrlJoin, ResolvesRelativeLinks) {
  EXPECT_EQ(url::join("http://example.com/a/b.html", "c.html"), "http://example.com/a/c.html");
  EXPECT_EQ(url::join("http://example.com/a/b.html", "../c.html"), "http://example.com/c.html");
  EXPECT_EQ(url::join("http://example.com/a/b.html", "/x?y=1"), "http://example.com/x?y=1");
  EXPECT_EQ(url::join("https://example.com/a/", "//other.org/p"), "https://other.org/p");
  EXPECT_EQ(url::join("http://example.com/a/b.html", "?q=2"), "http://example.com/a/b.html?q=2");
}

TEST(UrlJoin, DropsFragmentsAndNormalisesCase) {
  EXPECT_EQ(url::join("http://example.com/a", "b#section"), "http://example.com/b");
  EXPECT_EQ(url::join("http://example.com/a", "#top"), "http://example.com/a");
  EXPECT_EQ(url::join("http://example.com/", "HTTP://EXAMPLE.COM/Path"), "http://example.com/Path");
}

TEST(UrlJoin, RejectsLinksThatCannotBeRequested) {
  EXPECT_FALSE(url::join("http://example.com/", "javascript:void(0)"));
  EXPECT_FALSE(url::join("http://example.com/", "mailto:someone@example.com"));
  EXPECT_FALSE(url::join("http://example.com/", "data:text/html,hi"));
  EXPECT_FALSE(url::join("http://example.com/", "tel:+100"));
  EXPECT_FALSE(url::join("http://example.com/", "ftp://example.com/file"));
  EXPECT_FALSE(url::join("http://example.com/", "http://example.com:99999/"));
  EXPECT_FALSE(url::join("http://example.com/", "http://@/nohost"));
  EXPECT_FALSE(url::join("not a url", "x.html"));
}

// The reason comes back for the stats: spider/unfollowable_links/<reason>.
errc join_refusal(std::string_view href) {
  std::error_code why;
  EXPECT_FALSE(url::join("http://example.com/", href, &why)) << href;
  return static_cast<errc>(why.value());
}

TEST(UrlJoin, SaysWhyALinkCannotBeRequested) {
  for (auto href : {"javascript:void(0)", "mailto:a@example.com", "data:text/html,hi", "tel:+100", "ftp://x/"})
    EXPECT_EQ(join_refusal(href), errc::unsupported_scheme) << href;
  for (auto href : {"http://example.com:99999/", "http://example.com:x/", "http://@/nohost", "http://[::1/",
                    "http://exa mple.com/", "http://a%00b.com/", "http://a<b.com/", "https://www.example.co:m0?443"})
    EXPECT_EQ(join_refusal(href), errc::bad_url) << href;
  std::error_code why;
  EXPECT_FALSE(url::normalize("mailto:a@example.com", &why));
  EXPECT_EQ(why, errc::unsupported_scheme);
  EXPECT_FALSE(url::normalize("not a url", &why));
  EXPECT_EQ(why, errc::bad_url);
}

TEST(UrlJoin, InternationalHostsBecomePunycode) {
  EXPECT_EQ(url::join("http://example.com/", "http://b\xc3\xbc" "cher.example/a"), "http://xn--bcher-kva.example/a");
  EXPECT_EQ(url::normalize("https://M\xc3\xbcnchen.DE/"), "https://xn--mnchen-3ya.de/");
  EXPECT_EQ(url::normalize("http://exa%6Dple.com/"), "http://example.com/");
  EXPECT_EQ(url::host("http://xn--bcher-kva.example/"), "xn--bcher-kva.example");
}

TEST(UrlJoin, EncodesWhatBrowsersEncode) {
  EXPECT_EQ(url::join("http://example.com/", "  a b.html \n"), "http://example.com/a%20b.html");
  EXPECT_EQ(url::join("http://example.com/", "/caf\xC3\xA9"), "http://example.com/caf%C3%A9");
  // A stray '%' is kept and '[' ']' are left as they are in a path, as browsers send them.
  EXPECT_EQ(url::join("http://example.com/", "/100%"), "http://example.com/100%");
  EXPECT_EQ(url::join("http://example.com/", "/a[1]"), "http://example.com/a[1]");
}

TEST(UrlNormalize, ChecksAbsoluteUrls) {
  EXPECT_EQ(url::normalize("http://Example.com"), "http://example.com/");
  EXPECT_EQ(url::normalize("https://example.com:8443/x#y"), "https://example.com:8443/x");
  EXPECT_FALSE(url::normalize("example.com/no-scheme"));
  EXPECT_FALSE(url::normalize("http://example.com:65536/"));
  EXPECT_FALSE(url::normalize(""));
}

TEST(UrlCanonicalize, EquivalentUrlsShareOneForm) {
  EXPECT_EQ(url::canonicalize("HTTP://Example.COM:80/a?b=2&a=1#frag"), "http://example.com/a?a=1&b=2");
  EXPECT_EQ(url::canonicalize("https://example.com:443"), "https://example.com/");
  EXPECT_EQ(url::canonicalize("http://example.com:8080/"), "http://example.com:8080/");
  EXPECT_EQ(url::canonicalize("http://example.com/?"), "http://example.com/");
  EXPECT_NE(url::canonicalize("http://example.com/a?x=1"), url::canonicalize("http://example.com/a?x=2"));
}

TEST(UrlHost, LowerCasedWithoutPort) {
  EXPECT_EQ(url::host("http://WWW.Example.com:8080/x"), "www.example.com");
  EXPECT_EQ(url::host("::bad"), "");
}
