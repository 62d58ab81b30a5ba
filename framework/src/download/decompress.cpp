#include "download/decompress.hpp"
#include "core/text.hpp"

#include <orbweaver/error.hpp>
#include <orbweaver/headers.hpp>

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

namespace orbweaver::download {
namespace {

enum class coding { identity, gzip, deflate, br, zstd, unknown };

coding coding_of(std::string_view token) {
  token = text::trim_ows(token);
  if (token.empty() || iequals(token, "identity")) return coding::identity;
  if (iequals(token, "gzip") || iequals(token, "x-gzip")) return coding::gzip;
  if (iequals(token, "deflate")) return coding::deflate;
  if (iequals(token, "br")) return coding::br;
  if (iequals(token, "zstd")) return coding::zstd;
  return coding::unknown;
}

// The codings of a Content-Encoding value, in the order the sender applied them.
std::vector<coding> codings_of(std::string_view content_encoding) {
  std::vector<coding> out;
  while (true) {
    const auto comma = content_encoding.find(',');
    const coding c = coding_of(content_encoding.substr(0, comma));
    if (c != coding::identity) out.push_back(c);
    if (comma == std::string_view::npos) break;
    content_encoding.remove_prefix(comma + 1);
  }
  return out;
}

constexpr int gzip_window_bits = 16 + MAX_WBITS;
constexpr int zlib_window_bits = MAX_WBITS;
constexpr int raw_window_bits = -MAX_WBITS;

// zlib counts in uInt; feed it at most this much input at a time.
constexpr std::size_t max_zlib_chunk = std::numeric_limits<uInt>::max();

class inflater {
 public:
  inflater(int window_bits, std::size_t size_hint) : size_hint_(size_hint) {
    ok_ = inflateInit2(&stream_, window_bits) == Z_OK;
  }
  ~inflater() {
    if (ok_) inflateEnd(&stream_);
  }
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;

  // Inflates the whole input into out, never letting out grow past limit. Concatenated gzip
  // members are all decoded (as gzip(1) does); bytes after the end of the last stream are ignored.
  std::error_code run(std::string_view in, std::string& out, std::uint64_t limit, bool gzip) {
    if (!ok_) return errc::decode_failed;
    std::size_t produced = out.size();
    while (true) {
      if (stream_.avail_in == 0 && !in.empty()) {
        const std::size_t n = std::min(in.size(), max_zlib_chunk);
        stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        stream_.avail_in = static_cast<uInt>(n);
        in.remove_prefix(n);
      }
      if (limit != 0 && produced == limit) {
        // At the cap: any further output means the body is too large. Probe with a small
        // scratch buffer rather than growing the string.
        char probe[64];
        stream_.next_out = reinterpret_cast<Bytef*>(probe);
        stream_.avail_out = sizeof probe;
        const int rc = inflate(&stream_, Z_NO_FLUSH);
        if (stream_.avail_out != sizeof probe) return errc::body_too_large;
        if (rc == Z_STREAM_END) {
          if (gzip && next_member_follows(in)) continue;
          return {};
        }
        if (rc != Z_OK) return errc::decode_failed;
        continue;
      }
      if (produced == out.size()) grow(out, limit, size_hint_);
      stream_.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      const std::size_t room = std::min(out.size() - produced, max_zlib_chunk);
      stream_.avail_out = static_cast<uInt>(room);
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      produced += room - stream_.avail_out;
      if (rc == Z_STREAM_END) {
        if (gzip && next_member_follows(in)) continue;
        out.resize(produced);
        return {};
      }
      // Z_BUF_ERROR with input left over only means the output was full; with none left, the
      // stream was cut short.
      if (rc == Z_BUF_ERROR && stream_.avail_out == 0) continue;
      if (rc != Z_OK) return errc::decode_failed;
    }
  }

