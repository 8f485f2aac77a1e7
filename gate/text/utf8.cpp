#include "gate/text/utf8.hpp"

#include <Poco/UTF8Encoding.h>

namespace gate::text {

std::optional<CodePoint> decode_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return std::nullopt;
  auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return CodePoint{lead, 1};
  std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (length == 0 || pos + length > text.size()) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data() + pos);
  if (!Poco::UTF8Encoding::isLegal(bytes, static_cast<int>(length))) return std::nullopt;
  Poco::UTF8Encoding encoding;
  int value = encoding.queryConvert(bytes, static_cast<int>(length));
  if (value < 0 || (value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) return std::nullopt;
  return CodePoint{static_cast<char32_t>(value), length};
}

void append_utf8(std::string& out, char32_t value) {
  unsigned char bytes[4];
  Poco::UTF8Encoding encoding;
  int length = encoding.convert(static_cast<int>(value), bytes, 4);
  out.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(length));
}

std::optional<std::size_t> count_code_points(std::string_view text) {
  std::size_t count = 0;
  bool valid = true;
  for_each_code_point(text, [&](std::optional<char32_t> value, std::string_view) {
    valid = valid && value.has_value();
    ++count;
  });
  if (!valid) return std::nullopt;
  return count;
}

bool is_control(char32_t value) { return value < 0x20 || (value >= 0x7F && value <= 0x9F); }

bool is_non_printing(char32_t value) {
  auto in = [value](char32_t first, char32_t last) { return value >= first && value <= last; };
  return is_control(value) || value == 0xAD || value == 0x61C || value == 0x180E || in(0x200B, 0x200F) ||
         in(0x2028, 0x202E) || in(0x2060, 0x2064) || in(0x2066, 0x206F) || value == 0xFEFF || in(0xFFF9, 0xFFFB) ||
         value == 0xFFFE || value == 0xFFFF || in(0xE0000, 0xE007F);
}

} // namespace gate::text
