#include "core/exception_text.hpp"

#include <boost/system/system_error.hpp>
#include <fmt/format.h>

#include <cxxabi.h>

#include <cstdlib>
#include <string_view>

namespace orbweaver {

std::string demangled(const char* mangled_name) {
  int status = 0;
  char* name = abi::__cxa_demangle(mangled_name, nullptr, nullptr, &status);
  std::string result = status == 0 && name ? name : mangled_name;
  std::free(name);
  return result;
}

std::string demangled_name(const std::type_info& t) { return demangled(t.name()); }

std::string exception_type(const std::exception& e) {
  std::string name = demangled_name(typeid(e));
  for (std::string_view wrapper : {"boost::wrapexcept<", "boost::detail::with_throw_location<"})
    if (name.starts_with(wrapper) && name.ends_with('>')) name = name.substr(wrapper.size(), name.size() - wrapper.size() - 1);
  return name;
}

std::string exception_message(const std::exception& e) {
  const auto* system = dynamic_cast<const boost::system::system_error*>(&e);
  if (!system) return e.what();
  const auto& category = system->code().category();
  const std::string message = system->code().message();
  if (category == boost::system::generic_category() || category == boost::system::system_category()) return message;
  return fmt::format("{} ({})", message, category.name());
}

}  // namespace orbweaver
