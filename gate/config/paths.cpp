#include "gate/config/paths.hpp"

#include "gate/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <string_view>
#include <unistd.h>

namespace gate::config {

namespace fs = std::filesystem;

namespace {

// Long paths are cut in messages; they are someone's input, not worth a screenful.
std::string shown(const std::string& path) { return path.size() > 200 ? path.substr(0, 200) + "..." : path; }

std::string identity(const std::string& path) {
  std::error_code error;
  fs::path canonical = fs::weakly_canonical(path, error);
  return error ? path : canonical.string();
}

std::optional<std::string_view> special_file_kind(const std::string& path) {
  std::error_code error;
  auto status = fs::status(path, error);
  if (error || !fs::exists(status) || fs::is_regular_file(status)) return std::nullopt;
  return fs::is_directory(status) ? "a folder"
         : fs::is_fifo(status)    ? "a FIFO"
         : fs::is_socket(status)  ? "a socket"
         : fs::is_block_file(status) || fs::is_character_file(status) ? "a device"
                                                                     : "a special file";
}

} // namespace

void check_input_file(const std::string& path, const std::string& origin, std::string_view noun) {
  if (auto kind = special_file_kind(path)) {
    throw UsageError(fmt::format("{} {}: is {}, expected a regular file", origin, shown(path), *kind));
  }
  if (!is_file(path)) throw UsageError(fmt::format("{} {}: no such {}", origin, shown(path), noun));
}

bool is_file(const std::string& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

void check_report_path(const std::string& path, const std::string& origin) {
  if (path.empty()) throw UsageError(fmt::format("{}: expected a file path", origin));
  std::error_code error;
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, error)) {
    throw UsageError(fmt::format("{} {}: the folder {} does not exist", origin, shown(path), shown(parent.string())));
  }
  auto status = fs::symlink_status(path, error);
  if (!error && fs::exists(status) && !fs::is_regular_file(status)) {
    const char* kind = fs::is_directory(status)   ? "a folder"
                       : fs::is_symlink(status)   ? "a symbolic link"
                       : fs::is_fifo(status)      ? "a FIFO"
                       : fs::is_socket(status)    ? "a socket"
                                                  : "a device or special file";
    throw UsageError(fmt::format("{} {}: is {}, expected a regular file; the gate never replaces it", origin,
                                 shown(path), kind));
  }
  // Reports are written through a temporary file beside the target: make sure one can be
  // created now, before anything is looked up, rather than fail after the verdict.
  std::string probe = fmt::format("{}.tmp-{}", path, ::getpid());
  int descriptor = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (descriptor < 0) {
    throw UsageError(fmt::format("{} {}: cannot write there: {}", origin, shown(path), std::strerror(errno)));
  }
  ::close(descriptor);
  ::unlink(probe.c_str());
}

void check_distinct_paths(const Config& config, const std::vector<std::string>& policy_chain) {
  std::vector<std::pair<std::string, std::string>> inputs; // identity, what
  for (const auto& policy : config.policy_files) inputs.emplace_back(identity(policy), "the policy file " + policy);
  for (const auto& policy : policy_chain) inputs.emplace_back(identity(policy), "the policy file " + policy);
  if (config.from_file) inputs.emplace_back(identity(*config.from_file), "--from-file " + *config.from_file);
  if (config.images_file) inputs.emplace_back(identity(*config.images_file), "--images " + *config.images_file);
  if (config.transport && config.transport->ca_file) {
    inputs.emplace_back(identity(*config.transport->ca_file), "the CA file " + *config.transport->ca_file);
  }
  std::vector<std::pair<std::string, std::string>> written;
  for (const auto& [format, path] : config.reports) written.emplace_back(fmt::format("--{} {}", format, path), path);
  if (config.save_bundle) written.emplace_back(fmt::format("--save-bundle {}", *config.save_bundle), *config.save_bundle);
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const auto& [what, path] : written) {
    std::string id = identity(path);
    for (const auto& [other, other_what] : outputs) {
      if (other == id) throw UsageError(fmt::format("{} and {}: two reports on one path", other_what, what));
    }
    for (const auto& [input, input_what] : inputs) {
      if (input == id) throw UsageError(fmt::format("{}: would overwrite {}", what, input_what));
    }
    outputs.emplace_back(id, what);
  }
}

} // namespace gate::config
