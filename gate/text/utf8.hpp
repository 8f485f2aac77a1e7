#pragma once

#include <cstddef>
#include <optional>
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

// True for a code point that shows nothing of itself yet changes what a reader sees: controls
// (is_control), bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069),
// zero-width and invisible characters (U+00AD, U+180E, U+200B-U+200D, U+2060-U+2064, U+FEFF,
// tags U+E0000-U+E007F), line and paragraph separators (U+2028, U+2029), other format characters
// (U+206A-U+206F, U+FFF9-U+FFFB) and the non-characters U+FFFE, U+FFFF.
bool is_non_printing(char32_t value);

inline constexpr char32_t k_replacement_character = 0xFFFD;

} // namespace gate::text
