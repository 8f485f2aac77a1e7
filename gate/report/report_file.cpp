#include "gate/report/report_file.hpp"
#include "gate/report/text.hpp"

#include "gate/error.hpp"
#include "gate/text/utf8.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace gate::report {

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    auto point = text::decode_at(text, pos);
    if (!point) {
      text::append_utf8(out, text::k_replacement_character);
      ++pos;
      continue;
    }
    // XML 1.0 allows neither most C0 controls nor U+FFFE and U+FFFF; JSON readers choke on them.
    bool allowed_control = point->value == '\t' || point->value == '\n';
    bool refused = point->value < 0x20 ? !allowed_control
                                       : point->value == 0x7F || point->value == 0xFFFE || point->value == 0xFFFF;
    if (refused) {
      text::append_utf8(out, text::k_replacement_character);
    } else {
      out.append(text.substr(pos, point->length));
    }
    pos += point->length;
  }
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    auto point = text::decode_at(text, pos);
    if (!point) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[pos]));
      ++pos;
      continue;
    }
    if (point->value == '\n') {
      out += "\\n";
    } else if (point->value == '\r') {
      out += "\\r";
    } else if (point->value == '\t') {
      out += "\\t";
    } else if (text::is_control(point->value)) {
      out += point->value < 0x100 ? fmt::format("\\x{:02x}", static_cast<unsigned>(point->value))
                                  : fmt::format("\\u{:04x}", static_cast<unsigned>(point->value));
    } else {
      out.append(text.substr(pos, point->length));
    }
    pos += point->length;
  }
  return out;
}

void append_to_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (out) out << content;
  if (!out) throw UsageError(fmt::format("{}: cannot append: {}", path, std::strerror(errno)));
}

void write_file_atomically(const std::string& path, const std::string& content) {
  std::string temporary = fmt::format("{}.tmp-{}", path, ::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw UsageError(fmt::format("{}: cannot write report: {}", path, std::strerror(errno)));
    out << content;
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw UsageError(fmt::format("{}: cannot write report: {}", path, std::strerror(errno)));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    std::remove(temporary.c_str());
    throw UsageError(fmt::format("{}: cannot write report: {}", path, std::strerror(error)));
  }
}

} // namespace gate::report
