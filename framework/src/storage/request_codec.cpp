#include "storage/request_codec.hpp"

#include <orbweaver/spider.hpp>

#include <fmt/format.h>

#include <limits>

namespace orbweaver::storage {
namespace {

constexpr unsigned char version = 1;
constexpr unsigned char dont_filter_flag = 1;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

std::string json_text(const json::object& o) { return o.empty() ? std::string() : json::serialize(o); }

class reader {
 public:
  explicit reader(std::string_view bytes) : rest_(bytes) {}

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      unsigned char c = byte();
      v |= static_cast<std::uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
    fail("a number is too long");
  }
  unsigned char byte() {
    if (rest_.empty()) fail("the record ends early");
    unsigned char c = static_cast<unsigned char>(rest_.front());
    rest_.remove_prefix(1);
    return c;
  }
  std::string_view string() {
    auto n = varint();
    if (n > rest_.size()) fail("the record ends early");
    auto s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return s;
  }
  json::object object(const char* what) {
    auto text = string();
    if (text.empty()) return {};
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) fail(fmt::format("'{}' is not a JSON object", what));
    return std::move(v.get_object());
  }
  bool at_end() const { return rest_.empty(); }
  [[noreturn]] void fail(std::string_view why) const {
    throw serialization_error(fmt::format("cannot read a stored request: {}", why));
  }

 private:
  std::string_view rest_;
};

}  // namespace

bool encodable(const request& r) {
  return !(r.callback && r.callback_name.empty()) && !(r.errback && r.errback_name.empty());
}

std::optional<std::string> encode_request(const request& r) {
  if (!encodable(r)) return std::nullopt;
  std::string out;
  out.reserve(r.url.size() + r.body.size() + 32);
  out.push_back(static_cast<char>(version));
  put_string(out, r.url);
  put_string(out, r.method);
  put_varint(out, r.headers.size());
  for (const auto& [name, value] : r.headers) {
    put_string(out, name);
    put_string(out, value);
  }
  put_string(out, r.body);
  const auto p = static_cast<std::int64_t>(r.priority);
  put_varint(out, (static_cast<std::uint64_t>(p) << 1) ^ static_cast<std::uint64_t>(p >> 63));
  out.push_back(static_cast<char>(r.dont_filter ? dont_filter_flag : 0));
  put_string(out, json_text(r.meta));
  put_string(out, json_text(r.cb_kwargs));
  put_string(out, r.callback_name);
  put_string(out, r.errback_name);
  return out;
}

request decode_request(std::string_view bytes, const spider& s) {
  reader in(bytes);
  if (auto v = in.byte(); v != version) in.fail(fmt::format("format version {} (this orbweaver writes {})", v, version));
  request r;
  r.url = in.string();
  r.method = in.string();
  for (auto n = in.varint(); n > 0; --n) {
    auto name = in.string();
    r.headers.add(name, in.string());
  }
  r.body = in.string();
  auto zigzag = in.varint();
  auto priority = static_cast<std::int64_t>(zigzag >> 1) ^ -static_cast<std::int64_t>(zigzag & 1);
  if (priority < std::numeric_limits<int>::min() || priority > std::numeric_limits<int>::max())
    in.fail("the priority is out of range");
  r.priority = static_cast<int>(priority);
  r.dont_filter = in.byte() & dont_filter_flag;
  r.meta = in.object("meta");
  r.cb_kwargs = in.object("cb_kwargs");
  if (auto name = in.string(); !name.empty()) {
    auto cb = spider_callback(s, name);
    if (!cb) in.fail(fmt::format("spider '{}' has no callback named '{}'", s.name, name));
    r.callback = std::move(*cb);
    r.callback_name = name;
  }
  if (auto name = in.string(); !name.empty()) {
    auto eb = spider_errback(s, name);
    if (!eb) in.fail(fmt::format("spider '{}' has no errback named '{}'", s.name, name));
    r.errback = std::move(*eb);
    r.errback_name = name;
  }
  if (!in.at_end()) in.fail("bytes after the last field");
  return r;
}

}  // namespace orbweaver::storage
