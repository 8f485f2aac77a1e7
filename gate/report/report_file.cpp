#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include "gate/error.hpp"

#include <Poco/UTF8Encoding.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace gate::report {

std::string clean_text(std::string_view text) {
  static const std::string k_replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto lead = static_cast<unsigned char>(text[pos]);
    if (lead < 0x80) {
      bool control = lead < 0x20 || lead == 0x7F;
      out += control && lead != '\t' && lead != '\n' ? k_replacement : std::string(1, static_cast<char>(lead));
      ++pos;
      continue;
    }
    int needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : -1;
    bool valid = needed > 0 && pos + static_cast<std::size_t>(needed) <= text.size() &&
                 Poco::UTF8Encoding::isLegal(reinterpret_cast<const unsigned char*>(text.data() + pos), needed);
    if (!valid) {
      out += k_replacement;
      ++pos;
      continue;
    }
    out.append(text.substr(pos, static_cast<std::size_t>(needed)));
    pos += static_cast<std::size_t>(needed);
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
