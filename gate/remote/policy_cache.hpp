#pragma once

#include <cstddef>
#include <optional>
#include <string>

// Policy bases fetched by URL, kept by digest so that a later run needs no network:
// <folder>/policies/<sha256>.toml. An entry is used only when its bytes hash to its name, so a
// damaged or altered entry is never read as the base it claims to be.
namespace gate::remote {

// The largest base read by URL, as for a policy file on disk.
inline constexpr std::size_t k_max_base_size = std::size_t{1} << 20;

class PolicyCache {
public:
  explicit PolicyCache(std::string folder) : m_folder(std::move(folder)) {}

  const std::string& folder() const { return m_folder; }
  // Where the base with this digest is kept.
  std::string entry(const std::string& sha256) const;

  struct Lookup {
    std::optional<std::string> content; // the entry's bytes, when they hash to the digest
    std::optional<std::string> damage;  // why an entry that is there was not used: "has SHA-256 ..."
  };
  // Never throws: an entry that cannot be read is damage, and the base is fetched again.
  Lookup find(const std::string& sha256) const;

  // Creates the missing folders with mode 0700 and writes through a temporary file (0600) and a
  // rename, so that no reader sees half an entry. Throws UsageError naming the folder or entry.
  void store(const std::string& sha256, const std::string& content) const;

private:
  std::string m_folder;
};

} // namespace gate::remote
