#include <orbweaver/render_request.hpp>

namespace orbweaver {

void set_render_meta(json::object& meta, const render_args& args) {
  meta["render"] = true;
  if (!args.wait_for.empty()) meta["render_wait_for"] = args.wait_for;
  if (args.network_idle_ms > 0) meta["render_network_idle"] = args.network_idle_ms;
  if (args.delay_ms > 0) meta["render_delay"] = args.delay_ms;
  if (args.timeout > 0) meta["render_timeout"] = args.timeout;
  if (!args.script.empty()) meta["render_script"] = args.script;
  if (args.screenshot) meta["screenshot"] = true;
}

}  // namespace orbweaver
