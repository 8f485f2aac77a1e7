#include "gate/policy_bases.hpp"

#include "gate/error.hpp"
#include "gate/hss/bundle.hpp"
#include "gate/report/text.hpp"

#include <iostream>

namespace gate {

namespace {

std::optional<remote::PolicyCache> cache_in(const std::optional<std::string>& folder) {
  if (!folder) return std::nullopt;
  return remote::PolicyCache(*folder);
}

void warn(const std::string& message) { std::cerr << "hss-gate: warning: " << report::printable(message) << '\n'; }

} // namespace

remote::RemoteBases run_policy_bases(const config::Config& config, Clock& clock,
                                     std::shared_ptr<hss::RunRetryBudget> retry_budget) {
  remote::RemoteBases::SavedBases saved;
  if (config.from_file) {
    saved = [path = *config.from_file] {
      try {
        return hss::read_bundle_file(path).policy_bases;
      } catch (const ServiceError&) {
        // Unreadable the way an HSS answer can be: the replay says so, as it always has.
        return std::vector<hss::SavedPolicyBase>{};
      }
    };
  }
  auto make_fetcher = [client = config.client, &clock, retry_budget] {
    return hss::make_url_fetcher(client, clock, retry_budget);
  };
  return remote::RemoteBases(cache_in(config.policy_cache), make_fetcher, saved, warn);
}

remote::RemoteBases command_policy_bases(const config::Environment& environment, Clock& clock) {
  auto make_fetcher = [environment, &clock] {
    hss::ClientSettings client = config::policy_client_settings(environment);
    if (client.insecure) warn("HSS_GATE_INSECURE: TLS certificates are NOT verified");
    return hss::make_url_fetcher(client, clock);
  };
  return remote::RemoteBases(cache_in(config::policy_cache_folder(environment)), make_fetcher, {}, warn);
}

} // namespace gate
