#pragma once

#include "gate/hss/bundle.hpp"
#include "gate/hss/transport.hpp"
#include "gate/policy/loader.hpp"
#include "gate/remote/policy_cache.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Reading the policy bases that `extends` names by pinned URL, for the policy loader: a saved
// bundle's copy first (a replay needs no network), then the cache, then the network through the
// gate's HTTP client, each time checked against the pinned digest.
namespace gate::remote {

enum class BaseSource { bundle, cache, network };
std::string_view name_of(BaseSource source);

// A base as a run read it.
struct ReadBase {
  policy::PinnedBase base;
  BaseSource source;
  std::string content;
};

class RemoteBases : public policy::BaseReader {
public:
  using MakeFetcher = std::function<std::unique_ptr<hss::UrlFetcher>()>;
  using SavedBases = std::function<std::vector<hss::SavedPolicyBase>()>;
  using Warn = std::function<void(const std::string&)>;

  // `make_fetcher` is called on the first fetch, so that a run whose bases are all at hand never
  // resolves the client's settings; `saved` likewise on the first base (--from-file's bundle).
  // `cache` is nullopt when no cache folder is known: every run then fetches.
  RemoteBases(std::optional<PolicyCache> cache, MakeFetcher make_fetcher, SavedBases saved = {}, Warn warn = {});

  // Throws UsageError (exit 2, never excused by --on-error) naming the base: a URL the client
  // refuses, one that cannot be fetched, bytes whose SHA-256 is not the pinned one (naming both),
  // a damaged bundle copy, a damaged cache entry that cannot be fetched again.
  std::string read(const policy::PinnedBase& base) override;

  // Every base read, in the order read: what a bundle saves and `doctor` lists.
  const std::vector<ReadBase>& bases_read() const { return m_read; }
  std::vector<hss::SavedPolicyBase> saved_bases() const;
  const std::optional<PolicyCache>& cache() const { return m_cache; }

  // Fetches the base's URL again, bypassing the cache and writing nothing: nullopt when it serves
  // the pinned bytes, else what is wrong. What `doctor` says of a base it found cached.
  std::optional<std::string> recheck(const policy::PinnedBase& base);

private:
  std::optional<std::string> saved_copy(const policy::PinnedBase& base);
  std::string fetch(const policy::PinnedBase& base);
  hss::UrlFetcher& fetcher();

  std::optional<PolicyCache> m_cache;
  MakeFetcher m_make_fetcher;
  std::unique_ptr<hss::UrlFetcher> m_fetcher;
  SavedBases m_saved;
  std::optional<std::vector<hss::SavedPolicyBase>> m_saved_bases;
  Warn m_warn;
  std::vector<ReadBase> m_read;
};

} // namespace gate::remote
