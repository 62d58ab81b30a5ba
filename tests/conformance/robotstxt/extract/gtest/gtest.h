#pragma once
#include <functional>
#include <vector>
namespace shim {
struct registered { const char* name; void (*f)(); };
inline std::vector<registered>& tests() { static std::vector<registered> t; return t; }
struct reg { reg(const char* n, void (*f)()) { tests().push_back({n, f}); } };
}
#define TEST(suite, name) void name(); static shim::reg reg_##name(#name, name); void name()
#define EXPECT_TRUE(x) do { (void)(x); shim::commit_bool(true); } while (0)
#define EXPECT_FALSE(x) do { (void)(x); shim::commit_bool(false); } while (0)
#define EXPECT_EQ(a, b) do { (void)(b); shim::commit_str(a); } while (0)
#define ASSERT_GE(a, b) (void)0
