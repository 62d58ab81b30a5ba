#include "redis/protocol.hpp"

#include "redis/error.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <climits>
#include <new>

namespace orbweaver::redis {
namespace {

reply convert(const redisReply& r) {
  switch (r.type) {
    case REDIS_REPLY_INTEGER: return reply::make_integer(r.integer);
    case REDIS_REPLY_STATUS: return reply::make_status(std::string(r.str, r.len));
    case REDIS_REPLY_STRING: return reply::make_string(std::string(r.str, r.len));
    case REDIS_REPLY_ERROR: return reply::make_error(std::string(r.str, r.len));
    case REDIS_REPLY_ARRAY: {
      std::vector<reply> elements;
      elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) elements.push_back(convert(*r.element[i]));
      return reply::make_array(std::move(elements));
    }
    default: return reply::make_nil();
  }
}

void quote(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char ch : text) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20 || ch >= 0x7f) {
      out += fmt::format("\\x{:02x}", ch);
    } else {
      out += static_cast<char>(ch);
    }
  }
  out += '"';
}

void append(std::string& out, const reply& r) {
  switch (r.type) {
    case reply::kind::nil: out += "(nil)"; break;
    case reply::kind::integer: out += fmt::format("(integer) {}", r.integer); break;
    case reply::kind::status: out += r.text; break;
    case reply::kind::string: quote(out, r.text); break;
    case reply::kind::error: out += "(error) " + r.text; break;
    case reply::kind::array:
      out += '[';
      for (std::size_t i = 0; i < r.elements.size(); ++i) {
        if (i) out += ", ";
        append(out, r.elements[i]);
      }
      out += ']';
      break;
  }
}

}  // namespace

bool reply::is_error(std::string_view code) const {
  return type == kind::error && text.starts_with(code) &&
         (text.size() == code.size() || text[code.size()] == ' ');
}

std::string to_string(const reply& r) {
  std::string out;
  append(out, r);
  return out;
}

std::string encode(const command& c) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(c.size());
  lengths.reserve(c.size());
  for (const auto& arg : c) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  if (c.size() > INT_MAX) throw std::length_error("a Redis command with more than INT_MAX arguments");
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(c.size()), argv.data(), lengths.data());
  if (length < 0) throw std::bad_alloc();
  std::string out(formatted, static_cast<std::size_t>(length));
  redisFreeCommand(formatted);
  return out;
}

void reply_reader::free_reader::operator()(redisReader* r) const { redisReaderFree(r); }

reply_reader::reply_reader(std::size_t max_reply_bytes)
    : reader_(redisReaderCreate()), max_reply_bytes_(max_reply_bytes) {
  if (!reader_) throw std::bad_alloc();
}

reply_reader::~reply_reader() = default;

void reply_reader::feed(std::string_view bytes) {
  if (failed_) throw error(errc::protocol_error, "the reply reader failed before");
  // Bytes buffered and not yet parsed into whole replies: the reply being read, and the ones after.
  const std::size_t buffered = reader_->len - reader_->pos;
  if (buffered + bytes.size() > max_reply_bytes_) {
    failed_ = true;
    throw error(errc::protocol_error, fmt::format("a reply larger than {} bytes", max_reply_bytes_));
  }
  if (redisReaderFeed(reader_.get(), bytes.data(), bytes.size()) != REDIS_OK)
    throw error(errc::protocol_error, std::string("the reply reader failed: ") + reader_->errstr);
}

std::optional<reply> reply_reader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK)
    throw error(errc::protocol_error, std::string("malformed reply: ") + reader_->errstr);
  if (!raw) return std::nullopt;
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> owned(static_cast<redisReply*>(raw), freeReplyObject);
  return convert(*owned);
}

}  // namespace orbweaver::redis
