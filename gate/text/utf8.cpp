#include "gate/text/utf8.hpp"

#include <Poco/UTF8Encoding.h>

#include <algorithm>
#include <array>
#include <iterator>

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

namespace {

// The one definition of the set; the non-characters of planes 1 to 14 each close their plane
// (U+1FFFE-U+1FFFF ... U+EFFFE-U+EFFFF), those of planes 15 and 16 lie inside private use.
constexpr std::array<CodePointRange, 40> k_non_printing{{
    {0x0000, 0x001F, "C0 controls"},
    {0x007F, 0x009F, "DEL and C1 controls"},
    {0x00AD, 0x00AD, "soft hyphen (default ignorable)"},
    {0x034F, 0x034F, "combining grapheme joiner (default ignorable)"},
    {0x061C, 0x061C, "Arabic letter mark, a bidirectional control (default ignorable)"},
    {0x115F, 0x1160, "Hangul choseong and jungseong fillers (default ignorable)"},
    {0x17B4, 0x17B5, "Khmer inherent vowels (default ignorable)"},
    {0x180B, 0x180F, "Mongolian variation selectors and vowel separator (default ignorable)"},
    {0x200B, 0x200F, "zero-width space, non-joiner and joiner, LRM and RLM (default ignorable)"},
    {0x2028, 0x2029, "line and paragraph separators"},
    {0x202A, 0x202E, "bidirectional embeddings and overrides (default ignorable)"},
    {0x2060, 0x206F, "word joiner, invisible operators, bidi isolates, deprecated formats (default ignorable)"},
    {0x3164, 0x3164, "Hangul filler (default ignorable)"},
    {0xE000, 0xF8FF, "private use"},
    {0xFDD0, 0xFDEF, "non-characters"},
    {0xFE00, 0xFE0F, "variation selectors (default ignorable)"},
    {0xFEFF, 0xFEFF, "zero-width no-break space, the BOM (default ignorable)"},
    {0xFFA0, 0xFFA0, "halfwidth Hangul filler (default ignorable)"},
    {0xFFF0, 0xFFF8, "reserved (default ignorable)"},
    {0xFFF9, 0xFFFB, "interlinear annotation controls"},
    {0xFFFE, 0xFFFF, "non-characters"},
    {0x13430, 0x1343F, "Egyptian hieroglyph format controls"},
    {0x1BCA0, 0x1BCA3, "shorthand format controls (default ignorable)"},
    {0x1D173, 0x1D17A, "musical symbol format controls (default ignorable)"},
    {0x1FFFE, 0x1FFFF, "non-characters"},
    {0x2FFFE, 0x2FFFF, "non-characters"},
    {0x3FFFE, 0x3FFFF, "non-characters"},
    {0x4FFFE, 0x4FFFF, "non-characters"},
    {0x5FFFE, 0x5FFFF, "non-characters"},
    {0x6FFFE, 0x6FFFF, "non-characters"},
    {0x7FFFE, 0x7FFFF, "non-characters"},
    {0x8FFFE, 0x8FFFF, "non-characters"},
    {0x9FFFE, 0x9FFFF, "non-characters"},
    {0xAFFFE, 0xAFFFF, "non-characters"},
    {0xBFFFE, 0xBFFFF, "non-characters"},
    {0xCFFFE, 0xCFFFF, "non-characters"},
    {0xDFFFE, 0xDFFFF, "non-characters"},
    {0xE0000, 0xE0FFF, "tags, variation selectors supplement, reserved (default ignorable)"},
    {0xEFFFE, 0xEFFFF, "non-characters"},
    {0xF0000, 0x10FFFF, "private use (planes 15 and 16, with their non-characters)"},
}};

constexpr bool ascending_and_disjoint() {
  for (std::size_t i = 0; i < k_non_printing.size(); ++i) {
    if (k_non_printing[i].first > k_non_printing[i].last) return false;
    if (i > 0 && k_non_printing[i - 1].last >= k_non_printing[i].first) return false;
  }
  return true;
}
static_assert(ascending_and_disjoint(), "is_non_printing's binary search needs ascending, disjoint ranges");

} // namespace

std::span<const CodePointRange> non_printing_ranges() { return k_non_printing; }

bool is_non_printing(char32_t value) {
  if (value >= 0x20 && value < 0x7F) return false; // printable ASCII, nearly every code point seen
  auto after = std::upper_bound(k_non_printing.begin(), k_non_printing.end(), value,
                                [](char32_t v, const CodePointRange& range) { return v < range.first; });
  return after != k_non_printing.begin() && value <= std::prev(after)->last;
}

bool is_printable_text(std::string_view text) {
  bool printable = true;
  for_each_code_point(text, [&](std::optional<char32_t> value, std::string_view) {
    printable = printable && value && !is_non_printing(*value);
  });
  return printable;
}

} // namespace gate::text
