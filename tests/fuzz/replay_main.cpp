// A main() for the fuzz targets when libFuzzer is not there (GCC, the normal test suite): runs
// every seed, then a fixed number of deterministic mutations of them, through
// LLVMFuzzerTestOneInput. No coverage feedback, but the same inputs on every run, so a failure in
// CI reproduces locally; under ASan+UBSan a memory error or undefined behaviour aborts the test.
//
//   <name>_fuzz CORPUS_DIR [DICT_FILE] [--runs=N]   seeds, then N mutations (default 20000)
//   <name>_fuzz FILE...                             just these inputs (a saved failure, a crash-*)
//
// ORBWEAVER_FUZZ_RUNS overrides the number of mutations, ORBWEAVER_FUZZ_SEED the PRNG
// seed (default 1). When an input kills the process (an ASan report, a failed FUZZ_CHECK, an
// uncaught exception) it is written to fuzz-failure-<pid> in the working directory first, and its
// path printed; after a UBSan report, rerun with the same seed and runs to reproduce.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// From the sanitizer runtime when there is one; null otherwise.
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace {

namespace fs = std::filesystem;
using bytes = std::string;

constexpr std::size_t max_input_size = 64 * 1024;

const bytes* current_input = nullptr;

void save_current_input() {
  if (!current_input) return;
  const std::string path = "fuzz-failure-" + std::to_string(static_cast<long>(getpid()));
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(current_input->data(), 1, current_input->size(), f);
    std::fclose(f);
    std::fprintf(stderr, "replay: the failing input (%zu bytes) is in %s; rerun with that file as argument\n",
                 current_input->size(), path.c_str());
  }
  current_input = nullptr;
}

void run(const bytes& input) {
  current_input = &input;
  // A copy in a buffer of exactly its size, so ASan sees any read past the end.
  std::vector<std::uint8_t> exact(input.begin(), input.end());
  LLVMFuzzerTestOneInput(exact.data(), exact.size());
  current_input = nullptr;
}

bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// libFuzzer's dictionary format: one token per line, `name="value"` or `"value"`, with \\, \"
// and \xNN escapes; '#' starts a comment line.
std::vector<bytes> read_dictionary(const fs::path& path) {
  std::vector<bytes> tokens;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto open = line.find('"');
    const auto close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
    bytes token;
    for (std::size_t i = open + 1; i < close; ++i) {
      if (line[i] != '\\' || i + 1 >= close) {
        token.push_back(line[i]);
      } else if (line[i + 1] == 'x' && i + 3 < close && hex_value(line[i + 2]) >= 0 && hex_value(line[i + 3]) >= 0) {
        token.push_back(static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
        i += 3;
      } else {
        token.push_back(line[++i]);
      }
    }
    if (!token.empty()) tokens.push_back(std::move(token));
  }
  return tokens;
}

class mutator {
 public:
  mutator(std::uint64_t seed, std::vector<bytes> seeds, std::vector<bytes> dictionary)
      : rng_(seed), seeds_(std::move(seeds)), dictionary_(std::move(dictionary)) {
    if (seeds_.empty()) seeds_.emplace_back();
  }

  bytes next() {
    // Mostly a seed, sometimes an earlier mutant, so changes accumulate.
    bytes data = !recent_.empty() && below(4) == 0 ? recent_[below(recent_.size())] : seeds_[below(seeds_.size())];
    const std::size_t steps = 1 + below(below(2) == 0 ? 4 : 16);
    for (std::size_t i = 0; i < steps; ++i) mutate(data);
    if (data.size() > max_input_size) data.resize(max_input_size);
    if (recent_.size() < 64)
      recent_.push_back(data);
    else
      recent_[below(recent_.size())] = data;
    return data;
  }

 private:
  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  char random_byte() {
    // Bytes that matter to text parsers more often than their share.
    static constexpr std::string_view interesting("\0\t\n\r \"#%&'()*+,-./:;<=>?@[\\]^`{|}~\x7f\x80\xbf\xc0\xef\xff", 36);
    return below(2) == 0 ? interesting[below(interesting.size())] : static_cast<char>(below(256));
  }
  const bytes& token() { return dictionary_[below(dictionary_.size())]; }

