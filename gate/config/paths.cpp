#include "gate/config/paths.hpp"

#include "gate/error.hpp"
#include "gate/text/utf8.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace gate::config {

namespace fs = std::filesystem;

namespace {

// Long paths are cut in messages; they are someone's input, not worth a screenful.
std::string shown(const std::string& path) { return path.size() > 200 ? path.substr(0, 200) + "..." : path; }

// What makes two spellings one file: its device and inode when it exists (a hard link, a
// symbolic link, ./x and a/../x alike), else the path with its existing folders resolved.
struct FileIdentity {
  std::optional<std::pair<dev_t, ino_t>> inode;
  std::string path;
  bool operator==(const FileIdentity& other) const {
    return inode || other.inode ? inode == other.inode : path == other.path;
  }
};

FileIdentity identity(const std::string& path) {
  FileIdentity id;
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0) id.inode = std::make_pair(status.st_dev, status.st_ino);
  // Made absolute first: libstdc++ leaves a relative path whose first folder does not exist
  // relative, so "x" and "./x" would differ.
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) absolute = path;
  fs::path canonical = fs::weakly_canonical(absolute, error);
  id.path = (error ? absolute : canonical).lexically_normal().string();
  return id;
}

struct NamedPath {
  std::string what; // "--json out.json", "the policy file p.toml": how messages name it
  std::string path;
};

// Every file a run reads. A new input belongs here, and no report can then overwrite it.
std::vector<NamedPath> input_paths(const Config& config, const std::vector<std::string>& policy_chain) {
  std::vector<NamedPath> inputs;
  for (const auto& policy : config.policy_files) inputs.push_back({"the policy file " + shown(policy), policy});
  for (const auto& policy : policy_chain) inputs.push_back({"the policy file " + shown(policy), policy});
  if (config.from_file) inputs.push_back({"--from-file " + shown(*config.from_file), *config.from_file});
  if (config.compare_with_file) {
    inputs.push_back({"--compare-with-file " + shown(*config.compare_with_file), *config.compare_with_file});
  }
  for (const auto& document : config.vex_files) inputs.push_back({"the VEX document " + shown(document), document});
  if (config.images_file) inputs.push_back({"--images " + shown(*config.images_file), *config.images_file});
  if (config.transport && config.transport->ca_file) {
    inputs.push_back({"the CA file " + shown(*config.transport->ca_file), *config.transport->ca_file});
  }
  return inputs;
}

// Every file a run writes or appends to. A new report belongs here, and it can then neither
// overwrite an input nor share a path with another output.
std::vector<NamedPath> output_paths(const Config& config) {
  // Named as given: "--json x", or "HSS_GATE_JSON x" when the variable set it.
  auto named = [&](std::string_view setting, const std::string& path) {
    std::string origin = fmt::format("--{}", setting);
    for (const auto& source : config.sources) {
      if (source.setting == setting) origin = source.origin;
    }
    return NamedPath{fmt::format("{} {}", origin, shown(path)), path};
  };
  std::vector<NamedPath> outputs;
  for (const auto& [format, path] : config.reports) outputs.push_back(named(format, path));
  if (config.save_bundle) outputs.push_back(named("save-bundle", *config.save_bundle));
  if (config.github_output) outputs.push_back({"GITHUB_OUTPUT " + shown(*config.github_output), *config.github_output});
  if (config.github_step_summary) {
    outputs.push_back({"GITHUB_STEP_SUMMARY " + shown(*config.github_step_summary), *config.github_step_summary});
  }
  return outputs;
}

// The regular files under a folder, at any depth (a bounded number: a cache, not a disk).
std::vector<std::string> files_inside(const std::string& folder) {
  constexpr std::size_t k_most = 10000;
  std::vector<std::string> files;
  std::error_code error;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator() && files.size() < k_most; it.increment(error)) {
    std::error_code status_error;
    if (it->is_regular_file(status_error)) files.push_back(it->path().string());
  }
  return files;
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
  // Report paths reach dotenv lines, step outputs and the console: a line break, a control or an
  // invisible character in one could forge a key there or hide what was written.
  if (!text::is_printable_text(path)) {
    throw UsageError(fmt::format("{}: expected a path of printable UTF-8 text, without controls or invisible "
                                 "characters",
                                 origin));
  }
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

void check_repository_path(const std::string& path, const std::string& origin) {
  bool printable = text::is_printable_text(path);
  // A colon before the first '/' would read as a URI scheme (https:, file:, C:), which is no
  // file of the repository.
  auto first_slash = path.find('/');
  bool scheme = path.substr(0, first_slash).find(':') != std::string::npos;
  bool climbs = ("/" + path + "/").find("/../") != std::string::npos;
  if (path.empty() || path.size() > 4096 || path.front() == '/' || climbs || scheme ||
      path.find('\\') != std::string::npos || !printable) {
    throw UsageError(fmt::format("{}: expected a relative path inside the repository such as Dockerfile or "
                                 "docker/api.Dockerfile (no leading /, no .., no scheme, no backslash), got \"{}\"",
                                 origin, shown(path)));
  }
}

void check_distinct_paths(const Config& config, const std::vector<std::string>& policy_chain,
                          const std::optional<std::string>& policy_cache) {
  std::vector<std::pair<FileIdentity, std::string>> inputs;
  for (const auto& input : input_paths(config, policy_chain)) inputs.emplace_back(identity(input.path), input.what);
  std::optional<std::string> cache_folder;
  if (policy_cache) {
    cache_folder = identity(*policy_cache).path;
    for (const auto& file : files_inside(*policy_cache)) {
      inputs.emplace_back(identity(file), "the cached policy base " + shown(file));
    }
  }
  std::vector<std::pair<FileIdentity, std::string>> outputs;
  for (const auto& output : output_paths(config)) {
    FileIdentity id = identity(output.path);
    if (cache_folder && (id.path + "/").rfind(*cache_folder + "/", 0) == 0) {
      throw UsageError(fmt::format("{}: would write inside the policy cache {} (HSS_GATE_CACHE_DIR), whose files "
                                   "are inputs",
                                   output.what, shown(*policy_cache)));
    }
    for (const auto& [other, other_what] : outputs) {
      if (other == id) throw UsageError(fmt::format("{} and {}: two reports on one path", other_what, output.what));
    }
    for (const auto& [input, input_what] : inputs) {
      if (input == id) throw UsageError(fmt::format("{}: would overwrite {}", output.what, input_what));
    }
    outputs.emplace_back(std::move(id), output.what);
  }
}

} // namespace gate::config
