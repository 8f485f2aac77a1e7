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
  text::for_each_code_point(text, [&](std::optional<char32_t> value, std::string_view bytes) {
    // XML 1.0 allows neither most C0 controls nor U+FFFE and U+FFFF; JSON readers choke on them.
    bool refused = !value || (*value < 0x20 && *value != '\t' && *value != '\n') || *value == 0x7F ||
                   *value == 0xFFFE || *value == 0xFFFF;
    if (refused) {
      text::append_utf8(out, text::k_replacement_character);
    } else {
      out.append(bytes);
    }
  });
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  text::for_each_code_point(text, [&](std::optional<char32_t> value, std::string_view bytes) {
    if (!value) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(bytes.front()));
    } else if (*value == '\n') {
      out += "\\n";
    } else if (*value == '\r') {
      out += "\\r";
    } else if (*value == '\t') {
      out += "\\t";
    } else if (text::is_control(*value)) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(*value));
    } else {
      out.append(bytes);
    }
  });
  return out;
}

std::string printable_line(std::string_view text) {
  std::string line = printable(text);
  if (line.rfind("::", 0) == 0 || line.rfind("##[", 0) == 0) line.insert(0, "./");
  return line;
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
