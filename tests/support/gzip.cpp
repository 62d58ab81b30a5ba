#include "gzip.hpp"

#include "download/decompress.hpp"

#include <zlib.h>

#include <cstdint>
#include <stdexcept>

namespace orbweaver::testing {
namespace {

// Deflates `input` into a gzip stream with the given flush, appending what comes out to `out`.
void deflate_into(z_stream& stream, std::string_view input, int flush, std::string& out) {
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  char buffer[64 * 1024];
  do {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    if (deflate(&stream, flush) == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
    out.append(buffer, sizeof buffer - stream.avail_out);
  } while (stream.avail_out == 0);
}

}  // namespace

std::string gzip(std::string_view input) { return download::gzip_compress(input); }

std::string gzip_bomb(unsigned gibibytes) {
  constexpr std::size_t chunk = 1 << 20;
  const std::string zeros(chunk, '\0');
  z_stream stream{};
  if (deflateInit2(&stream, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  // A full flush empties the window, so every chunk after the first deflates to the same bytes.
  std::string first, repeated, again, tail;
  deflate_into(stream, zeros, Z_FULL_FLUSH, first);
  deflate_into(stream, zeros, Z_FULL_FLUSH, repeated);
  deflate_into(stream, zeros, Z_FULL_FLUSH, again);
  deflate_into(stream, {}, Z_FINISH, tail);
  deflateEnd(&stream);
  if (repeated != again || tail.size() < 8) throw std::runtime_error("gzip bomb: unexpected deflate output");

  const std::uint64_t chunks = std::uint64_t{gibibytes} << 10;
  std::string out;
  out.reserve(first.size() + repeated.size() * chunks + tail.size());
  out += first;
  for (std::uint64_t i = 1; i < chunks; ++i) out += repeated;
  // The trailer zlib wrote covers three chunks; the bomb's covers all of them.
  out.append(tail, 0, tail.size() - 8);
  const uLong chunk_crc = crc32(0, reinterpret_cast<const Bytef*>(zeros.data()), chunk);
  uLong crc = chunk_crc;
  for (std::uint64_t i = 1; i < chunks; ++i) crc = crc32_combine(crc, chunk_crc, chunk);
  const std::uint32_t size_mod = static_cast<std::uint32_t>(chunks * chunk);
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((crc >> shift) & 0xff));
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((size_mod >> shift) & 0xff));
  return out;
}

}  // namespace orbweaver::testing
