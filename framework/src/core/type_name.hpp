#pragma once
// C++ type names as source code writes them, for log lines and messages.
#include <string>
#include <typeinfo>

namespace orbweaver {

// "orbweaver::value_error", not "N9orbweaver11value_errorE".
std::string demangled_name(const std::type_info& t);

}  // namespace orbweaver
