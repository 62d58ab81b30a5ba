// The http_proxy middleware's decisions without a socket: proxy URLs, the environment, no_proxy,
// and what a request carries afterwards (meta "proxy", Proxy-Authorization).
#include "downloader/http_auth.hpp"
#include "downloader/http_proxy.hpp"

#include <orbweaver/settings.hpp>

#include <gtest/gtest.h>

#include <map>

using namespace orbweaver;
using namespace orbweaver::middlewares;

namespace {

// A fake environment for read_proxy_environment.
environment_lookup environment(const std::map<std::string, std::string>& variables) {
  return [variables](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  };
}

proxy_environment read(const std::map<std::string, std::string>& variables) {
  return read_proxy_environment(environment(variables), auth_encoding::latin1);
}

std::string meta_string(const request& r, std::string_view key) {
  const auto* value = r.meta.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string("<unset>");
}

std::string proxy_authorization(const request& r) {
  return std::string(r.headers.get("Proxy-Authorization").value_or("<none>"));
}

const proxy_environment no_environment{};

}  // namespace

TEST(ProxyUrl, CredentialsBecomeBasicAuthorizationAndLeaveTheUrl) {
  const proxy_endpoint p = parse_proxy("http://user:pass@127.0.0.1:3128", auth_encoding::latin1);
  EXPECT_EQ(p.url, "http://127.0.0.1:3128");
  EXPECT_EQ(p.authorization, "Basic dXNlcjpwYXNz");
  EXPECT_EQ(p.authorization, basic_authorization("user", "pass"));
}

TEST(ProxyUrl, SchemeAndPortDefaultsAndCase) {
  EXPECT_EQ(parse_proxy("proxy.example:8080", auth_encoding::latin1).url, "http://proxy.example:8080");
  EXPECT_EQ(parse_proxy("http://proxy.example", auth_encoding::latin1).url, "http://proxy.example:80");
  EXPECT_EQ(parse_proxy("HTTP://Proxy.Example:3128/", auth_encoding::latin1).url, "http://proxy.example:3128");
  EXPECT_EQ(parse_proxy("http://[::1]:3128", auth_encoding::latin1).url, "http://[::1]:3128");
  EXPECT_TRUE(parse_proxy("http://proxy.example:3128", auth_encoding::latin1).authorization.empty());
}

TEST(ProxyUrl, CredentialsArePercentDecodedAndAUserIsNeeded) {
  EXPECT_EQ(parse_proxy("http://us%40er:p%3Ass@h:1", auth_encoding::latin1).authorization,
            basic_authorization("us@er", "p:ss"));
  EXPECT_EQ(parse_proxy("http://user@h:1", auth_encoding::latin1).authorization, basic_authorization("user", ""));
  EXPECT_TRUE(parse_proxy("http://:secret@h:1", auth_encoding::latin1).authorization.empty());
}

TEST(ProxyUrl, AuthEncodingLatin1OrUtf8) {
  // "jürgen": ü is U+00FC, one byte in latin-1, two in UTF-8.
  EXPECT_EQ(parse_proxy("http://j%C3%BCrgen:pw@h:1", auth_encoding::latin1).authorization,
            basic_authorization("j\xFCrgen", "pw"));
  EXPECT_EQ(parse_proxy("http://j%C3%BCrgen:pw@h:1", auth_encoding::utf8).authorization,
            basic_authorization("j\xC3\xBCrgen", "pw"));
  EXPECT_THROW(parse_proxy("http://user:%E2%82%AC@h:1", auth_encoding::latin1), std::invalid_argument)
      << "the euro sign is beyond latin-1";
  EXPECT_EQ(parse_proxy("http://user:%E2%82%AC@h:1", auth_encoding::utf8).authorization,
            basic_authorization("user", "\xE2\x82\xAC"));

  EXPECT_EQ(parse_auth_encoding("latin-1"), auth_encoding::latin1);
  EXPECT_EQ(parse_auth_encoding("ISO-8859-1"), auth_encoding::latin1);
  EXPECT_EQ(parse_auth_encoding("UTF-8"), auth_encoding::utf8);
  EXPECT_THROW(parse_auth_encoding("cp1252"), settings_error);
}

