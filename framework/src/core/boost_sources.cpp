// Debian ships Boost.JSON and Boost.URL without compiled libraries; their sources are compiled
// here, once, for the whole project.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
