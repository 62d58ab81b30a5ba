#pragma once
#include <string>
#include <string_view>
namespace absl {
template <class... A> std::string StrCat(const A&... a) { std::string s; ((s += std::string_view(a)), ...); return s; }
template <class... A> void StrAppend(std::string* d, const A&... a) { ((*d += std::string_view(a)), ...); }
}
