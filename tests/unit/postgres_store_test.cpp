// The PostgreSQL store's logic without a server: what a STORE_URI names (libpq's parser), the
// password kept out of messages, COPY's text escaping and JSONB's refusal of \u0000.
// (Against a real server: tests/integration/postgres_store_test.cpp.)
#include "core/redact.hpp"
#include "postgres_store.hpp"
#include "sqlite_store.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace orbweaver::pipelines {
namespace {

std::string error_of(std::string_view uri) {
  try {
    parse_postgres_uri(uri);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(PostgresUri, BothSchemesAreThePostgresStores) {
  EXPECT_TRUE(is_postgres_uri("postgresql://u:p@db.example:5433/items"));
  EXPECT_TRUE(is_postgres_uri("postgres://db/items"));
  EXPECT_FALSE(is_postgres_uri("sqlite:items.db"));
  EXPECT_FALSE(is_postgres_uri("mysql://db/items"));
  EXPECT_FALSE(is_postgres_uri("postgresql:items"));
}

TEST(PostgresUri, NamesHostPortDatabaseAndUser) {
  auto target = parse_postgres_uri("postgresql://crawler:secret@db.example:5433/items");
  EXPECT_EQ(target.host, "db.example");
  EXPECT_EQ(target.port, "5433");
  EXPECT_EQ(target.database, "items");
  EXPECT_EQ(target.user, "crawler");
  EXPECT_EQ(target.describe(), "database 'items' on db.example:5433 as user 'crawler'");

  auto short_form = parse_postgres_uri("postgres://10.0.0.7/shop");
  EXPECT_EQ(short_form.host, "10.0.0.7");
  EXPECT_EQ(short_form.database, "shop");
  EXPECT_EQ(short_form.describe(), "database 'shop' on 10.0.0.7 as user '(your login name)'");

  // Percent-encoding and libpq's query parameters, which may also name the host and user.
  auto encoded = parse_postgres_uri("postgresql://cr%40wler:p%2Fw@[::1]:6000/my%20db?sslmode=require&connect_timeout=3");
  EXPECT_EQ(encoded.user, "cr@wler");
  EXPECT_EQ(encoded.host, "::1");
  EXPECT_EQ(encoded.database, "my db");
  auto parameters = parse_postgres_uri("postgresql:///items?host=/var/run/postgresql&user=me");
  EXPECT_EQ(parameters.host, "/var/run/postgresql");
  EXPECT_EQ(parameters.user, "me");

  // Without a host: libpq's local socket; without a database: the user's name, as libpq does.
  auto defaults = parse_postgres_uri("postgresql://me@");
  EXPECT_EQ(defaults.describe(), "database 'me' on the local socket as user 'me'");
}

TEST(PostgresUri, MalformedUrisAreRefusedWithoutThePassword) {
  auto unknown = error_of("postgresql://crawler:hunter2@db/items?nonsense=1");
  EXPECT_NE(unknown.find("nonsense"), std::string::npos) << unknown;
  EXPECT_EQ(unknown.find("hunter2"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("postgresql://crawler:***@db/items"), std::string::npos) << unknown;

  auto bad_character = error_of("postgresql://crawler:hunter2@db:54x2/items");
  EXPECT_EQ(bad_character.find("hunter2"), std::string::npos) << bad_character;

  auto in_parameter = error_of("postgresql://db/items?password=hunter2&bogus=1");
  EXPECT_FALSE(in_parameter.empty());
  EXPECT_EQ(in_parameter.find("hunter2"), std::string::npos) << in_parameter;

  // libpq quotes the whole URI here: with the password hidden, and unchanged without one.
  auto quoted = error_of("postgresql://crawler:hunter2@[::1/items");
  EXPECT_NE(quoted.find("\"postgresql://crawler:***@[::1/items\""), std::string::npos) << quoted;
  EXPECT_EQ(quoted.find("hunter2"), std::string::npos) << quoted;
  auto no_password = error_of("postgresql://crawler@[::1/items");
  EXPECT_NE(no_password.find("\"postgresql://crawler@[::1/items\""), std::string::npos) << no_password;

  EXPECT_NE(error_of("sqlite:items.db").find("not a PostgreSQL URI"), std::string::npos);
}

TEST(PostgresUri, RedactsThePasswordWhereverItIs) {
  EXPECT_EQ(redact_password("postgresql://u:pw@h/d"), "postgresql://u:***@h/d");
  EXPECT_EQ(redact_password("postgresql://u@h/d"), "postgresql://u@h/d");
  EXPECT_EQ(redact_password("postgresql://h/d?user=u&password=pw&sslmode=require"),
            "postgresql://h/d?user=u&password=***&sslmode=require");
  EXPECT_EQ(redact_password("postgresql://h:5432/d"), "postgresql://h:5432/d") << "a port is not a password";
  // The user part ends at the first @ before the path: an @ in the path is not one.
  EXPECT_EQ(redact_password("postgresql://h/d@x:y"), "postgresql://h/d@x:y");
  EXPECT_EQ(redact_password("mysql://root:pw@db/items"), "mysql://root:***@db/items");
}

TEST(PostgresUri, TheSqliteStoreLeavesThemAloneAndHidesPasswordsOfOthers) {
  try {
    sqlite_path_from_uri("mysql://root:hunter2@db/items");
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    EXPECT_NE(message.find("postgresql://"), std::string::npos) << message;
  }
}

TEST(PostgresCopy, EscapesCopyTextFormat) {
  std::string out;
  append_copy_field(out, std::string("a\tb\nc\rd\\e\0f", 12));
  EXPECT_EQ(out, "a\\tb\\nc\\rd\\\\ef");
}

TEST(PostgresCopy, JsonNulEscapesBecomeReplacementCharacters) {
  std::string json = R"({"a":"x\u0000y","b":"\\u0000","c":"\\\u0000"})";
  replace_json_nul_escapes(json);
  EXPECT_EQ(json, R"({"a":"x\ufffdy","b":"\\u0000","c":"\\\ufffd"})");
}

}  // namespace
}  // namespace orbweaver::pipelines
