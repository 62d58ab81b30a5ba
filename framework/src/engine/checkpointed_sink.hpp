#pragma once
// A built-in pipeline that keeps items where a JOBDIR finds them again: the feed exports and the
// SQLite store. With a JOBDIR, items reach them exactly once across restarts: at each checkpoint
// the engine makes every sink durable and records in the JOBDIR where it ends, together with the
// requests whose outputs that covers; a resumed crawl first cuts each sink back to that point,
// since what lies after it came from requests the crawl does again.
#include <boost/json/value.hpp>

namespace orbweaver {

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

}  // namespace orbweaver
