// Storage benchmark for the frontier (issue 10): SQLite in WAL mode against LMDB on the two
// workloads a 10M-request frontier puts on its storage.
//   dupefilter: insert N distinct 20-byte fingerprints (SHA-1 size) in batches of 10,000, one
//               transaction each, then look up 1M seen and 1M unseen ones.
//   queue:      append N ~150-byte serialized requests under K keys (hosts) in batches of 1,000
//               records of one key, one transaction each, then take them back per key in order,
//               1,000 at a time, one transaction each (read and delete).
//   filter:     orbweaver's disk_dupefilter (SQLite behind a Bloom filter and a cache): N new
//               fingerprints, then 1M repeats of seen ones and 1M new ones, as the reactor sees them.
// Each (backend, workload) runs in a child process so its peak RSS (VmHWM) is its own.
//
//   storage_bench [--n N] [--keys K] [--dir DIR] [--only sqlite|lmdb] [--workload dupefilter|queue|filter] [--sync] [--page-size B]
#include "storage/disk_dupefilter.hpp"
#include "storage/sqlite.hpp"

#include <lmdb.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using orbweaver::storage::database;
using orbweaver::storage::durability;
using orbweaver::storage::transaction;

namespace {

// --sync: commits fsynced as a JOBDIR needs them (SQLite synchronous=NORMAL, LMDB without
// MDB_NOSYNC); by default neither fsyncs, as a crawl's scratch files need not survive power loss.
bool synced = false;
int page_size = 4096;  // --page-size, SQLite's for the dupefilter table

using fingerprint = std::array<unsigned char, 20>;

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The i-th fingerprint: uniformly spread bytes, as SHA-1 output is.
fingerprint make_fingerprint(std::uint64_t i) {
  fingerprint f;
  std::uint64_t a = splitmix(i), b = splitmix(a), c = splitmix(b);
  std::memcpy(f.data(), &a, 8);
  std::memcpy(f.data() + 8, &b, 8);
  std::memcpy(f.data() + 16, &c, 4);
  return f;
}

// A serialized request of about 150 bytes: URL plus small metadata.
std::string make_record(std::uint64_t key, std::uint64_t seq) {
  char buf[256];
  int n = std::snprintf(buf, sizeof buf,
                        "\x01GET https://host%05llu.example.com/catalogue/category/books/page-%09llu.html"
                        "\x02" "priority=0\x03" "depth=3\x04" "callback=parse_product\x05" "referer=https://host%05llu.example.com/",
                        static_cast<unsigned long long>(key), static_cast<unsigned long long>(seq),
                        static_cast<unsigned long long>(key));
  return std::string(buf, static_cast<std::size_t>(n));
}

// Wall and CPU time of a phase: on a loaded machine the CPU time is the steadier figure.
double cpu_now() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct clock_run {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double cpu_start = cpu_now();
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
  double cpu_seconds() const { return cpu_now() - cpu_start; }
};

struct rate {
  std::string name;
  double per_second;      // by the wall clock
  double per_cpu_second;  // by the process's CPU time (all its threads)
};

rate measure(std::string name, std::uint64_t ops, const clock_run& t) {
  return {std::move(name), ops / t.seconds(), ops / t.cpu_seconds()};
}

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  return -1;
}

