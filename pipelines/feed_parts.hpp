#pragma once
// One feed from many workers (`orbweaver crawl NAME --workers N -o FILE`): each worker writes its
// own part file, and at the end its committed prefix (the bytes its last commit recorded; what
// follows belongs to requests another worker redid) goes into the one FILE the user asked for.
// Whole records only ever reach a part, and a committed position is always at a record's end.
#include "feed_export.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace orbweaver::pipelines {

struct feed_part {
  std::filesystem::path path;
  // Bytes of the part that were committed; nullopt: nothing was (the part contributes nothing).
  std::optional<std::uintmax_t> committed;
};

// Where a worker writes its part of `target`: TARGET.parts/<worker id>.<format's extension>.
std::filesystem::path feed_part_path(const std::string& target, feed_format format, const std::string& worker_id);
// The folder that holds the parts of `target`.
std::filesystem::path feed_parts_folder(const std::string& target);

// Writes the committed bytes of every part into `target`, in the order given: JSON lines
// concatenated; CSV with one header row (every part's must be the same, and an existing target's
// when appending); a JSON array of every part's items. `overwrite` replaces the target (written
// beside it and renamed over it); otherwise the items are appended (a torn last record of the
// target is cut first; a non-empty JSON target cannot be appended to). The target is synced to
// disk before this returns. Returns the number of items written. Throws std::runtime_error saying
// what is wrong (a part shorter than its committed position, headers that differ, an I/O error),
// with the target untouched when overwriting.
std::uint64_t merge_feed_parts(const std::vector<feed_part>& parts, const std::string& target, feed_format format,
                               bool overwrite);

}  // namespace orbweaver::pipelines
