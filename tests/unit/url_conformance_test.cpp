// The WHATWG URL tests (web-platform-tests url/resources/urltestdata.json, checked in under
// tests/conformance/url/) and RFC 3986 §5.4's examples, over the URL parser behind url.hpp.
//
// Which WPT cases apply: a crawler requests only http and https, so a case applies when its input
// names the scheme http or https, or names no scheme and has an http(s) base (a relative link on
// an http page). Every other case (other schemes, relative input against another base or none) is
// not applicable by that rule. An applicable case passes when the parse fails where the data
// says "failure", or else gives its href, host, hostname, port, username, password, pathname,
// search and hash. Cases orbweaver deliberately resolves otherwise are listed with their reason
// in tests/conformance/url/expectations.json; a case failing that is not listed, or a listed case
// that passes, fails the test.
#include "core/url_record.hpp"

#include <orbweaver/url.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace {

namespace json = boost::json;
using orbweaver::url::detail::parse;
using orbweaver::url::detail::record;

const std::string conformance_dir = ORBWEAVER_SOURCE_DIR "/tests/conformance/url/";

json::value read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// The scheme an input or base names (lower case), as the parser's scheme state reads it after
// stripping; empty when none.
std::string scheme_of(std::string_view s) {
  std::string cleaned;
  for (char c : s)
    if (c != '\t' && c != '\n' && c != '\r') cleaned.push_back(c);
  std::string_view v = cleaned;
  while (!v.empty() && static_cast<unsigned char>(v.front()) <= 0x20) v.remove_prefix(1);
  if (v.empty() || !std::isalpha(static_cast<unsigned char>(v[0]))) return {};
  std::string scheme;
  for (char c : v) {
    if (c == ':') return scheme;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
    scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return {};
}

bool is_http(const std::string& scheme) { return scheme == "http" || scheme == "https"; }

// The difference between what the parser gives and what the case expects; empty when none.
std::string mismatch(const json::object& c) {
  std::optional<record> base;
  if (c.at("base").is_string()) {
    orbweaver::errc why{};
    base = parse(json::value_to<std::string>(c.at("base")), nullptr, why);
  }
  orbweaver::errc why{};
  const auto got = parse(json::value_to<std::string>(c.at("input")), base ? &*base : nullptr, why);
  if (c.contains("failure")) return got ? "parsed as " + got->serialize() + ", expected a failure" : "";
  if (!got) return "failed, expected " + json::value_to<std::string>(c.at("href"));
  const std::string port = got->port ? std::to_string(*got->port) : "";
  const std::string search = got->query && !got->query->empty() ? "?" + *got->query : "";
  const std::string hash = got->fragment && !got->fragment->empty() ? "#" + *got->fragment : "";
  const std::pair<const char*, std::string> fields[] = {
      {"href", got->serialize()},   {"hostname", got->host}, {"host", got->host + (port.empty() ? "" : ":" + port)},
      {"port", port},               {"username", got->username}, {"password", got->password},
      {"pathname", got->path},      {"search", search},      {"hash", hash}};
  std::string out;
  for (const auto& [name, value] : fields)
    if (c.contains(name) && json::value_to<std::string>(c.at(name)) != value)
      out += std::string(name) + " '" + value + "' (expected '" + json::value_to<std::string>(c.at(name)) + "') ";
  return out;
}

std::string key_of(const json::object& c) {
  return json::serialize(c.at("input")) + " against " + json::serialize(c.at("base"));
}

TEST(UrlConformance, WptUrlTestData) {
  const json::value expectations = read_json(conformance_dir + "expectations.json");
  const json::value cases = read_json(conformance_dir + "urltestdata.json");
  std::set<std::string> deliberate;
  for (const auto& e : expectations.as_array()) {
    const auto& entry = e.as_object();
    ASSERT_FALSE(json::value_to<std::string>(entry.at("reason")).empty());
    deliberate.insert(key_of(entry));
  }
  int passed = 0, differing = 0, not_applicable = 0;
  std::set<std::string> seen;
  for (const auto& v : cases.as_array()) {
    if (!v.is_object()) continue;  // comments
    const auto& c = v.as_object();
    const std::string input = json::value_to<std::string>(c.at("input"));
    const std::string scheme = scheme_of(input);
    const bool applies = scheme.empty() ? c.at("base").is_string() && is_http(scheme_of(json::value_to<std::string>(c.at("base"))))
                                        : is_http(scheme);
    if (!applies) {
      ++not_applicable;
      continue;
    }
    const std::string key = key_of(c);
    seen.insert(key);
    const std::string why = mismatch(c);
    if (why.empty()) {
      ++passed;
      EXPECT_FALSE(deliberate.contains(key)) << "listed in expectations.json but passes: " << key;
    } else {
      ++differing;
      EXPECT_TRUE(deliberate.contains(key)) << key << ": " << why;
    }
  }
  for (const auto& key : deliberate) EXPECT_TRUE(seen.contains(key)) << "expectation for no applicable case: " << key;
  std::printf("WPT urltestdata.json: %d applicable, %d passed, %d deliberate differences; %d not applicable\n",
              passed + differing, passed, differing, not_applicable);
}

}  // namespace