std::uintmax_t dir_size(const fs::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

void report(const char* backend, const char* what, const std::vector<rate>& rates, const fs::path& dir) {
  std::printf("%-7s %-10s", backend, what);
  for (const auto& r : rates) std::printf("  %s %.0f/s (%.0f/cpu-s)", r.name.c_str(), r.per_second, r.per_cpu_second);
  std::printf("  files %.0f MB, VmHWM %ld MB (now RssAnon %ld MB, RssFile %ld MB)\n", dir_size(dir) / 1e6,
              status_kib("VmHWM:") / 1024, status_kib("RssAnon:") / 1024, status_kib("RssFile:") / 1024);
  std::fflush(stdout);
}

constexpr std::uint64_t lookups = 1'000'000;

// The next up to 10,000 fingerprints from the i-th, sorted as a writer would before inserting.
void next_sorted_batch(std::vector<fingerprint>& batch, std::uint64_t& i, std::uint64_t n) {
  batch.clear();
  for (std::uint64_t j = 0; j < 10'000 && i < n; ++j, ++i) batch.push_back(make_fingerprint(i));
  std::sort(batch.begin(), batch.end());
}

// 1M lookups of seen fingerprints and 1M of unseen ones through `find`, then the report line.
template <class Find>
void report_lookups(const char* backend, const rate& insert_rate, std::uint64_t n, const fs::path& dir, Find find) {
  auto lookup = [&](const char* name, std::uint64_t base, std::uint64_t expected) {
    clock_run t;
    std::uint64_t found = 0;
    for (std::uint64_t i = 0; i < lookups; ++i) {
      auto f = make_fingerprint(base + splitmix(i) % n);
      found += find(f);
    }
    if (found != expected) throw std::runtime_error(std::string(backend) + " dupefilter: wrong lookups");
    return measure(name, lookups, t);
  };
  auto seen = lookup("seen", 0, lookups);
  auto unseen = lookup("unseen", n, 0);
  report(backend, "dupefilter", {insert_rate, seen, unseen}, dir);
}

// ---- SQLite ----

void sqlite_dupefilter(const fs::path& dir, std::uint64_t n) {
  database db(dir / "seen.sqlite", synced ? durability::power_loss : durability::process_crash, 8192, page_size);
  db.exec("CREATE TABLE seen (fp BLOB PRIMARY KEY) WITHOUT ROWID");
  auto insert = db.prepare("INSERT OR IGNORE INTO seen (fp) VALUES (?1)");
  clock_run t;
  std::vector<fingerprint> batch;
  for (std::uint64_t i = 0; i < n;) {
    next_sorted_batch(batch, i, n);
    transaction tx(db);
    for (const auto& f : batch) insert.bind_blob(1, f.data(), f.size()).run();
    tx.commit();
  }
  auto insert_rate = measure("insert", n, t);
  auto find = db.prepare("SELECT 1 FROM seen WHERE fp = ?1");
  report_lookups("sqlite", insert_rate, n, dir, [&](const fingerprint& f) {
    find.bind_blob(1, f.data(), f.size());
    bool found = find.step();
    find.reset();
    return found;
  });
}

void sqlite_queue(const fs::path& dir, std::uint64_t n, std::uint64_t keys) {
  database db(dir / "queue.sqlite", synced ? durability::power_loss : durability::process_crash);
  db.exec("CREATE TABLE records (key INTEGER, seq INTEGER, data BLOB, PRIMARY KEY (key, seq)) WITHOUT ROWID");
  auto insert = db.prepare("INSERT INTO records (key, seq, data) VALUES (?1, ?2, ?3)");
  std::vector<std::uint64_t> next_seq(keys, 0);
  clock_run t;
  std::uint64_t written = 0;
  std::vector<std::string> batch;
  for (std::uint64_t b = 0; written < n; ++b) {
    std::uint64_t key = splitmix(b) % keys;
    transaction tx(db);
    for (int j = 0; j < 1000 && written < n; ++j, ++written) {
      std::uint64_t seq = next_seq[key]++;
      auto rec = make_record(key, seq);
      insert.bind(1, static_cast<std::int64_t>(key)).bind(2, static_cast<std::int64_t>(seq));
      insert.bind_blob(3, rec.data(), rec.size()).run();
    }
    tx.commit();
  }
  auto append_rate = measure("append", n, t);
  report("sqlite", "queue", {append_rate}, dir);
  auto take = db.prepare("SELECT seq, data FROM records WHERE key = ?1 ORDER BY seq LIMIT 1000");
  auto drop = db.prepare("DELETE FROM records WHERE key = ?1 AND seq <= ?2");
  clock_run pt;
  std::uint64_t taken = 0;
  for (std::uint64_t key = 0; key < keys; ++key) {
    std::int64_t expect = 0;
    for (;;) {
      transaction tx(db);
      take.bind(1, static_cast<std::int64_t>(key));
      std::int64_t last = -1;
      while (take.step()) {
        last = take.column_int(0);
        if (last != expect++ || take.column_blob(1).size() < 100) throw std::runtime_error("sqlite queue: order");
        ++taken;
      }
      take.reset();
      if (last < 0) break;
      drop.bind(1, static_cast<std::int64_t>(key)).bind(2, last).run();
      tx.commit();
    }
  }
  if (taken != n) throw std::runtime_error("sqlite queue: lost records");
  report("sqlite", "queue", {append_rate, measure("take", n, pt)}, dir);
}

void filter_workload(const fs::path& dir, std::uint64_t n) {
  orbweaver::storage::disk_dupefilter filter(dir);
  auto as_fp = [](std::uint64_t i) {
    auto f = make_fingerprint(i);
    orbweaver::fingerprint out;
    std::memcpy(out.data(), f.data(), f.size());
    return out;
  };
  clock_run t;
  std::uint64_t wrong = 0;
  for (std::uint64_t i = 0; i < n; ++i) wrong += filter.seen_before(as_fp(i));
  auto insert_rate = measure("insert", n, t);
  auto reads_after_insert = filter.disk_reads();
  clock_run st;
  for (std::uint64_t i = 0; i < lookups; ++i) wrong += !filter.seen_before(as_fp(splitmix(i) % n));
  auto seen_rate = measure("seen", lookups, st);
  clock_run ut;
  for (std::uint64_t i = 0; i < lookups; ++i) wrong += filter.seen_before(as_fp(n + i));
  auto unseen_rate = measure("new", lookups, ut);
  filter.flush();
  if (wrong) throw std::runtime_error("disk_dupefilter: wrong answers");
  report("sqlite", "filter", {insert_rate, seen_rate, unseen_rate}, dir);
  std::printf("                     disk reads: %llu while inserting, %llu in all; in-memory part %.1f MB\n",
              static_cast<unsigned long long>(reads_after_insert), static_cast<unsigned long long>(filter.disk_reads()),
              filter.memory_bytes() / 1e6);
  std::fflush(stdout);  // the child ends with _Exit, which flushes nothing
}

// ---- LMDB ----

void check(int rc, const char* what) {
  if (rc != MDB_SUCCESS) throw std::runtime_error(std::string("lmdb ") + what + ": " + mdb_strerror(rc));
}

struct lmdb_env {
  MDB_env* env = nullptr;
  MDB_dbi dbi{};
  // MDB_NOSYNC: commits are not fsynced, as SQLite's synchronous=OFF (durability::process_crash);
  // both survive a killed process, neither a power loss.
  explicit lmdb_env(const fs::path& dir) {
    check(mdb_env_create(&env), "env_create");
    check(mdb_env_set_mapsize(env, std::size_t{64} << 30), "set_mapsize");
    check(mdb_env_open(env, dir.c_str(), synced ? 0 : MDB_NOSYNC, 0644), "env_open");
    MDB_txn* txn;
    check(mdb_txn_begin(env, nullptr, 0, &txn), "txn_begin");
    check(mdb_dbi_open(txn, nullptr, 0, &dbi), "dbi_open");
    check(mdb_txn_commit(txn), "commit");
  }
  ~lmdb_env() { mdb_env_close(env); }
  MDB_txn* begin(unsigned flags = 0) {
    MDB_txn* txn;
    check(mdb_txn_begin(env, nullptr, flags, &txn), "txn_begin");
    return txn;
  }
};

void lmdb_dupefilter(const fs::path& dir, std::uint64_t n) {
  lmdb_env db(dir);
  clock_run t;
  std::vector<fingerprint> batch;
  for (std::uint64_t i = 0; i < n;) {
    next_sorted_batch(batch, i, n);
    MDB_txn* txn = db.begin();
    for (auto& f : batch) {
      MDB_val k{f.size(), f.data()}, v{0, nullptr};
      int rc = mdb_put(txn, db.dbi, &k, &v, MDB_NOOVERWRITE);
      if (rc != MDB_KEYEXIST) check(rc, "put");
    }
    check(mdb_txn_commit(txn), "commit");
  }
  auto insert_rate = measure("insert", n, t);
  MDB_txn* txn = db.begin(MDB_RDONLY);
  report_lookups("lmdb", insert_rate, n, dir, [&](fingerprint& f) {
    MDB_val k{f.size(), f.data()}, v;
    return mdb_get(txn, db.dbi, &k, &v) == MDB_SUCCESS;
  });
  mdb_txn_abort(txn);
}

// Keys sort by (key, seq), both big-endian, so a cursor walks one key's records in order.
std::array<unsigned char, 16> queue_key(std::uint64_t key, std::uint64_t seq) {
  std::array<unsigned char, 16> k;
  for (int i = 0; i < 8; ++i) {
    k[i] = static_cast<unsigned char>(key >> (56 - 8 * i));
    k[8 + i] = static_cast<unsigned char>(seq >> (56 - 8 * i));
  }
  return k;
}

void lmdb_queue(const fs::path& dir, std::uint64_t n, std::uint64_t keys) {
  lmdb_env db(dir);
  std::vector<std::uint64_t> next_seq(keys, 0);
  clock_run t;
  std::uint64_t written = 0;
  for (std::uint64_t b = 0; written < n; ++b) {
    std::uint64_t key = splitmix(b) % keys;
    MDB_txn* txn = db.begin();
    for (int j = 0; j < 1000 && written < n; ++j, ++written) {
      std::uint64_t seq = next_seq[key]++;
      auto rec = make_record(key, seq);
      auto kb = queue_key(key, seq);
      MDB_val k{kb.size(), kb.data()}, v{rec.size(), rec.data()};
      check(mdb_put(txn, db.dbi, &k, &v, 0), "put");
    }
    check(mdb_txn_commit(txn), "commit");
  }
  auto append_rate = measure("append", n, t);
  report("lmdb", "queue", {append_rate}, dir);
  clock_run pt;
  std::uint64_t taken = 0;
  for (std::uint64_t key = 0; key < keys; ++key) {
    std::uint64_t expect = 0;
    for (bool more = true; more;) {
      MDB_txn* txn = db.begin();
      MDB_cursor* cur;
      check(mdb_cursor_open(txn, db.dbi, &cur), "cursor_open");
      auto kb = queue_key(key, 0);
      MDB_val k{kb.size(), kb.data()}, v;
      int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
      int got = 0;
      while (rc == MDB_SUCCESS && got < 1000 && std::memcmp(k.mv_data, kb.data(), 8) == 0) {
        auto seq_bytes = static_cast<const unsigned char*>(k.mv_data) + 8;
        std::uint64_t seq = 0;
        for (int i = 0; i < 8; ++i) seq = seq << 8 | seq_bytes[i];
        if (seq != expect++ || v.mv_size < 100) throw std::runtime_error("lmdb queue: order");
        check(mdb_cursor_del(cur, 0), "cursor_del");
        ++got;
        rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        if (rc == MDB_NOTFOUND) break;
      }
      taken += got;
      more = got == 1000;
      mdb_cursor_close(cur);
      check(mdb_txn_commit(txn), "commit");
    }
  }
  if (taken != n) throw std::runtime_error("lmdb queue: lost records");
  report("lmdb", "queue", {append_rate, measure("take", n, pt)}, dir);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t n = 10'000'000, keys = 1000;
  fs::path base = fs::temp_directory_path();
  std::string only, workload;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "storage_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--n") n = std::stoull(value());
    else if (a == "--keys") keys = std::stoull(value());
    else if (a == "--dir") base = value();
    else if (a == "--only") only = value();
    else if (a == "--workload") workload = value();
    else if (a == "--sync") synced = true;
    else if (a == "--page-size") page_size = std::stoi(value());
    else {
      std::fprintf(stderr,
                   "usage: storage_bench [--n N] [--keys K] [--dir DIR] [--only sqlite|lmdb] "
                   "[--workload dupefilter|queue|filter] [--sync] [--page-size B]\n");
      return 2;
    }
  }
  std::printf("storage bench: N=%llu, %llu keys, files under %s, %s\n", static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(keys), base.c_str(), synced ? "fsync (--sync)" : "no fsync");
  std::fflush(stdout);
  int failures = 0;
  for (const char* backend : {"sqlite", "lmdb"}) {
    if (!only.empty() && only != backend) continue;
    for (const char* what : {"dupefilter", "queue", "filter"}) {
      if (!workload.empty() && workload != what) continue;
      if (std::strcmp(what, "filter") == 0 && std::strcmp(backend, "sqlite") != 0) continue;
      fs::path dir = base / (std::string("orbweaver-storage-bench-") + backend + "-" + what);
      fs::remove_all(dir);
      fs::create_directories(dir);
      pid_t pid = fork();
      if (pid == 0) {
        try {
          bool sqlite = std::strcmp(backend, "sqlite") == 0;
          if (std::strcmp(what, "filter") == 0)
            filter_workload(dir, n);
          else if (std::strcmp(what, "dupefilter") == 0)
            sqlite ? sqlite_dupefilter(dir, n) : lmdb_dupefilter(dir, n);
          else
            sqlite ? sqlite_queue(dir, n, keys) : lmdb_queue(dir, n, keys);
          std::_Exit(0);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "%s %s: %s\n", backend, what, e.what());
          std::_Exit(1);
        }
      }
      int status = 0;
      waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
      fs::remove_all(dir);
    }
  }
  return failures ? 1 : 0;
}
