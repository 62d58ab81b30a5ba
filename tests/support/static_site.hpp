#pragma once
// A folder of files served by a test_server, as a static web server would.
#include "test_server.hpp"

#include <filesystem>

namespace orbweaver::testing {

// Routes every file under `root` at its path (index.html also at /): .css as text/css, anything
// else as UTF-8 HTML.
void serve_directory(test_server& server, const std::filesystem::path& root);

}  // namespace orbweaver::testing
