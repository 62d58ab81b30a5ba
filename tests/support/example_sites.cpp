#include "example_sites.hpp"

#include "crawl_runner.hpp"
#include "static_site.hpp"

#include <orbweaver/item.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace orbweaver::testing {
namespace {

namespace fs = std::filesystem;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte.
std::string form_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> form_fields(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty()) {
    auto end = body.find('&');
    auto pair = body.substr(0, end);
    auto eq = pair.find('=');
    fields[form_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : form_decode(pair.substr(eq + 1));
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
  }
  return fields;
}

std::pair<int, std::string> json_error(int status, std::string_view message) {
  return {status, json::serialize(json::object{{"error", message}})};
}

}  // namespace

std::pair<int, std::string> job_api_answer(const fs::path& fixtures, const test_request& request) {
  if (request.method != "POST") return json_error(405, "POST city and page");
  std::string city, page;
  const auto type = request.headers.get("Content-Type");
  if (type && type->starts_with("application/json")) {
    json::value body;
    try {
      body = json::parse(request.body);
    } catch (const std::exception&) {
      return json_error(400, "the body is not JSON");
    }
    const auto* object = body.if_object();
    const auto* c = object ? object->if_contains("city") : nullptr;
    const auto* p = object ? object->if_contains("page") : nullptr;
    if (c && c->is_string()) city = c->get_string();
    if (p && p->is_int64()) page = std::to_string(p->get_int64());
    if (p && p->is_string()) page = p->get_string();
  } else {
    auto fields = form_fields(request.body);
    city = fields["city"];
    page = fields["page"];
  }
  if (city.empty() || page.empty()) return json_error(400, "city and page are required");
  for (char& c : city) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool plain = std::all_of(city.begin(), city.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }) &&
                     std::all_of(page.begin(), page.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  const fs::path answer = fixtures / "job_api" / (city + "-" + page + ".json");
  if (!plain || !fs::is_regular_file(answer)) return json_error(404, fmt::format("no page {} for city {}", page, city));
  return {200, read_file(answer)};
}

void serve_example_sites(test_server& server, const fs::path& fixtures) {
  serve_directory(server, fixtures / "www");
  // The folders' own addresses, as a web server answers them with their index.html.
  const auto page = [](const fs::path& file) {
    return test_handler([body = read_file(file)](const test_request&) {
      test_reply reply{.body = body};
      reply.headers.set("Content-Type", "text/html; charset=utf-8");
      return reply;
    });
  };
  server.route("/top250/", page(fixtures / "www/top250/index.html"));
  server.route("/jobs/", page(fixtures / "www/jobs/index.html"));
  server.route("/jobs/api/positions", [fixtures](const test_request& request) {
    auto [status, body] = job_api_answer(fixtures, request);
    test_reply reply{.status = status, .body = std::move(body)};
    reply.headers.set("Content-Type", "application/json");
    return reply;
  });
}

}  // namespace orbweaver::testing
