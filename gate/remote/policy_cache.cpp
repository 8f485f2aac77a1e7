#include "gate/remote/policy_cache.hpp"

#include "gate/error.hpp"
#include "gate/hss/signer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace gate::remote {

namespace fs = std::filesystem;

namespace {

// Each folder of `path` that does not exist yet, from the top down, made readable by its owner only.
void make_private_folders(const fs::path& path, const std::string& cache) {
  fs::path prefix;
  for (const auto& part : path) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) == 0 || errno == EEXIST) continue;
    int reason = errno;
    std::error_code error;
    if (!fs::is_directory(prefix, error)) {
      throw UsageError(fmt::format("policy cache {}: cannot create the folder {}: {}", cache, prefix.string(),
                                   std::strerror(reason)));
    }
  }
}

class Descriptor {
public:
  explicit Descriptor(int fd) : m_fd(fd) {}
  ~Descriptor() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return m_fd; }
  int release() {
    int fd = m_fd;
    m_fd = -1;
    return fd;
  }

private:
  int m_fd;
};

} // namespace

std::string PolicyCache::entry(const std::string& sha256) const {
  return (fs::path(m_folder) / "policies" / (sha256 + ".toml")).string();
}

PolicyCache::Lookup PolicyCache::find(const std::string& sha256) const {
  std::string path = entry(sha256);
  std::error_code error;
  auto status = fs::symlink_status(path, error);
  if (error || !fs::exists(status)) return {};
  if (!fs::is_regular_file(status)) return {std::nullopt, "is not a regular file"};
  // O_NOFOLLOW: a link put there since the check above is refused, not followed.
  Descriptor file(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (file.get() < 0) return {std::nullopt, fmt::format("cannot be read: {}", std::strerror(errno))};
  std::string content;
  char buffer[16384];
  for (;;) {
    ssize_t got = ::read(file.get(), buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      return {std::nullopt, fmt::format("cannot be read: {}", std::strerror(errno))};
    }
    if (got == 0) break;
    content.append(buffer, static_cast<std::size_t>(got));
    if (content.size() > k_max_base_size) return {std::nullopt, "is larger than 1 MiB"};
  }
  std::string actual = hss::sha256_hex(content);
  if (actual != sha256) return {std::nullopt, fmt::format("has SHA-256 {}", actual)};
  return {std::move(content), std::nullopt};
}

void PolicyCache::store(const std::string& sha256, const std::string& content) const {
  std::string path = entry(sha256);
  std::error_code error;
  fs::path folder = fs::absolute(fs::path(path).parent_path(), error);
  if (error) throw UsageError(fmt::format("policy cache {}: {}", m_folder, error.message()));
  make_private_folders(folder, m_folder);
  std::string temporary = fmt::format("{}.tmp-{}-{}", path, ::getpid(), std::random_device{}());
  auto fail = [&](const char* what) {
    std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    return UsageError(fmt::format("policy cache {}: cannot {} {}: {}", m_folder, what, path, reason));
  };
  Descriptor file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (file.get() < 0) throw fail("write");
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t put = ::write(file.get(), content.data() + written, content.size() - written);
    if (put < 0) {
      if (errno == EINTR) continue;
      throw fail("write");
    }
    written += static_cast<std::size_t>(put);
  }
  if (::fsync(file.get()) != 0 || ::close(file.release()) != 0) throw fail("write");
  if (::rename(temporary.c_str(), path.c_str()) != 0) throw fail("replace");
}

} // namespace gate::remote
