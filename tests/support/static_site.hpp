#pragma once
// A folder of files served by a test_server, as a static web server would (the bundled bookshop,
// sample_site/www).
#include "test_server.hpp"

#include <chrono>
#include <filesystem>

namespace orbweaver::testing {

// Every file under `root` at its path; index.html also at "/". .css files as text/css, every other
// one as UTF-8 HTML; each answer after `delay` (a slow site).
void serve_directory(test_server& server, const std::filesystem::path& root,
                     std::chrono::milliseconds delay = std::chrono::milliseconds(0));

}  // namespace orbweaver::testing
