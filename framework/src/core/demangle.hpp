#pragma once
// The readable name of a type, for messages about exceptions a user's code threw.
#include <cxxabi.h>

#include <cstdlib>
#include <string>
#include <typeinfo>

namespace orbweaver {

inline std::string demangled(const char* mangled_name) {
  int status = 0;
  char* name = abi::__cxa_demangle(mangled_name, nullptr, nullptr, &status);
  std::string result = status == 0 && name ? name : mangled_name;
  std::free(name);
  return result;
}

inline std::string demangled_type(const std::type_info& t) { return demangled(t.name()); }

}  // namespace orbweaver
