// RFC 9309 robots.txt parsing and matching, with examples from the RFC and from Google's
// robots.txt documentation and reference tests; and the robots_txt middleware's pure helpers.
#include "download/robots.hpp"
#include "downloader/robots_txt.hpp"

#include <gtest/gtest.h>

using namespace orbweaver;
using orbweaver::robots::parse;

namespace {

bool allowed(std::string_view text, std::string_view agent, std::string_view path) {
  return parse(text).for_agent(agent).allowed(path);
}

}  // namespace

TEST(RobotsProductToken, IsTheFirstWordBeforeTheSlashLowerCased) {
  EXPECT_EQ(robots::product_token("orbweaver/0.1 (+https://github.com/orbweaver)"), "orbweaver");
  EXPECT_EQ(robots::product_token("Googlebot/2.1"), "googlebot");
  EXPECT_EQ(robots::product_token("  ExampleBot"), "examplebot");
  EXPECT_EQ(robots::product_token("/nothing"), "");
}

TEST(RobotsParse, GroupsOfSeveralAgentsShareTheirRules) {
  auto txt = parse(
      "User-agent: a\n"
      "User-agent: b\n"
      "Disallow: /x\n"
      "User-agent: c\n"
      "Allow: /y\n");
  ASSERT_EQ(txt.groups.size(), 2u);
  EXPECT_EQ(txt.groups[0].agents, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(txt.groups[1].agents, (std::vector<std::string>{"c"}));
  EXPECT_FALSE(txt.for_agent("a").allowed("/x"));
  EXPECT_FALSE(txt.for_agent("b").allowed("/x"));
  EXPECT_TRUE(txt.for_agent("c").allowed("/x"));
}

TEST(RobotsParse, AgentMatchingIsCaseInsensitiveOnTheProductToken) {
  constexpr std::string_view text =
      "User-agent: ORBWeaver/1.0 extra words\n"
      "Disallow: /\n";
  EXPECT_FALSE(allowed(text, "orbweaver", "/page"));
  EXPECT_FALSE(allowed(text, "OrbWeaver", "/page"));
  EXPECT_TRUE(allowed(text, "otherbot", "/page"));
}

TEST(RobotsParse, GroupsForTheSameAgentAreMerged) {
  // RFC 9309 §2.2.1: "If there is more than one group matching the user-agent, the matching
  // groups' rules MUST be combined into one group."
  constexpr std::string_view text =
      "User-agent: ExampleBot\n"
      "Disallow: /foo\n"
      "\n"
      "User-agent: other\n"
      "Disallow: /\n"
      "\n"
      "user-agent: examplebot\n"
      "Disallow: /bar\n";
  EXPECT_FALSE(allowed(text, "examplebot", "/foo"));
  EXPECT_FALSE(allowed(text, "examplebot", "/bar"));
  EXPECT_TRUE(allowed(text, "examplebot", "/baz"));
}

TEST(RobotsParse, TheStarGroupAppliesOnlyWhenNoSpecificGroupMatches) {
  constexpr std::string_view text =
      "User-agent: *\n"
      "Disallow: /\n"
      "\n"
      "User-agent: orbweaver\n"
      "Disallow: /private\n";
  EXPECT_TRUE(allowed(text, "orbweaver", "/public"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/private/x"));
  EXPECT_FALSE(allowed(text, "anybot", "/public"));
}

TEST(RobotsParse, NoMatchingGroupAllowsEverything) {
  constexpr std::string_view text =
      "User-agent: otherbot\n"
      "Disallow: /\n";
  EXPECT_TRUE(allowed(text, "orbweaver", "/anything"));
  EXPECT_TRUE(allowed("", "orbweaver", "/anything"));
}

TEST(RobotsParse, RulesBeforeAnyUserAgentBelongToNoGroup) {
  constexpr std::string_view text =
      "Disallow: /\n"
      "User-agent: *\n"
      "Disallow: /x\n";
  EXPECT_TRUE(allowed(text, "orbweaver", "/y"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/x"));
}

TEST(RobotsParse, EmptyDisallowAllowsEverything) {
  EXPECT_TRUE(allowed("User-agent: *\nDisallow:\n", "orbweaver", "/"));
  EXPECT_TRUE(allowed("User-agent: *\nDisallow:   # nothing\n", "orbweaver", "/a"));
}

TEST(RobotsParse, CommentsBomAndLineEndingsAreHandled) {
  constexpr std::string_view text =
      "\xEF\xBB\xBF# a comment line\r\n"
      "User-agent: *   # everyone\r"
      "Disallow: /secret # not this\r\n"
      "  Allow :  /secret/ok\n";
  EXPECT_FALSE(allowed(text, "orbweaver", "/secret/x"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/secret/ok"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/public"));
}

TEST(RobotsParse, GarbageLinesAreIgnored) {
  std::string text = "User-agent: *\n";
  text += "this is not a rule\n";
  text += "\x01\x02\x03 binary: junk\n";
  text += "Disallow: /x\n";
  EXPECT_FALSE(allowed(text, "orbweaver", "/x"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/y"));
}

TEST(RobotsParse, AnOverlongLineIsReadUpToTheLimit) {
  // As Google's parser: the first 2083 * 8 - 1 bytes of a line count, the rest is ignored.
  const std::string kept = "/" + std::string(2083 * 8 - 1 - std::string("Disallow: /").size(), 'a');
  const std::string text = "User-agent: *\nDisallow: " + kept + "bbbb\n";
  EXPECT_FALSE(allowed(text, "orbweaver", kept + "cccc"));
  EXPECT_TRUE(allowed(text, "orbweaver", kept.substr(0, kept.size() - 1)));
}

TEST(RobotsParse, CommonMisspellingsAndAMissingColonAreTolerated) {
  EXPECT_FALSE(allowed("useragent: *\ndissallow: /x\n", "orbweaver", "/x"));
  EXPECT_FALSE(allowed("User-agent *\nDisallow /x\n", "orbweaver", "/x"));
}

TEST(RobotsParse, StopsAfter500KiB) {
  std::string text = "User-agent: *\n";
  while (text.size() < robots::max_parsed_bytes - 100) text += "Disallow: /filler\n";
  std::string before = text + "Disallow: /before\n";
  std::string after = before + std::string(200, '#') + "\nDisallow: /after\n";
  ASSERT_LT(before.size(), robots::max_parsed_bytes);
  EXPECT_FALSE(allowed(after, "orbweaver", "/before"));
  EXPECT_TRUE(allowed(after, "orbweaver", "/after"));
}

TEST(RobotsParse, CrawlDelayIsReadPerGroup) {
  auto txt = parse(
      "User-agent: orbweaver\n"
      "Crawl-delay: 2.5\n"
      "Disallow: /x\n"
      "User-agent: *\n"
      "Crawl-delay: 10\n"
      "User-agent: slowbot\n"
      "Crawl-delay: soon\n");
  EXPECT_EQ(txt.for_agent("orbweaver").crawl_delay, 2.5);
  EXPECT_EQ(txt.for_agent("anybot").crawl_delay, 10.0);
  EXPECT_EQ(txt.for_agent("slowbot").crawl_delay, std::nullopt);
  EXPECT_FALSE(txt.for_agent("orbweaver").allowed("/x"));
}

TEST(RobotsParse, SitemapsAreCollectedFromAnywhere) {
  auto txt = parse(
      "Sitemap: https://example.com/a.xml\n"
      "User-agent: *\n"
      "Disallow: /x\n"
      "sitemap: https://example.com/b.xml\n"
      "Disallow: /y\n");
  EXPECT_EQ(txt.sitemaps, (std::vector<std::string>{"https://example.com/a.xml", "https://example.com/b.xml"}));
  // A Sitemap line does not end the group.
  EXPECT_FALSE(txt.for_agent("orbweaver").allowed("/y"));
}

TEST(RobotsMatch, LongestMatchWins) {
  // Google: "allow: /p" and "disallow: /" -> /page allowed.
  constexpr std::string_view text =
      "User-agent: *\n"
      "Allow: /p\n"
      "Disallow: /\n";
  EXPECT_TRUE(allowed(text, "orbweaver", "/page"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/other"));
  // Google: "allow: /folder" and "disallow: /folder/" -> /folder/page disallowed.
  EXPECT_FALSE(allowed("User-agent: *\nAllow: /folder\nDisallow: /folder/\n", "orbweaver", "/folder/page"));
  EXPECT_TRUE(allowed("User-agent: *\nAllow: /folder\nDisallow: /folder/\n", "orbweaver", "/folder"));
  // RFC 9309 §5.2 example: allow: /example/page/ and disallow: /example/page/disallowed.gif.
  constexpr std::string_view rfc =
      "User-agent: foobot\n"
      "Disallow: /\n"
      "Allow: /example/page/\n"
      "Disallow: /example/page/disallowed.gif\n";
  EXPECT_TRUE(allowed(rfc, "foobot", "/example/page/"));
  EXPECT_TRUE(allowed(rfc, "foobot", "/example/page/x.html"));
  EXPECT_FALSE(allowed(rfc, "foobot", "/example/page/disallowed.gif"));
  EXPECT_FALSE(allowed(rfc, "foobot", "/elsewhere"));
}

TEST(RobotsMatch, AllowWinsATie) {
  // RFC 9309 §2.2.2: "If an allow rule and a disallow rule are equivalent, then the allow rule
  // SHOULD be used", whatever their order.
  EXPECT_TRUE(allowed("User-agent: *\nDisallow: /page\nAllow: /page\n", "orbweaver", "/page"));
  EXPECT_TRUE(allowed("User-agent: *\nAllow: /page\nDisallow: /page\n", "orbweaver", "/page"));
  // Different patterns of the same length: still a tie.
  EXPECT_TRUE(allowed("User-agent: *\nDisallow: /pag*\nAllow: /page\n", "orbweaver", "/page.html"));
  // One octet longer and the disallow wins.
  EXPECT_FALSE(allowed("User-agent: *\nDisallow: /page*\nAllow: /page\n", "orbweaver", "/page.html"));
}

TEST(RobotsMatch, WildcardsMatchAnySequence) {
  constexpr std::string_view text =
      "User-agent: *\n"
      "Disallow: /*.php\n"
      "Disallow: /fish*\n"
      "Disallow: /a*b*c\n";
  EXPECT_FALSE(allowed(text, "orbweaver", "/index.php"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/folder/any.php.file.html"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/filename.php?parameters"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/windows.PHP"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/fish"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/fishheads/yummy.html"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/Fish.asp"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/a-x-b-y-c-z"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/a-x-c-y-b"));
}

TEST(RobotsMatch, DollarAnchorsAtTheEnd) {
  constexpr std::string_view text =
      "User-agent: *\n"
      "Disallow: /*.php$\n"
      "Disallow: /exact$\n";
  EXPECT_FALSE(allowed(text, "orbweaver", "/filename.php"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/folder/filename.php"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/filename.php?parameters"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/filename.php/"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/filename.php5"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/exact"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/exactly"));
  // Google: "allow: /$" and "disallow: /" -> only the root is allowed.
  EXPECT_TRUE(allowed("User-agent: *\nAllow: /$\nDisallow: /\n", "orbweaver", "/"));
  EXPECT_FALSE(allowed("User-agent: *\nAllow: /$\nDisallow: /\n", "orbweaver", "/page.htm"));
}

TEST(RobotsMatch, PathsAreCaseSensitiveAndMatchFromTheStart) {
  constexpr std::string_view text = "User-agent: *\nDisallow: /fish\n";
  EXPECT_FALSE(allowed(text, "orbweaver", "/fish.html"));
  EXPECT_FALSE(allowed(text, "orbweaver", "/fish?id=anything"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/Fish.asp"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/catfish"));
  EXPECT_TRUE(allowed(text, "orbweaver", "/?id=fish"));
}

TEST(RobotsMatch, PercentEncodingIsNormalisedOnBothSides) {
  EXPECT_EQ(robots::normalize_percent_encoding("/a%2fb%7Ec%41"), "/a%2Fb~cA");
  EXPECT_EQ(robots::normalize_percent_encoding("/caf\xC3\xA9 x"), "/caf%C3%A9%20x");
  EXPECT_EQ(robots::normalize_percent_encoding("/bad%zz%4"), "/bad%zz%4");
  // RFC 9309 §2.2.2 examples.
  EXPECT_FALSE(allowed("User-agent: *\nDisallow: /foo/bar?baz=quz\n", "orbweaver", "/foo/bar?baz=quz"));
  EXPECT_FALSE(allowed("User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\n", "orbweaver", "/foo/bar/%E3%83%84"));
  EXPECT_FALSE(allowed("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", "orbweaver", "/foo/bar/%e3%83%84"));
  EXPECT_FALSE(allowed("User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "orbweaver", "/foo/bar/baz"));
  EXPECT_FALSE(allowed("User-agent: *\nDisallow: /foo/bar/baz\n", "orbweaver", "/foo/bar/%62%61%7A"));
  // An escaped reserved character is not the character itself.
  EXPECT_TRUE(allowed("User-agent: *\nDisallow: /a/b\n", "orbweaver", "/a%2Fb"));
}

TEST(RobotsMatch, RobotsTxtItselfIsAlwaysAllowed) {
  EXPECT_TRUE(allowed("User-agent: *\nDisallow: /\n", "orbweaver", "/robots.txt"));
  EXPECT_FALSE(allowed("User-agent: *\nDisallow: /\n", "orbweaver", "/robots.txt.bak"));
  EXPECT_TRUE(robots::rule_set::disallow_all().allowed("/robots.txt"));
}

TEST(RobotsMatch, EmptyPathIsTheRoot) {
  EXPECT_FALSE(allowed("User-agent: *\nDisallow: /$\n", "orbweaver", ""));
}

TEST(RobotsMiddlewareHelpers, LocatesTheOriginsRobotsTxt) {
  // Request URLs as url::normalize writes them (engine::schedule).
  auto where = middlewares::locate_robots("http://example.com:8080/a/b?x=1#frag");
  ASSERT_TRUE(where);
  EXPECT_EQ(where->origin, "http://example.com:8080");
  EXPECT_EQ(where->robots_url, "http://example.com:8080/robots.txt");
  EXPECT_EQ(where->path_and_query, "/a/b?x=1");
  EXPECT_EQ(where->host, "example.com") << "the key of a Crawl-delay, as of download slots";

  auto https = middlewares::locate_robots("https://example.com/");
  ASSERT_TRUE(https);
  EXPECT_EQ(https->origin, "https://example.com:443");
  EXPECT_EQ(https->robots_url, "https://example.com/robots.txt");
  EXPECT_EQ(https->path_and_query, "/");

  EXPECT_NE(middlewares::locate_robots("http://example.com/")->origin, https->origin);
  EXPECT_FALSE(middlewares::locate_robots("ftp://example.com/"));
  EXPECT_FALSE(middlewares::locate_robots("not a url"));
}

TEST(RobotsMiddlewareHelpers, FailureStatusesFollowRfc9309) {
  constexpr std::string_view body = "User-agent: *\nDisallow: /private\n";
  EXPECT_FALSE(middlewares::rules_for_response(200, body, "orbweaver").allowed("/private/x"));
  EXPECT_TRUE(middlewares::rules_for_response(200, body, "orbweaver").allowed("/public"));
  // Unavailable (4xx): no rules at all, whatever the body says.
  EXPECT_TRUE(middlewares::rules_for_response(404, body, "orbweaver").allowed("/private/x"));
  EXPECT_TRUE(middlewares::rules_for_response(403, body, "orbweaver").allowed("/private/x"));
  // Unreachable (5xx): everything disallowed except robots.txt itself.
  EXPECT_FALSE(middlewares::rules_for_response(503, body, "orbweaver").allowed("/public"));
  EXPECT_FALSE(middlewares::rules_for_response(500, "", "orbweaver").allowed("/"));
}
