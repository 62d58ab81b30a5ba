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

// The examples of issue 9: what browsers request for these hrefs.
TEST(UrlJoin, ResolvesAsBrowsersDo) {
  EXPECT_EQ(url::join("http://a/b/c/d;p?q", "../../../g"), "http://a/g");
  EXPECT_EQ(url::normalize("http://example.com/foo/bar/../ton"), "http://example.com/foo/ton");
  EXPECT_EQ(url::join("http://example.com/x/", "/a/%2e%2E/b"), "http://example.com/b");
  EXPECT_EQ(url::join("http://example.com/x/", "/a%2fc"), "http://example.com/a%2fc");
  EXPECT_EQ(url::join("http://example.com/x/y", "\\foo\\bar"), "http://example.com/foo/bar");
  EXPECT_EQ(url::join("http://example.com/x/y", "http:foo"), "http://example.com/x/foo");
  EXPECT_EQ(url::join("https://example.com/x/y", "http:foo"), "http://foo/");
  EXPECT_EQ(url::join("http://example.com/", "\x01 /a\tb\n \x1f"), "http://example.com/ab");
  EXPECT_EQ(url::join("http://example.com/", "/50%off"), "http://example.com/50%off");
  EXPECT_EQ(url::normalize("http://0x7f.1/"), "http://127.0.0.1/");
  EXPECT_EQ(url::normalize("http://0177.0.0.1:8080/"), "http://127.0.0.1:8080/");
  EXPECT_EQ(url::normalize("http://2130706433/"), "http://127.0.0.1/");
  EXPECT_EQ(url::normalize("http://[0:0:0:0:0:0:0:1]/"), "http://[::1]/");
  EXPECT_EQ(url::normalize("http://[::ffff:192.168.0.1]/"), "http://[::ffff:c0a8:1]/");
  EXPECT_EQ(url::normalize("https://%e2%98%83/"), "https://xn--n3h/");
  EXPECT_EQ(url::normalize("https://example.com:443/"), "https://example.com/");
  std::error_code why;
  EXPECT_FALSE(url::normalize("https://\xC2\xAD/", &why)) << "a soft hyphen maps to nothing: no host";
  EXPECT_EQ(why, errc::bad_url);
  EXPECT_FALSE(url::normalize("http://GOO\xC2\xA0\xE3\x80\x80goo.com/", &why)) << "spaces after UTS #46";
  EXPECT_FALSE(url::normalize("http://256.0.0.1/", &why)) << "ends in a number but is no IPv4 address";
  EXPECT_FALSE(url::normalize("http://a%25b/", &why));
}

TEST(UrlHost, IsTheHostRequested) {
  EXPECT_EQ(url::host("http://0x7f.1/"), "127.0.0.1");
  EXPECT_EQ(url::host("https://user:pw@B\xC3\xBC" "cher.example:81/x"), "xn--bcher-kva.example");
  EXPECT_EQ(url::host("http://[::1]:8080/"), "[::1]");
  EXPECT_EQ(url::host("\\\\no-scheme"), "");
}

TEST(UrlSplit, ReadsTheParts) {
  auto p = url::split("https://u:p@example.com:8443/a/b?x=1&y#f");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->https);
  EXPECT_EQ(p->userinfo, "u:p");
  EXPECT_EQ(p->host, "example.com");
  EXPECT_EQ(p->port, 8443);
  EXPECT_EQ(p->authority, "example.com:8443");
  EXPECT_EQ(p->path, "/a/b");
  EXPECT_EQ(p->target, "/a/b?x=1&y");
  EXPECT_EQ(p->query, "x=1&y");
  auto ipv6 = url::split("http://[::1]/");
  ASSERT_TRUE(ipv6);
  EXPECT_EQ(ipv6->host, "[::1]");
  EXPECT_EQ(ipv6->port, 80);
  EXPECT_FALSE(ipv6->query);
  EXPECT_FALSE(url::split("ftp://example.com/"));
  EXPECT_EQ(url::request_host("http://example.com:81/"), "example.com");
}

// Each rule of url::canonicalize (url.hpp), one by one.
TEST(UrlCanonicalize, Rule1SchemeHostPortUserinfoFragment) {
  EXPECT_EQ(url::canonicalize("HTTP://User:Pw@EXAMPLE.com:80/#x"), "http://User:Pw@example.com/");
  EXPECT_EQ(url::canonicalize("http://0x7f.1/"), "http://127.0.0.1/");
  EXPECT_EQ(url::canonicalize("not a url"), "not a url");
}

TEST(UrlCanonicalize, Rule2PathKeepsReservedEscapes) {
  EXPECT_EQ(url::canonicalize("http://h/a%2fb"), "http://h/a%2Fb");
  EXPECT_NE(url::canonicalize("http://h/a%2Fb"), url::canonicalize("http://h/a/b"));
  EXPECT_EQ(url::canonicalize("http://h/%7euser/%41%2d%5F"), "http://h/~user/A-_");
  EXPECT_EQ(url::canonicalize("http://h/a%3bb%3F"), "http://h/a%3Bb%3F");
  EXPECT_EQ(url::canonicalize("http://h/r\xC3\xA9sum\xC3\xA9"), "http://h/r%C3%A9sum%C3%A9");
  EXPECT_EQ(url::canonicalize("http://h/a/./b/../c"), "http://h/a/c");
  EXPECT_EQ(url::canonicalize("http://h/100%/%%61"), "http://h/100%25/%25a");
}

TEST(UrlCanonicalize, Rule3QueryAsW3lib) {
  // w3lib's own examples.
  EXPECT_EQ(url::canonicalize("http://www.example.com/do?c=3&b=5&b=2&a=50"), "http://www.example.com/do?a=50&b=2&b=5&c=3");
  EXPECT_EQ(url::canonicalize("http://h/?b&a=1"), "http://h/?a=1&b=");
  EXPECT_EQ(url::canonicalize("http://h/?b=2;a=1"), "http://h/?a=1&b=2");
  EXPECT_EQ(url::canonicalize("http://h/?q=a%20b"), url::canonicalize("http://h/?q=a+b"));
  EXPECT_EQ(url::canonicalize("http://h/?q=a%20b"), "http://h/?q=a+b");
  EXPECT_EQ(url::canonicalize("http://h/?q=a/b"), "http://h/?q=a%2Fb");
  EXPECT_NE(url::canonicalize("http://h/?a=1%262"), url::canonicalize("http://h/?a=1&2"));
  EXPECT_EQ(url::canonicalize("http://h/?q=%e9"), "http://h/?q=%E9");
  EXPECT_EQ(url::canonicalize("http://h/x?"), "http://h/x");
  EXPECT_EQ(url::canonicalize("http://h/x?&&;"), "http://h/x");
  const std::string once = url::canonicalize("http://h/?z=%2B+&a=%7E~&a=");
  EXPECT_EQ(once, "http://h/?a=&a=~~&z=%2B+");
  EXPECT_EQ(url::canonicalize(once), once);
}
