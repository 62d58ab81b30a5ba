#include "core/type_name.hpp"

#include <cxxabi.h>

#include <cstdlib>

namespace orbweaver {

std::string demangled_name(const std::type_info& t) {
  int status = 0;
  char* name = abi::__cxa_demangle(t.name(), nullptr, nullptr, &status);
  std::string result = status == 0 && name ? name : t.name();
  std::free(name);
  return result;
}

}  // namespace orbweaver
