#include "robots.h"
#include "gtest/gtest.h"
#include <cstring>
namespace googlebot {
std::string GetPathParamsQuery(const std::string& url) { shim::record("path", {url}); return {}; }
bool MaybeEscapePattern(const char* src, char** dst) { shim::record("escape", {src}); *dst = const_cast<char*>(src); return false; }
}
int main() { for (auto& t : shim::tests()) { shim::current_test = t.name; t.f(); } }