  void mutate(bytes& data) {
    const std::size_t pos = below(data.size() + 1);
    switch (below(11)) {
      case 0:  // flip a bit
        if (!data.empty()) data[pos % data.size()] ^= static_cast<char>(1 << below(8));
        break;
      case 1:  // replace a byte
        if (!data.empty()) data[pos % data.size()] = random_byte();
        break;
      case 2:  // insert bytes
        data.insert(pos, 1 + below(4), random_byte());
        break;
      case 3:  // delete a range
        if (!data.empty()) data.erase(pos % data.size(), 1 + below(std::min<std::size_t>(data.size(), 64)));
        break;
      case 4:  // duplicate a range somewhere else
        if (!data.empty()) {
          const std::size_t from = below(data.size());
          const bytes chunk = data.substr(from, 1 + below(std::min<std::size_t>(data.size() - from, 256)));
          data.insert(below(data.size() + 1), chunk);
        }
        break;
      case 5:  // insert a dictionary token
      case 6:
        if (!dictionary_.empty()) data.insert(pos, token());
        break;
      case 7:  // overwrite with a dictionary token
        if (!dictionary_.empty()) {
          const bytes& t = token();
          data.replace(pos, t.size(), t);
        }
        break;
      case 8: {  // splice: our head, another seed's tail
        const bytes& other = seeds_[below(seeds_.size())];
        data = data.substr(0, pos) + other.substr(below(other.size() + 1));
        break;
      }
      case 9:  // truncate
        data.resize(pos);
        break;
      case 10:  // a number where parsers read one
        data.insert(pos, std::to_string(static_cast<long long>(rng_()) >> below(64)));
        break;
    }
  }

  std::mt19937_64 rng_;
  std::vector<bytes> seeds_;
  std::vector<bytes> dictionary_;
  std::vector<bytes> recent_;
};

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(value, &end, 10);
  if (*end != '\0') {
    std::fprintf(stderr, "replay: %s=%s is not a number\n", name, value);
    std::exit(2);
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t default_runs = 20000;
  if (argc > 1 && std::string_view(argv[argc - 1]).starts_with("--runs=")) {
    default_runs = std::strtoull(argv[argc - 1] + 7, nullptr, 10);
    --argc;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [DICT_FILE] [--runs=N] | FILE...\n", argv[0]);
    return 2;
  }
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(save_current_input);
  // A failed FUZZ_CHECK aborts (GCC's UBSan exits without calling the death callback).
  std::signal(SIGABRT, [](int) {
    save_current_input();
    std::signal(SIGABRT, SIG_DFL);
    std::raise(SIGABRT);
  });
  std::set_terminate([] {
    save_current_input();
    std::fprintf(stderr, "replay: std::terminate (an exception the target does not expect?)\n");
    std::abort();
  });

  const auto started = std::chrono::steady_clock::now();
  if (!fs::is_directory(argv[1])) {  // replay the given files only
    for (int i = 1; i < argc; ++i) run(read_file(argv[i]));
    std::printf("replay: %d inputs passed\n", argc - 1);
    return 0;
  }

  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(argv[1]))
    if (entry.is_regular_file()) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());  // the same order everywhere, so runs reproduce
  std::vector<bytes> seeds;
  for (const auto& path : paths) seeds.push_back(read_file(path));
  for (const auto& seed : seeds) run(seed);

  std::vector<bytes> dictionary{"<", ">", "</", "<div>", "</div>", "<a href=\"", "\">", "%", "%00", "%zz",
                                "://", "//", "\r\n", "\n", "=", ";", ",", "*", "$", "\"", "'", "\\",
                                "\xef\xbb\xbf", "\xff\xfe", "\xc3\xa9", "\xe2\x82", "\xf0\x9f\x98\x80"};
  if (argc > 2 && fs::exists(argv[2])) {
    auto extra = read_dictionary(argv[2]);
    dictionary.insert(dictionary.end(), extra.begin(), extra.end());
  }

  const std::uint64_t runs = env_number("ORBWEAVER_FUZZ_RUNS", default_runs);
  const std::uint64_t seed = env_number("ORBWEAVER_FUZZ_SEED", 1);
  mutator mutate(seed, seeds, dictionary);
  for (std::uint64_t i = 0; i < runs; ++i) run(mutate.next());

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("replay: %zu seeds and %llu mutations (seed %llu, %zu dictionary tokens) passed in %.1f s\n",
              seeds.size(), static_cast<unsigned long long>(runs), static_cast<unsigned long long>(seed),
              dictionary.size(), seconds);
  return 0;
}
