// Sitemap parsing without sockets: urlsets, indexes, alternates, namespaces, plain text, robots.txt
// Sitemap lines, broken XML and entity attacks. Cases marked "Scrapy:" are those of Scrapy's
// tests/test_utils_sitemap.py with its expectations.
#include "download/robots.hpp"
#include "feeds/sitemap.hpp"

#include <orbweaver/url.hpp>

#include <gtest/gtest.h>

#include <chrono>

using namespace orbweaver;
using orbweaver::sitemaps::parse_xml;

namespace {

sitemap_entry entry(std::string loc, std::map<std::string, std::string> fields = {},
                    std::vector<std::string> alternate = {}) {
  return {std::move(loc), std::move(fields), std::move(alternate)};
}

void expect_entries(const std::vector<sitemap_entry>& actual, const std::vector<sitemap_entry>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].loc, expected[i].loc) << "entry " << i;
    EXPECT_EQ(actual[i].fields, expected[i].fields) << "entry " << i;
    EXPECT_EQ(actual[i].alternate, expected[i].alternate) << "entry " << i;
  }
}

}  // namespace

// Scrapy: test_sitemap
TEST(Sitemap, UrlsetEntriesHaveEveryField) {
  auto s = parse_xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.google.com/schemas/sitemap/0.84">
<url>
<loc>http://www.example.com/</loc>
<lastmod>2009-08-16</lastmod>
<changefreq>daily</changefreq>
<priority>1</priority>
</url>
<url>
<loc>http://www.example.com/Special-Offers.html</loc>
<lastmod>2009-08-16</lastmod>
<changefreq>weekly</changefreq>
<priority>0.8</priority>
</url>
</urlset>)");
  EXPECT_EQ(s.type, "urlset");
  EXPECT_EQ(s.error, "");
  expect_entries(s.entries,
                 {entry("http://www.example.com/", {{"priority", "1"}, {"lastmod", "2009-08-16"}, {"changefreq", "daily"}}),
                  entry("http://www.example.com/Special-Offers.html",
                        {{"priority", "0.8"}, {"lastmod", "2009-08-16"}, {"changefreq", "weekly"}})});
  EXPECT_EQ(s.entries[0].field("lastmod"), "2009-08-16");
  EXPECT_EQ(s.entries[0].field("image", "none"), "none");
}

// Scrapy: test_sitemap_index
TEST(Sitemap, IndexEntries) {
  auto s = parse_xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap>
  <loc>http://www.example.com/sitemap1.xml.gz</loc>
  <lastmod>2004-10-01T18:23:17+00:00</lastmod>
</sitemap>
<sitemap>
  <loc>http://www.example.com/sitemap2.xml.gz</loc>
  <lastmod>2005-01-01</lastmod>
</sitemap>
</sitemapindex>)");
  EXPECT_EQ(s.type, "sitemapindex");
  expect_entries(s.entries, {entry("http://www.example.com/sitemap1.xml.gz", {{"lastmod", "2004-10-01T18:23:17+00:00"}}),
                             entry("http://www.example.com/sitemap2.xml.gz", {{"lastmod", "2005-01-01"}})});
}

