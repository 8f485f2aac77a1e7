#include "gate/report/report_file.hpp"
#include "gate/report/text.hpp"

#include "gate/error.hpp"
#include "gate/text/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <atomic>
#include <fcntl.h>
#include <string_view>
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

std::string comparison_text(const policy::ComparedWith& compared) {
  std::string version = compared.query.image_version.empty() ? fmt::format("the image in {}", compared.from)
                                                              : compared.query.image_version;
  if (compared.unavailable) {
    return fmt::format("compared with {}: unavailable ({}), so new_only rules count every finding and max_increase "
                       "measures from 0",
                       version, *compared.unavailable);
  }
  return fmt::format("compared with {} ({}, digest {})", version, compared.from, compared.image_digest.value_or("(none)"));
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
    } else if (*value < 0x80 && text::is_control(*value)) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(*value));
    } else if (text::is_non_printing(*value)) {
      // \u for a code point, so that U+0085 never reads like the byte 0x85 that is not UTF-8.
      out += *value > 0xFFFF ? fmt::format("\\U{:08x}", static_cast<unsigned>(*value))
                             : fmt::format("\\u{:04x}", static_cast<unsigned>(*value));
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

namespace {

class DiskFiles : public ReportFiles {
public:
  // The staged file is always a new file: O_EXCL and O_NOFOLLOW, so that a name planted in the
  // report's folder while HSS answered (a link to a policy file, say) is never written through.
  std::string stage(const std::string& path, const std::string& content) override {
    int fd = -1;
    std::string temporary;
    for (int attempt = 0; fd < 0 && attempt < 16; ++attempt) {
      temporary = fmt::format("{}.tmp-{}-{}", path, ::getpid(), m_sequence++);
      fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) throw UsageError(fmt::format("{}: cannot write report: {}", path, std::strerror(errno)));
    std::string_view rest = content;
    int error = 0;
    while (!rest.empty()) {
      ssize_t written = ::write(fd, rest.data(), rest.size());
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) {
        error = written < 0 ? errno : EIO;
        break;
      }
      rest.remove_prefix(static_cast<std::size_t>(written));
    }
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error != 0) {
      ::unlink(temporary.c_str());
      throw UsageError(fmt::format("{}: cannot write report: {}", path, std::strerror(error)));
    }
    return temporary;
  }

  void commit(const std::string& staged, const std::string& path) override {
    if (std::rename(staged.c_str(), path.c_str()) != 0) {
      int error = errno;
      std::remove(staged.c_str());
      throw UsageError(fmt::format("{}: cannot write report: {}", path, std::strerror(error)));
    }
  }

  void remove(const std::string& path) override { std::remove(path.c_str()); }

private:
  std::atomic<unsigned> m_sequence{0};
};

void add_unwritten(policy::Outcome& outcome, const std::vector<std::string>& failures) {
  for (const auto& failure : failures) {
    if (std::find(outcome.unwritten.begin(), outcome.unwritten.end(), failure) == outcome.unwritten.end()) {
      outcome.unwritten.push_back(failure);
    }
  }
}

struct Staged {
  std::string path;
  std::string temporary;
};

} // namespace

ReportFiles& disk_files() {
  static DiskFiles files;
  return files;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  ReportFiles& files = disk_files();
  files.commit(files.stage(path, content), path);
}

WrittenReports write_reports(policy::Outcome outcome, ReportOptions options, ReportFiles& files) {
  WrittenReports written{std::move(outcome), {}, {}};
  // Each round renders with the exit code the last one settled on; a failure can change it only
  // once (a pass becomes 3), so the third round at the latest finds it unchanged.
  for (int round = 0; round < 3; ++round) {
    int code = written.outcome.exit_code();
    written.warnings.clear();
    written.skipped.clear();
    std::vector<Staged> staged;
    std::vector<std::string> skipped;
    std::vector<std::string> failures;
    for (const auto& format : report_formats()) {
      auto path = options.paths.find(format.name);
      if (path == options.paths.end()) continue;
      options.warnings.clear();
      Rendered rendered = format.render(written.outcome, options);
      if (rendered.skipped) {
        // A report a failed list could not feed: none is better than a stale or partial one.
        skipped.push_back(path->second);
        written.skipped.emplace_back(format.name);
        written.warnings.push_back(fmt::format("--{} {}: not written: {}", format.name, path->second, *rendered.skipped));
        continue;
      }
      for (const auto& warning : options.warnings) {
        written.warnings.push_back(fmt::format("--{} {}: {}", format.name, path->second, warning));
      }
      try {
        staged.push_back({path->second, files.stage(path->second, rendered.text)});
      } catch (const Error& e) {
        failures.push_back(e.what());
      }
    }
    add_unwritten(written.outcome, failures);
    if (written.outcome.exit_code() != code) {
      for (const auto& file : staged) files.remove(file.temporary);
      continue;
    }
    for (const auto& path : skipped) files.remove(path);
    std::vector<std::string> late;
    for (const auto& file : staged) {
      try {
        files.commit(file.temporary, file.path);
      } catch (const Error& e) {
        late.push_back(e.what());
      }
    }
    add_unwritten(written.outcome, late);
    // A rename that failed after others succeeded: write them all again with the code it gives.
    if (written.outcome.exit_code() != code) continue;
    return written;
  }
  return written;
}

} // namespace gate::report
