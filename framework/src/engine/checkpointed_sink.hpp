#pragma once
// A built-in pipeline that keeps items where a JOBDIR finds them again: the feed exports and the
// SQLite store. With a JOBDIR, items reach them exactly once across restarts: at each checkpoint
// the engine makes every sink durable and records in the JOBDIR where it ends, together with the
// requests whose outputs that covers; a resumed crawl first cuts each sink back to that point,
// since what lies after it came from requests the crawl does again.
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>

namespace orbweaver {

class settings;

// Whether the engine calls resume() before any item: with a JOBDIR, and with SCHEDULER=redis (a
// worker's sinks continue from its last commit). Sinks that must know where to start before they
// open a file wait for resume() then.
bool sinks_are_resumed(const settings& s);

class checkpointed_sink {
 public:
  // Called once after open(), before any request, in a crawl with a JOBDIR: `at` is what
  // checkpoint() returned at the last checkpoint of an earlier run, or null for the JOBDIR's
  // first run. Throws std::runtime_error when the sink cannot be continued.
  virtual void resume(const boost::json::value* at) = 0;
  // Makes every item taken so far durable (written and synced) and says where the sink ends.
  // Throws std::runtime_error when it cannot; the crawl then closes with a storage error.
  virtual boost::json::value checkpoint() = 0;

 protected:
  ~checkpointed_sink() = default;
};

// The position of a database sink (the SQLite and PostgreSQL stores): the id of its last item,
// as {"last_id": N}, and that id back from what resume() is given (nullopt for a new JOBDIR).
inline boost::json::value last_item_position(std::int64_t last_id) { return boost::json::object{{"last_id", last_id}}; }
inline std::optional<std::int64_t> last_item_of(const boost::json::value* at) {
  const boost::json::value* last = at && at->is_object() ? at->as_object().if_contains("last_id") : nullptr;
  if (!last || !last->is_int64()) return std::nullopt;
  return last->as_int64();
}

}  // namespace orbweaver
