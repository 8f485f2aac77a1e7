#pragma once

#include "gate/policy/outcome.hpp"

#include <string>
#include <string_view>

// Helpers shared by the renderers of this folder.
namespace gate::report {

// Replaces bytes that are not valid UTF-8, and control characters other than tab and newline,
// with U+FFFD, so that HSS data can never break an XML or JSON report.
std::string clean_text(std::string_view text);

// Text safe to print on one terminal or CI log line: control characters (C0 and DEL as \n, \r,
// \t or \x1b), every other code point that prints nothing (text::non_printing_ranges: C1
// controls, default ignorables, line separators, non-characters, private use; as \u0085,
// \u202e or \U000e0100) and bytes that are not UTF-8 (as \xff) become visible escapes, so that
// data can neither start a line of its own, send terminal or workflow commands, nor show other
// text than it holds. The result is always one line: every error and warning goes through it.
std::string printable(std::string_view text);

// printable(), for a line that data begins: a line that would start with "::" or "##[" (a
// workflow command in GitHub Actions or Azure Pipelines) starts with "./" instead, which keeps a
// relative path meaning the same file.
std::string printable_line(std::string_view text);

// "compared with 1.9.0 (HSS, digest sha256:...)", or why the image compared with is unavailable
// and what that means for the rules. Raw text: each renderer escapes it as its format needs.
std::string comparison_text(const policy::ComparedWith& compared);

} // namespace gate::report
