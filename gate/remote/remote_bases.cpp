#include "gate/remote/remote_bases.hpp"

#include "gate/error.hpp"
#include "gate/hss/signer.hpp"
#include "gate/text/url.hpp"

#include <fmt/format.h>

namespace gate::remote {

std::string_view name_of(BaseSource source) {
  switch (source) {
  case BaseSource::bundle: return "bundle";
  case BaseSource::cache: return "cache";
  case BaseSource::network: return "network";
  }
  return "network";
}

namespace {

std::string shown(const policy::PinnedBase& base) { return text::masked_url(base.url, text::UrlPath::shown); }

} // namespace

RemoteBases::RemoteBases(std::optional<PolicyCache> cache, MakeFetcher make_fetcher, SavedBases saved, Warn warn)
  : m_cache(std::move(cache)), m_make_fetcher(std::move(make_fetcher)), m_saved(std::move(saved)),
    m_warn(std::move(warn)) {}

hss::UrlFetcher& RemoteBases::fetcher() {
  if (!m_fetcher) m_fetcher = m_make_fetcher();
  return *m_fetcher;
}

std::optional<std::string> RemoteBases::saved_copy(const policy::PinnedBase& base) {
  if (!m_saved) return std::nullopt;
  if (!m_saved_bases) m_saved_bases = m_saved();
  for (const auto& saved : *m_saved_bases) {
    if (saved.sha256 != base.sha256) continue;
    std::string actual = hss::sha256_hex(saved.content);
    if (actual != base.sha256) {
      throw UsageError(fmt::format("extends {}: the bundle's copy has SHA-256 {}, not the pinned {}: the bundle is "
                                   "damaged",
                                   shown(base), actual, base.sha256));
    }
    return saved.content;
  }
  return std::nullopt;
}

std::string RemoteBases::fetch(const policy::PinnedBase& base) {
  std::string content = fetcher().get(base.url, k_max_base_size);
  std::string actual = hss::sha256_hex(content);
  if (actual != base.sha256) {
    throw UsageError(fmt::format("extends {}: the file fetched has SHA-256 {}, but the policy pins {}: the file "
                                 "changed or the pin is wrong; review the file and pin its digest",
                                 shown(base), actual, base.sha256));
  }
  return content;
}

std::string RemoteBases::read(const policy::PinnedBase& base) {
  // Checked even when a copy is at hand: a URL the client would refuse is refused everywhere.
  try {
    hss::parse_fetch_url(base.url);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("extends {}", e.what()));
  }
  if (auto saved = saved_copy(base)) {
    m_read.push_back({base, BaseSource::bundle, *saved});
    return *saved;
  }
  std::optional<std::string> damage;
  if (m_cache) {
    auto found = m_cache->find(base.sha256);
    if (found.content) {
      m_read.push_back({base, BaseSource::cache, *found.content});
      return std::move(*found.content);
    }
    damage = found.damage;
  }
  std::string content;
  try {
    content = fetch(base);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    if (damage) {
      throw UsageError(fmt::format("extends {}: the cached copy {} {}, and the URL cannot be fetched to replace it: {}",
                                   shown(base), m_cache->entry(base.sha256), *damage, e.what()));
    }
    throw UsageError(fmt::format("extends {}: cannot fetch it: {}", shown(base), e.what()));
  }
  if (m_cache) {
    try {
      m_cache->store(base.sha256, content);
    } catch (const Error& e) {
      if (m_warn) m_warn(fmt::format("{}; the base is fetched again next time", e.what()));
    }
  }
  m_read.push_back({base, BaseSource::network, content});
  return content;
}

std::vector<hss::SavedPolicyBase> RemoteBases::saved_bases() const {
  std::vector<hss::SavedPolicyBase> saved;
  for (const auto& read : m_read) saved.push_back({shown(read.base), read.base.sha256, read.content});
  return saved;
}

std::optional<std::string> RemoteBases::recheck(const policy::PinnedBase& base) {
  try {
    fetch(base);
  } catch (const UsageError& e) {
    return e.what();
  } catch (const Error& e) {
    return fmt::format("cannot fetch it: {}", e.what());
  }
  return std::nullopt;
}

} // namespace gate::remote
