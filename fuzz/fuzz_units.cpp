// Fuzzes the duration, size and date parsers, and checks that what they format parses back to
// the same value.
#include "gate/units/units.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gate::units;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto duration = parse_duration(text)) {
    if (parse_duration(format_duration(*duration)) != duration) std::abort();
  }
  if (auto bytes = parse_size(text)) {
    if (*bytes < 0) std::abort();
    format_size(*bytes);
  }
  if (auto time = parse_date_time(text)) {
    if (parse_date_time(format_date_time(*time)) != time) std::abort();
    format_date(*time);
  }
  return 0;
}