// Scrapy: test_sitemap_strip, test_sitemap_wrong_ns and test_sitemap_wrong_ns2 (one body each).
TEST(Sitemap, WhitespaceIsTrimmedAndNamespacesDoNotMatter) {
  const std::string urls = R"(
<url XMLNS>
<loc> http://www.example.com/</loc>
<lastmod>2009-08-16</lastmod>
<changefreq>daily</changefreq>
<priority>1</priority>
</url>
<url XMLNS>
<loc> http://www.example.com/2</loc>
<lastmod />
</url>
</urlset>
)";
  auto with = [&](std::string root, std::string url_namespace) {
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root + urls;
    body.replace(body.find("XMLNS"), 5, url_namespace);
    body.replace(body.find("XMLNS"), 5, url_namespace);
    return body;
  };
  for (const auto& body : {with(R"(<urlset xmlns="http://www.google.com/schemas/sitemap/0.84">)", ""),
                           with(R"(<urlset xmlns="http://www.google.com/schemas/sitemap/0.84">)", R"(xmlns="")"),
                           with("<urlset>", R"(xmlns="")")}) {
    auto s = parse_xml(body);
    EXPECT_EQ(s.type, "urlset") << body;
    EXPECT_EQ(s.error, "") << body;
    expect_entries(s.entries, {entry("http://www.example.com/",
                                     {{"priority", "1"}, {"lastmod", "2009-08-16"}, {"changefreq", "daily"}}),
                               entry("http://www.example.com/2", {{"lastmod", ""}})});
  }
}

// Scrapy: test_sitemap_blanklines
TEST(Sitemap, BlankLinesBeforeTheDeclarationAndCommentsAreIgnored) {
  auto s = parse_xml(R"(
<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">

<!-- cache: cached = yes name = sitemap_jspCache key = sitemap -->
<sitemap>
<loc>http://www.example.com/sitemap1.xml</loc>
<lastmod>2013-07-15</lastmod>
</sitemap>

<sitemap>
<loc>http://www.example.com/sitemap2.xml</loc>
<lastmod>2013-07-15</lastmod>
</sitemap>

<sitemap>
<loc>http://www.example.com/sitemap3.xml</loc>
<lastmod>2013-07-15</lastmod>
</sitemap>

<!-- end cache -->
</sitemapindex>
)");
  EXPECT_EQ(s.error, "");
  expect_entries(s.entries, {entry("http://www.example.com/sitemap1.xml", {{"lastmod", "2013-07-15"}}),
                             entry("http://www.example.com/sitemap2.xml", {{"lastmod", "2013-07-15"}}),
                             entry("http://www.example.com/sitemap3.xml", {{"lastmod", "2013-07-15"}})});
}

// Scrapy: test_comment
TEST(Sitemap, CommentInsideAnEntry) {
  auto s = parse_xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
    xmlns:xhtml="http://www.w3.org/1999/xhtml">
    <url>
        <loc>http://www.example.com/</loc>
        <!-- this is a comment on which the parser might raise an exception if implemented incorrectly -->
    </url>
</urlset>)");
  expect_entries(s.entries, {entry("http://www.example.com/")});
}

// Scrapy: test_alternate
TEST(Sitemap, AlternateLinksWithAnHref) {
  auto s = parse_xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
    xmlns:xhtml="http://www.w3.org/1999/xhtml">
    <url>
        <loc>http://www.example.com/english/</loc>
        <xhtml:link rel="alternate" hreflang="de"
            href="http://www.example.com/deutsch/"/>
        <xhtml:link rel="alternate" hreflang="de-ch"
            href="http://www.example.com/schweiz-deutsch/"/>
        <xhtml:link rel="alternate" hreflang="en"
            href="http://www.example.com/english/"/>
        <xhtml:link rel="alternate" hreflang="en"/><!-- wrong tag without href -->
    </url>
</urlset>)");
  expect_entries(s.entries, {entry("http://www.example.com/english/", {},
                                   {"http://www.example.com/deutsch/", "http://www.example.com/schweiz-deutsch/",
                                    "http://www.example.com/english/"})});
}

TEST(Sitemap, EntitiesAndCdataInLocations) {
  auto s = parse_xml(R"(<urlset><url><loc>http://example.com/?a=1&amp;b=2</loc></url>)"
                     R"(<url><loc><![CDATA[http://example.com/?c=3&d=4]]></loc></url></urlset>)");
  expect_entries(s.entries, {entry("http://example.com/?a=1&b=2"), entry("http://example.com/?c=3&d=4")});
}

TEST(Sitemap, EntriesWithoutALocAreSkipped) {
  auto s = parse_xml("<urlset><url><lastmod>2020-01-01</lastmod></url><url><loc>http://a.example/</loc></url></urlset>");
  expect_entries(s.entries, {entry("http://a.example/")});
}

// Scrapy: test_xml_entity_expansion. The external entity is neither read nor expanded.
TEST(Sitemap, ExternalEntitiesAreNotExpanded) {
  auto s = parse_xml(R"(<?xml version="1.0" encoding="utf-8"?>
      <!DOCTYPE foo [
      <!ELEMENT foo ANY >
      <!ENTITY xxe SYSTEM "file:///etc/passwd" >
      ]>
      <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url>
          <loc>http://127.0.0.1:8000/&xxe;</loc>
        </url>
      </urlset>
    )");
  expect_entries(s.entries, {entry("http://127.0.0.1:8000/")});
}