 private:
  // After a gzip member ends, another may follow (concatenated members).
  bool next_member_follows(std::string_view& rest) {
    if (stream_.avail_in == 0 && !rest.empty()) {
      const std::size_t n = std::min(rest.size(), max_zlib_chunk);
      stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(rest.data()));
      stream_.avail_in = static_cast<uInt>(n);
      rest.remove_prefix(n);
    }
    if (stream_.avail_in < 2 || stream_.next_in[0] != 0x1f || stream_.next_in[1] != 0x8b) {
      return false;
    }
    return inflateReset(&stream_) == Z_OK;
  }

  // Grows the output geometrically from the size hint, never past the limit.
  static void grow(std::string& out, std::uint64_t limit, std::size_t size_hint) {
    std::uint64_t next = out.empty() ? size_hint : out.size() * 2;
    if (limit != 0) next = std::min(next, limit);
    out.resize(static_cast<std::size_t>(next));
  }

  z_stream stream_{};
  std::size_t size_hint_;
  bool ok_ = false;
};

// A first guess of the decoded size. A gzip trailer states it (modulo 2^32): trust it when
// deflate could produce that much from this input (at most ~1032:1), so a single allocation
// usually suffices; the slack lets inflate reach the trailer without another grow.
std::size_t decoded_size_hint(std::string_view in, bool gzip) {
  const std::size_t fallback = std::max<std::size_t>(16 * 1024, in.size() * 4);
  if (!gzip || in.size() < 18) return fallback;
  const auto* tail = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
  const std::size_t stated = std::size_t{tail[0]} | std::size_t{tail[1]} << 8 |
                             std::size_t{tail[2]} << 16 | std::size_t{tail[3]} << 24;
  if (stated == 0 || stated / 1032 > in.size()) return fallback;
  return stated + 64;
}

std::error_code inflate_into(std::string_view in, std::string& out, std::uint64_t limit,
                             int window_bits) {
  out.clear();
  if (in.empty()) return {};  // e.g. a 204 or HEAD reply that still names its encoding
  const bool gzip = window_bits == gzip_window_bits;
  inflater z(window_bits, decoded_size_hint(in, gzip));
  return z.run(in, out, limit, gzip);
}

// What one call of a streaming decoder did.
enum class step_state {
  more,      // call again (more output to come, or input still to read)
  finished,  // the stream ended
  starved,   // every input byte was read and the stream has not ended: it was cut short
  failed,    // corrupt input
};
struct step_result {
  std::size_t written;
  step_state state;
};

// Drives a streaming decoder over the whole input into out, growing out geometrically and never
// past limit (0 = none). step(in, buffer, room) decodes from in (advancing it) into the buffer.
template <class Step>
std::error_code decode_stream(Step step, std::string_view in, std::string& out, std::uint64_t limit) {
  out.clear();
  if (in.empty()) return {};
  std::size_t produced = 0;
  while (true) {
    if (limit != 0 && produced == limit) {
      // At the cap: any further output means the body is too large. Probe with a small scratch
      // buffer rather than growing the string.
      char probe[64];
      const step_result r = step(in, probe, sizeof probe);
      if (r.written != 0) return errc::body_too_large;
      if (r.state == step_state::finished) return {};
      if (r.state != step_state::more) return errc::decode_failed;
      continue;
    }
    if (produced == out.size()) {
      std::uint64_t next = out.empty() ? std::max<std::size_t>(16 * 1024, in.size() * 4) : out.size() * 2;
      if (limit != 0) next = std::min(next, limit);
      out.resize(static_cast<std::size_t>(next));
    }
    const step_result r = step(in, out.data() + produced, out.size() - produced);
    produced += r.written;
    if (r.state == step_state::finished) {
      out.resize(produced);
      return {};
    }
    if (r.state != step_state::more) return errc::decode_failed;
  }
}

std::error_code brotli_decode(std::string_view in, std::string& out, std::uint64_t limit) {
  std::unique_ptr<BrotliDecoderState, decltype(&BrotliDecoderDestroyInstance)> state(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), &BrotliDecoderDestroyInstance);
  if (!state) return errc::decode_failed;
  auto step = [&state](std::string_view& input, char* buffer, std::size_t room) {
    std::size_t avail_in = input.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(input.data());
    std::size_t avail_out = room;
    auto* next_out = reinterpret_cast<std::uint8_t*>(buffer);
    const auto rc = BrotliDecoderDecompressStream(state.get(), &avail_in, &next_in, &avail_out, &next_out, nullptr);
    input.remove_prefix(input.size() - avail_in);
    const std::size_t written = room - avail_out;
    switch (rc) {
      case BROTLI_DECODER_RESULT_SUCCESS:
        return step_result{written, step_state::finished};
      case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
        return step_result{written, step_state::more};
      case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
        return step_result{written, step_state::starved};
      case BROTLI_DECODER_RESULT_ERROR:
        break;
    }
    return step_result{written, step_state::failed};
  };
  return decode_stream(step, in, out, limit);
}

