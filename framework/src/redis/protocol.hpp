#pragma once
// RESP without sockets: commands encoded by hiredis's redisFormatCommandArgv, replies parsed by
// its redisReader and copied into redis::reply values. The connection feeds the reader whatever
// bytes the socket gave, split anywhere; the reader hands back whole replies in order.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace orbweaver::redis {

// One command: its name and arguments, binary-safe ({"SET", "key", value}).
using command = std::vector<std::string>;

// One reply of RESP2: a small value type, nested for arrays.
struct reply {
  enum class kind { nil, integer, status, string, error, array };
  kind type = kind::nil;
  long long integer = 0;       // kind::integer
  std::string text;            // status, string (bulk, binary-safe) and error ("ERR ...", "NOSCRIPT ...")
  std::vector<reply> elements;  // kind::array

  static reply make_nil() { return {}; }
  static reply make_integer(long long value) { return {kind::integer, value, {}, {}}; }
  static reply make_status(std::string s) { return {kind::status, 0, std::move(s), {}}; }
  static reply make_string(std::string s) { return {kind::string, 0, std::move(s), {}}; }
  static reply make_error(std::string s) { return {kind::error, 0, std::move(s), {}}; }
  static reply make_array(std::vector<reply> e) { return {kind::array, 0, {}, std::move(e)}; }

  bool is_error() const { return type == kind::error; }
  // An error reply whose code (the first word) is `code`: "NOSCRIPT", "WRONGPASS", "NOAUTH".
  bool is_error(std::string_view code) const;
  bool operator==(const reply&) const = default;
};

// The reply as redis-cli would show it, on one line: for test failures and log lines.
std::string to_string(const reply& r);

// The command in RESP (an array of bulk strings).
std::string encode(const command& c);

// Parses a stream of replies. Bytes that are not RESP (or nesting deeper than hiredis's 7 levels,
// a bulk length out of range), or a reply whose bytes exceed max_reply_bytes before it is whole,
// make feed() or next() throw redis::error (errc::protocol_error); the reader is then unusable,
// as is the connection it reads.
class reply_reader {
 public:
  // Redis refuses bulk strings over 512 MB (proto-max-bulk-len); a reply still growing past that
  // comes from something that is not Redis, or not sane.
  static constexpr std::size_t default_max_reply_bytes = std::size_t{512} << 20;
  explicit reply_reader(std::size_t max_reply_bytes = default_max_reply_bytes);
  ~reply_reader();
  reply_reader(const reply_reader&) = delete;
  reply_reader& operator=(const reply_reader&) = delete;

  void feed(std::string_view bytes);
  // The next whole reply, or nullopt until more bytes arrive.
  std::optional<reply> next();

 private:
  struct free_reader {
    void operator()(redisReader* r) const;
  };
  std::unique_ptr<redisReader, free_reader> reader_;
  std::size_t max_reply_bytes_;
  bool failed_ = false;
};

}  // namespace orbweaver::redis
