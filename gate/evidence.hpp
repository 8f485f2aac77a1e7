#pragma once

#include "gate/config/config.hpp"
#include "gate/hss/bundle.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/lookup.hpp"
#include "gate/hss/recording_transport.hpp"
#include "gate/hss/retry.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/model.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gate {
class Clock;

// The lookup stage of a run: what HSS answered (or a saved file holds) for the images, and the
// finding lists the rules and the reports need.
struct Evidence {
  std::vector<hss::ImageLookup> lookups;
  hss::RunFindings findings;
  bool replayed_bundle = false;
  std::vector<hss::Exchange> exchanges; // what the run read, recorded for --save-bundle
};

// The rules' plan plus the lists the requested reports need (every vulnerability's CVEs for
// GitLab's report); the reports' lists also go into the context's inventory.
hss::FindingPlan with_report_needs(const hss::FindingPlan& plan, const config::Config& config, policy::Context& context);

// Why an online run cannot read `kinds`: one of their APIs requires the region header and no
// region is known (neither --region nor an hss.REGION host). nullopt when it can, or offline.
std::optional<std::string> missing_region(const std::vector<hss::FindingKind>& kinds, const config::Config& config);

// Why a run cannot read `kinds` for one of its images: the API of one of them does not take the
// image's registry type (jfrog, for most). nullopt when every list can be asked for.
std::optional<std::string> refused_image_type(const std::vector<hss::FindingKind>& kinds, const config::Config& config);

// Looks the images up in HSS, waiting as the policy and the flags say, and reads the lists `fetch`
// names for every image whose scan succeeded; or replays --from-file through the same lookup and
// reading code, which must answer `plan` (the rules' needs): a list it lacks, or one it cannot
// answer to its end, is exit 2. Throws ServiceError, UsageError, Interrupted.
// `retry_budget` is the run's retry waiting, shared with the fetching of policy bases. `compared`
// names the lists read of the images compared with (--compare-with, --compare-with-file), which
// are read alongside, never waited for, and set on each lookup.
Evidence gather_evidence(const config::Config& config, const policy::Policy& effective, const hss::FindingPlan& plan,
                         const hss::FindingPlan& fetch, const hss::FindingPlan& compared, Clock& clock,
                         const hss::Progress& say, std::shared_ptr<hss::RunRetryBudget> retry_budget = nullptr);

// Writes everything the run read as a bundle for --from-file, with the policy bases read by URL.
void save_bundle(const Evidence& evidence, const std::string& path,
                 const std::vector<hss::SavedPolicyBase>& policy_bases = {});

} // namespace gate