// Concatenated zstd frames are all decoded, as zstd(1) does. The decoder's default window limit
// (128 MiB) bounds its own memory whatever a frame header asks for.
std::error_code zstd_decode(std::string_view in, std::string& out, std::uint64_t limit) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!context) return errc::decode_failed;
  auto step = [&context](std::string_view& input, char* buffer, std::size_t room) {
    ZSTD_inBuffer source{input.data(), input.size(), 0};
    ZSTD_outBuffer target{buffer, room, 0};
    const std::size_t rc = ZSTD_decompressStream(context.get(), &target, &source);
    input.remove_prefix(source.pos);
    if (ZSTD_isError(rc)) return step_result{target.pos, step_state::failed};
    // 0: a frame ended and everything was flushed.
    if (rc == 0 && input.empty()) return step_result{target.pos, step_state::finished};
    // Output room left and no input left: the decoder wants bytes that will never come.
    if (input.empty() && target.pos < target.size) return step_result{target.pos, step_state::starved};
    return step_result{target.pos, step_state::more};
  };
  return decode_stream(step, in, out, limit);
}

std::error_code decode_one(coding c, std::string_view in, std::string& out,
                           std::uint64_t limit) {
  switch (c) {
    case coding::gzip:
      return inflate_into(in, out, limit, gzip_window_bits);
    case coding::deflate: {
      // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
      const std::error_code ec = inflate_into(in, out, limit, zlib_window_bits);
      if (ec != errc::decode_failed) return ec;
      return inflate_into(in, out, limit, raw_window_bits);
    }
    case coding::br:
      return brotli_decode(in, out, limit);
    case coding::zstd:
      return zstd_decode(in, out, limit);
    case coding::identity:
      if (limit != 0 && in.size() > limit) return errc::body_too_large;
      out.assign(in);
      return {};
    case coding::unknown:
      break;
  }
  return errc::decode_failed;
}

}  // namespace

bool supported_encoding(std::string_view content_encoding) {
  const auto codings = codings_of(content_encoding);
  return std::none_of(codings.begin(), codings.end(),
                      [](coding c) { return c == coding::unknown; });
}

decode_result decode_body(std::string_view content_encoding, std::string_view body,
                          std::uint64_t max_output) {
  decode_result result;
  const auto codings = codings_of(content_encoding);
  if (codings.empty()) {
    result.error = decode_one(coding::identity, body, result.body, max_output);
    return result;
  }
  // The last coding applied is the first to undo. Each stage decodes from the previous stage's
  // output into a string of its own: input and output never share storage.
  std::string previous;
  std::string_view input = body;
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    result.error = decode_one(*it, input, result.body, max_output);
    if (result.error) {
      result.body.clear();
      return result;
    }
    if (std::next(it) != codings.rend()) {
      previous = std::move(result.body);
      result.body = std::string();
      input = previous;
    }
  }
  return result;
}

std::string gzip_compress(std::string_view input) {
  if (input.size() > max_zlib_chunk) throw std::length_error("gzip_compress: input above 4 GiB");
  z_stream stream{};
  // 16 + 15: a gzip header and trailer around a 32 KiB-window deflate stream.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::bad_alloc();
  std::string out(deflateBound(&stream, static_cast<uLong>(input.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  // deflateBound is enough for one Z_FINISH call.
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace orbweaver::download