TEST(ProxyUrl, UnusableProxiesAreRefusedWithoutEchoingThePassword) {
  for (const char* unusable : {"socks5://h:1080", "https://h:443", "http://:3128", "http://h:99999", "http://h:0"}) {
    EXPECT_THROW(parse_proxy(unusable, auth_encoding::latin1), std::invalid_argument) << unusable;
  }
  try {
    parse_proxy("socks5://user:hunter2@h:1080", auth_encoding::latin1);
    ADD_FAILURE() << "socks5 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST(ProxyEnvironment, LowerCaseWinsEvenWhenEmpty) {
  const proxy_environment both = read({{"http_proxy", "lower:1"}, {"HTTP_PROXY", "upper:2"}});
  ASSERT_TRUE(both.http);
  EXPECT_EQ(both.http->url, "http://lower:1");

  const proxy_environment upper = read({{"HTTP_PROXY", "upper:2"}, {"HTTPS_PROXY", "http://u:p@secure:3"}});
  ASSERT_TRUE(upper.http);
  EXPECT_EQ(upper.http->url, "http://upper:2");
  ASSERT_TRUE(upper.https);
  EXPECT_EQ(upper.https->url, "http://secure:3");
  EXPECT_EQ(upper.https->authorization, basic_authorization("u", "p"));

  EXPECT_FALSE(read({{"http_proxy", ""}, {"HTTP_PROXY", "upper:2"}}).http) << "an empty lower-case variable unsets";
  const proxy_environment none = read({});
  EXPECT_FALSE(none.http);
  EXPECT_FALSE(none.https);
  EXPECT_TRUE(none.no_proxy.empty());
}

TEST(ProxyEnvironment, UnusableProxyIsASettingsErrorNamingTheVariable) {
  try {
    read({{"HTTPS_PROXY", "socks5://h:1080"}});
    ADD_FAILURE() << "socks5 accepted";
  } catch (const settings_error& e) {
    EXPECT_NE(std::string(e.what()).find("HTTPS_PROXY"), std::string::npos) << e.what();
  }
}

TEST(ProxyEnvironment, NoProxyEntries) {
  const proxy_environment env = read({{"no_proxy", " .Example.com, localhost,,[::1] ,10.0.0.1"}});
  EXPECT_EQ(env.no_proxy, (std::vector<std::string>{"example.com", "localhost", "::1", "10.0.0.1"}));
  EXPECT_EQ(read({{"NO_PROXY", "a.org"}}).no_proxy, std::vector<std::string>{"a.org"});

  EXPECT_TRUE(bypasses_proxy("example.com", env.no_proxy));
  EXPECT_TRUE(bypasses_proxy("www.example.com", env.no_proxy));
  EXPECT_FALSE(bypasses_proxy("badexample.com", env.no_proxy));
  EXPECT_FALSE(bypasses_proxy("example.com.evil.net", env.no_proxy));
  EXPECT_TRUE(bypasses_proxy("localhost", env.no_proxy));
  EXPECT_TRUE(bypasses_proxy("::1", env.no_proxy));
  EXPECT_TRUE(bypasses_proxy("10.0.0.1", env.no_proxy));
  EXPECT_FALSE(bypasses_proxy("10.0.0.11", env.no_proxy));
  EXPECT_TRUE(bypasses_proxy("anything.net", read({{"no_proxy", "*"}}).no_proxy));
  EXPECT_FALSE(bypasses_proxy("anything.net", read({}).no_proxy));
}

TEST(ProxyRouting, EnvironmentProxyBySchemeUnlessNoProxy) {
  const proxy_environment env =
      read({{"http_proxy", "http://plain:3128"}, {"https_proxy", "http://u:p@secure:3129"},
            {"no_proxy", "internal.org"}});

  request plain("http://example.com/");
  route_through_proxy(plain, env, auth_encoding::latin1);
  EXPECT_EQ(meta_string(plain, "proxy"), "http://plain:3128");
  EXPECT_EQ(proxy_authorization(plain), "<none>");

  request secure("https://example.com/");
  route_through_proxy(secure, env, auth_encoding::latin1);
  EXPECT_EQ(meta_string(secure, "proxy"), "http://secure:3129");
  EXPECT_EQ(proxy_authorization(secure), basic_authorization("u", "p"));

  request inside("https://www.Internal.org/");
  route_through_proxy(inside, env, auth_encoding::latin1);
  EXPECT_FALSE(inside.meta.contains("proxy"));
  EXPECT_EQ(proxy_authorization(inside), "<none>");

  request only_http("https://example.com/");
  route_through_proxy(only_http, read({{"http_proxy", "plain:3128"}}), auth_encoding::latin1);
  EXPECT_FALSE(only_http.meta.contains("proxy")) << "https URLs take https_proxy only";
}

TEST(ProxyRouting, MetaProxyWinsOverTheEnvironmentAndEmptyMeansNone) {
  const proxy_environment env = read({{"http_proxy", "http://env:3128"}});

  request chosen("http://example.com/");
  chosen.meta["proxy"] = "http://user:pass@mine:8080";
  route_through_proxy(chosen, env, auth_encoding::latin1);
  EXPECT_EQ(meta_string(chosen, "proxy"), "http://mine:8080") << "credentials leave the meta";
  EXPECT_EQ(proxy_authorization(chosen), basic_authorization("user", "pass"));

  request none("http://example.com/");
  none.meta["proxy"] = "";
  route_through_proxy(none, env, auth_encoding::latin1);
  EXPECT_EQ(meta_string(none, "proxy"), "");

  request null("http://example.com/");
  null.meta["proxy"] = nullptr;
  route_through_proxy(null, env, auth_encoding::latin1);
  EXPECT_TRUE(null.meta.at("proxy").is_null());

  request unusable("http://example.com/");
  unusable.meta["proxy"] = 3128;
  EXPECT_THROW(route_through_proxy(unusable, env, auth_encoding::latin1), std::invalid_argument);
}

TEST(ProxyRouting, RequestsOwnProxyAuthorizationStaysWithItsProxyOnly) {
  request r("http://example.com/");
  r.meta["proxy"] = "http://mine:8080";
  r.headers.set("Proxy-Authorization", "Basic b3du");
  route_through_proxy(r, no_environment, auth_encoding::latin1);
  EXPECT_EQ(proxy_authorization(r), "Basic b3du");

  route_through_proxy(r, no_environment, auth_encoding::latin1);  // again, as after a redirect
  EXPECT_EQ(proxy_authorization(r), "Basic b3du");

  r.meta["proxy"] = "http://other:8080";
  route_through_proxy(r, no_environment, auth_encoding::latin1);
  EXPECT_EQ(proxy_authorization(r), "<none>") << "made for another proxy";

  request direct("http://example.com/");
  direct.headers.set("Proxy-Authorization", "Basic b3du");
  route_through_proxy(direct, no_environment, auth_encoding::latin1);
  EXPECT_EQ(proxy_authorization(direct), "<none>") << "no proxy: it would reach the origin";
}

TEST(ProxyRouting, CredentialsOfTheUrlWinAndGoWhenTheProxyChanges) {
  request r("http://example.com/");
  r.headers.set("Proxy-Authorization", "Basic b3du");
  r.meta["proxy"] = "http://user:pass@first:8080";
  route_through_proxy(r, no_environment, auth_encoding::latin1);
  EXPECT_EQ(proxy_authorization(r), basic_authorization("user", "pass"));

  r.meta["proxy"] = "http://second:8080";
  route_through_proxy(r, no_environment, auth_encoding::latin1);
  EXPECT_EQ(proxy_authorization(r), "<none>");

  r.meta["proxy"] = "";
  r.headers.set("Proxy-Authorization", "Basic c3RhbGU=");
  route_through_proxy(r, no_environment, auth_encoding::latin1);
  EXPECT_EQ(proxy_authorization(r), "<none>");
}

TEST(ProxyRouting, EnvironmentProxyIsChosenAgainWhenTheRequestComesBack) {
  const proxy_environment env =
      read({{"http_proxy", "http://u:p@plain:3128"}, {"https_proxy", "http://secure:3129"},
            {"no_proxy", "inside.org"}});
  request r("http://example.com/");
  route_through_proxy(r, env, auth_encoding::latin1);
  EXPECT_EQ(meta_string(r, "proxy"), "http://plain:3128");
  EXPECT_EQ(proxy_authorization(r), basic_authorization("u", "p"));

  r.url = "https://example.com/";  // redirected, meta and headers copied
  route_through_proxy(r, env, auth_encoding::latin1);
  EXPECT_EQ(meta_string(r, "proxy"), "http://secure:3129");
  EXPECT_EQ(proxy_authorization(r), "<none>") << "the credentials were for the http proxy";

  r.url = "https://inside.org/";
  route_through_proxy(r, env, auth_encoding::latin1);
  EXPECT_FALSE(r.meta.contains("proxy"));

  r.url = "http://example.com/";
  r.meta["proxy"] = "http://mine:8080";  // the spider's choice from now on
  route_through_proxy(r, env, auth_encoding::latin1);
  r.url = "https://example.com/";
  route_through_proxy(r, env, auth_encoding::latin1);
  EXPECT_EQ(meta_string(r, "proxy"), "http://mine:8080");
}
