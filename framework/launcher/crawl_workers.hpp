#pragma once
// orbweaver crawl NAME --workers N: N worker processes of this program on one Redis frontier
// (docs/distributed.md "Running workers"). Each worker is the same crawl command with
// -s SCHEDULER=redis -s REDIS_URL=URL -s REDIS_WORKER_ID=HOST-i; without REDIS_URL the launcher
// starts a private redis-server (redis/local_server.hpp) for them. Each feed (-o/-O FILE) is
// written by each worker into its own part (FILE.parts/HOST-i.EXT) and merged into FILE at the end
// (pipelines/feed_parts.hpp), each part cut where its worker's last commit says it ends.
#include "command_line.hpp"

#include <orbweaver/settings.hpp>

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace orbweaver {
class spider;
}

namespace orbweaver::launcher {

// The crawl command's options, for those who rebuild a crawl command line from parsed ones.
std::span<const option_spec> crawl_option_table();

// --workers N as given: 1 or more, else a usage_error.
int parse_worker_count(std::string_view text);

// HOST-1 ... HOST-N, HOST being this machine's name: the same command on another machine gets
// other ids, and the same command run again here continues the same workers.
std::vector<std::string> worker_ids(int count);

// What one worker gets besides the options the user gave.
struct worker_launch {
  std::string redis_url;
  std::string worker_id;
  bool keep_alive = false;
  std::vector<std::string> feeds{};  // this worker's parts (FEEDS), empty when the crawl has no feed
};

// The command line of one worker (argv[0] excluded): "crawl", every option given in `parsed`
// (crawl_option_table's) but --workers, --keep-alive, -o and -O, each as -X VALUE or --NAME VALUE,
// then the worker's own settings (-s ...), then "--" and the spider's name.
std::vector<std::string> worker_arguments(const parsed_args& parsed, const worker_launch& launch);

// Runs the crawl on `count` workers until every one has ended; `config` as the crawl command built
// it (command line and project), `target` the spider, for its custom_settings. Returns the exit
// status: 0 when every worker exited 0, else the first failing worker's (1 for one killed by a
// signal), 1 when the feeds could not be merged.
int run_workers(const parsed_args& parsed, std::unique_ptr<spider> target, settings config, int count);

}  // namespace orbweaver::launcher
