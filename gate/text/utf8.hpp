#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// Walking UTF-8 text one code point at a time, for every module that must judge or clean
// untrusted strings (flag values, HSS data, policy text).
namespace gate::text {

// One decoded code point and the bytes it took.
struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;
};

// Decodes the code point that starts at `pos`; nullopt for a byte sequence that is not
// well-formed UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
std::optional<CodePoint> decode_at(std::string_view text, std::size_t pos);

// Calls `visit(value, bytes)` for each code point of the text in order, with nullopt for a byte
// that does not start well-formed UTF-8 (that byte alone is passed, and the walk goes on).
template <typename Visit>
void for_each_code_point(std::string_view text, Visit&& visit) {
  for (std::size_t pos = 0; pos < text.size();) {
    auto point = decode_at(text, pos);
    std::size_t length = point ? point->length : 1;
    visit(point ? std::optional<char32_t>(point->value) : std::nullopt, text.substr(pos, length));
    pos += length;
  }
}

// Appends the UTF-8 encoding of a code point.
void append_utf8(std::string& out, char32_t value);

// Counts code points; nullopt when the text is not well-formed UTF-8.
std::optional<std::size_t> count_code_points(std::string_view text);

// True for C0 controls, DEL and C1 controls: the characters a terminal or a CI log may act on.
bool is_control(char32_t value);

// A range of code points that the console shows as escapes, and why they are in the set.
struct CodePointRange {
  char32_t first;
  char32_t last;
  std::string_view why;
};

// The code points that print nothing of themselves yet change what a reader sees, or whose look
// no one can rely on, in ascending order: C0 and C1 controls and DEL; Unicode's whole
// Default_Ignorable_Code_Point set (DerivedCoreProperties.txt: soft hyphen, combining grapheme
// joiner, Hangul fillers, variation selectors, zero-width characters, bidirectional controls, the
// BOM, tags, and the reserved code points Unicode keeps ignorable); line and paragraph separators;
// the other format controls that show nothing (interlinear annotation, Egyptian hieroglyph format
// controls); the 66 non-characters; and private use, which each font draws as it likes (an icon,
// a blank, nothing), so that no HSS data or policy text can look like other text on a console.
// Surrogates never decode (decode_at), so they show as the bytes that are not UTF-8.
std::span<const CodePointRange> non_printing_ranges();

// True for a code point of non_printing_ranges().
bool is_non_printing(char32_t value);

// True for well-formed UTF-8 without a non-printing code point: what a setting that reaches the
// console, a report or a CI file must be (names, ids, paths).
bool is_printable_text(std::string_view text);

inline constexpr char32_t k_replacement_character = 0xFFFD;

} // namespace gate::text
