// Shim: records every call the reference tests make, with the expectation, as JSON lines.
#pragma once
#include <string>
#include <string_view>
#include <vector>
#include <cstdio>
#include <cstring>
namespace absl { using string_view = std::string_view; }
namespace shim {
inline std::string current_test;
struct pending { std::string kind; std::vector<std::string> args; bool set = false; };
inline pending last;
inline std::string json(std::string_view s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') { o += '\\'; o += c; }
    else if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); o += b; }
    else o += c;
  }
  return o + "\"";
}
inline void record(std::string kind, std::vector<std::string> args) { last = {std::move(kind), std::move(args), true}; }
inline void commit(const std::string& expected_json) {
  if (!last.set) return;
  std::printf("{\"test\": %s, \"kind\": %s", json(current_test).c_str(), json(last.kind).c_str());
  static const char* names[3] = {"robots", "agent", "url"};
  if (last.kind == "allowed") for (int i = 0; i < 3; ++i) std::printf(", \"%s\": %s", names[i], json(last.args[i]).c_str());
  else std::printf(", \"input\": %s", json(last.args[0]).c_str());
  std::printf(", \"expected\": %s}\n", expected_json.c_str());
  last.set = false;
}
inline void commit_bool(bool b) { commit(b ? "true" : "false"); }
inline void commit_str(const std::string& s) { commit(json(s)); }
inline void commit_str(int) { last.set = false; }  // the stats reporter's counts: not ported
}
namespace googlebot {
class RobotsParseHandler {
 public:
  virtual ~RobotsParseHandler() = default;
  virtual void HandleRobotsStart() = 0;
  virtual void HandleRobotsEnd() = 0;
  virtual void HandleUserAgent(int, absl::string_view) = 0;
  virtual void HandleAllow(int, absl::string_view) = 0;
  virtual void HandleDisallow(int, absl::string_view) = 0;
  virtual void HandleSitemap(int, absl::string_view) = 0;
  virtual void HandleUnknownAction(int, absl::string_view, absl::string_view) = 0;
};
inline void ParseRobotsTxt(absl::string_view, RobotsParseHandler*) {}
class RobotsMatcher {
 public:
  bool OneAgentAllowedByRobots(absl::string_view robots, const std::string& agent, const std::string& url) {
    shim::record("allowed", {std::string(robots), agent, url});
    return false;
  }
  static bool IsValidUserAgentToObey(absl::string_view agent) {
    shim::record("valid_agent", {std::string(agent)});
    return false;
  }
};
}
