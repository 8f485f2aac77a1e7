#pragma once

#include <string>
#include <string_view>

// Helpers shared by the renderers of this folder.
namespace gate::report {

// Replaces bytes that are not valid UTF-8, and control characters other than tab and newline,
// with U+FFFD, so that HSS data can never break an XML or JSON report.
std::string clean_text(std::string_view text);

} // namespace gate::report
