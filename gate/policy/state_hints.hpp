#pragma once

#include "gate/hss/record.hpp"

#include <optional>
#include <string>
#include <vector>

// What to check when HSS has no verdict on an image: the likely causes of each outcome of the
// lookup that is not a finished scan, with the values this run asked with, for comparison with
// the HSS console. A hint never suggests waiving scan-status: a waiver would pass an image that
// was never judged.
namespace gate::policy {

// The lookup outcomes that leave no verdict, each with its own hint.
enum class NoVerdict {
  missing,      // no record matches the query
  pending,      // the record's scan is not finished
  stale_digest, // the tag holds another digest: the new push is not scanned yet
  failed,       // the scan ended without a result
};

// The hint for one image, one line per cause: the lead line first, then each cause, as the
// image's source has them. For a failed scan, `scan_failed_code` adds what its class of failure
// asks for, where the source has such advice.
std::vector<std::string> no_verdict_hint(NoVerdict outcome, const hss::Query& query, const hss::LookupScope& scope,
                                         double waited_seconds, const std::optional<std::string>& scan_failed_code = {});

} // namespace gate::policy