TEST(Sitemap, BillionLaughsExpandsNothing) {
  std::string body = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    body += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) body += i == 1 ? "&lol;" : "&lol" + std::to_string(i - 1) + ";";
    body += "\">\n";
  }
  body += "]>\n<urlset><url><loc>http://example.com/&lol9;</loc><lastmod>&lol9;</lastmod></url></urlset>";
  const auto start = std::chrono::steady_clock::now();
  auto s = parse_xml(body);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  expect_entries(s.entries, {entry("http://example.com/", {{"lastmod", ""}})});
}

// Scrapy: test_sitemap_non_string_tag (an undeclared entity in a document without a root we know).
TEST(Sitemap, UndeclaredEntityInAStrayElement) {
  auto s = parse_xml("<url>&k;");
  EXPECT_EQ(s.type, "url");
  EXPECT_TRUE(s.entries.empty());
  EXPECT_NE(s.error, "");
}

TEST(Sitemap, MalformedXmlKeepsTheEntriesReadAndSaysWhere) {
  auto s = parse_xml("<urlset>\n<url><loc>http://a.example/1</loc></url>\n<url><loc>http://a.example/2</loc></url>\n"
                     "<url><loc>http://a.example/3</loc>\n</urlset>");
  EXPECT_EQ(s.type, "urlset");
  EXPECT_NE(s.error.find("line "), std::string::npos) << s.error;
  ASSERT_GE(s.entries.size(), 2u);
  EXPECT_EQ(s.entries[0].loc, "http://a.example/1");
  EXPECT_EQ(s.entries[1].loc, "http://a.example/2");
}

TEST(Sitemap, NotXmlAtAll) {
  for (std::string_view body : {"", "   ", "just some text", "\x1f\x8b\x08garbage", "{\"json\": true}"}) {
    auto s = parse_xml(body);
    EXPECT_EQ(s.type, "") << body;
    EXPECT_TRUE(s.entries.empty()) << body;
  }
}

TEST(Sitemap, HtmlPageIsNeitherUrlsetNorIndex) {
  auto s = parse_xml("<!DOCTYPE html><html><head><title>x</title></head><body><p>Hi<br></body></html>");
  EXPECT_NE(s.type, "urlset");
  EXPECT_NE(s.type, "sitemapindex");
}

TEST(Sitemap, PlainTextSitemapIsOneUrlPerLine) {
  EXPECT_EQ(sitemaps::parse_text("http://a.example/1\r\n\n  http://a.example/2  \nhttp://a.example/3"),
            (std::vector<std::string>{"http://a.example/1", "http://a.example/2", "http://a.example/3"}));
  EXPECT_TRUE(sitemaps::parse_text("\n \r\n").empty());
}

// Scrapy: test_sitemap_urls_from_robots (robots::parse keeps the lines; the spider resolves them
// against the robots.txt URL as url::join does here).
TEST(Sitemap, UrlsFromRobots) {
  const std::string_view robots_txt = R"(User-agent: *
Disallow: /aff/
Disallow: /wl/

# Search and shopping refining
Disallow: /s*/*facet
Disallow: /s*/*tags

# Sitemap files
Sitemap: http://example.com/sitemap.xml
Sitemap: http://example.com/sitemap-product-index.xml
Sitemap: HTTP://example.com/sitemap-uppercase.xml
Sitemap: /sitemap-relative-url.xml

# Forums
Disallow: /forum/search/
Disallow: /forum/active/
)";
  std::vector<std::string> urls;
  for (const auto& line : robots::parse(robots_txt).sitemaps) urls.push_back(url::join("http://example.com", line).value());
  EXPECT_EQ(urls, (std::vector<std::string>{"http://example.com/sitemap.xml", "http://example.com/sitemap-product-index.xml",
                                            "http://example.com/sitemap-uppercase.xml",
                                            "http://example.com/sitemap-relative-url.xml"}));
}
