#pragma once

#include "gate/config/config.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/record.hpp"
#include "gate/hss/transport.hpp"

#include <optional>
#include <string>
#include <vector>

// The lookup stage's part for --compare-with and --compare-with-file: the image each gated image
// is compared with, read once and never waited for, with the lists the `new_only` rules count.
// Anything that keeps a comparison from being read makes it unavailable (fail closed: every
// finding counts as new, every increase is measured from 0), never a failed run.
namespace gate {
class Clock;

using Comparisons = std::vector<std::optional<hss::Comparison>>; // by image of the run; nullopt: none

// The versions --compare-with (or a SPEC's compare_with) names, read through `transport`: HSS
// online, or the replay of --from-file. `from` is how reports name where they were read.
// Throws Interrupted only.
Comparisons read_comparisons(hss::Transport& transport, const config::Config& config, const hss::FindingPlan& plan,
                             const hss::FindingOptions& options, Clock& clock, const std::string& from);

// The images of --compare-with-file with the same names as each gated image, whatever their
// version. Throws UsageError (exit 2) for a file that is not a bundle saved by --save-bundle, and
// for a bundle holding the image's own version; several candidates make it unavailable.
Comparisons read_compared_bundle(const config::Config& config, const hss::FindingPlan& plan,
                                 const hss::FindingOptions& options, Clock& clock);

// Exit 2 (UsageError) when an image found is the very image it is compared with (the same digest,
// whatever the case); a comparison whose names differ from the image's record (another image of
// the same cicd_name) becomes unavailable.
void check_comparisons(std::vector<hss::ImageLookup>& lookups, const config::Config& config);

} // namespace gate
