#pragma once
// Files compiled into the library by cmake/embed_resources.cmake: the dashboard page and the
// charting library (uPlot, from build/dashboard/node_modules by scripts/install-deps; empty when
// the build did not find it).
#include <string_view>

namespace orbweaver::dashboard::resources {

extern const std::string_view page_html;
extern const std::string_view uplot_js;
extern const std::string_view uplot_css;

}  // namespace orbweaver::dashboard::resources
