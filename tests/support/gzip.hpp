#pragma once
// gzip bodies for test servers: ordinary ones, and bombs.
#include <string>
#include <string_view>

namespace orbweaver::testing {

std::string gzip(std::string_view input);

// gzip of `gibibytes` GiB of zeros, built without compressing them: one flushed block repeats.
std::string gzip_bomb(unsigned gibibytes);

}  // namespace orbweaver::testing
