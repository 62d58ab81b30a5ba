#pragma once
// Exceptions as log lines and messages show them to a user: the type as source code writes it,
// the message without a library's internals.
#include <exception>
#include <string>
#include <typeinfo>

namespace orbweaver {

// "orbweaver::value_error", not "N9orbweaver11value_errorE".
std::string demangled(const char* mangled_name);
std::string demangled_name(const std::type_info& t);

// The exception's type as the user threw or would catch it: Boost's wrappers
// (boost::wrapexcept<T>, boost::detail::with_throw_location<T>) are left out.
std::string exception_type(const std::exception& e);

// what(), except for Boost's system_error, whose what() ends with Boost's source location
// ("[boost.json:30 at /usr/include/boost/json/...]"): its error message and category instead.
std::string exception_message(const std::exception& e);

}  // namespace orbweaver
