#pragma once

#include "gate/hss/findings.hpp"
#include "gate/policy/model.hpp"
#include "gate/policy/operators.hpp"
#include "gate/policy/outcome.hpp"
#include "gate/policy/vex_waivers.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

// How one rule judges one image: a field rule its record, a findings rule its findings.
// Internal to the policy stage: evaluate.cpp is the user.
namespace gate::policy {

// True when the exception names the rule (or "*") and its image globs match the image: the
// record's names, or the query's when nothing was found. Expiry is the caller's to check.
bool exception_covers(const Exception& exception, const std::string& rule, const ImageResult& image);

// True when the exception's image globs match the image, whatever rule it names.
bool exception_scopes_image(const Exception& exception, const ImageResult& image);

// What a result records of the exception that waived it: the one builder of a Waiver.
Waiver waiver_record(const Exception& exception);

// The members of an [[exceptions]] entry that waives the failing result on exactly this image
// (and, for a findings rule, exactly its first finding not waived), one TOML line each, without
// `expires` and `reason`. Every name is a literal glob written by the TOML writer, so a quote,
// `*`, `]` or newline in it can neither break the entry nor widen it.
std::vector<std::string> exception_hint(const ImageResult& image, const RuleResult& result);

// "2026-01-02T03:04:05Z" for a time stamp in ms since the epoch; the number when out of range.
std::string time_text(std::int64_t ms);

// A rule's first violated condition, or its first condition when none is violated.
struct Check {
  bool violated = false;
  bool judged = true; // false: the evidence is incomplete and does not already violate the rule
  Value actual;
  Value limit;
  std::string op;
  std::string detail;
  std::optional<Waiver> waived_by; // passes only because finding exceptions waived some findings
  WaivedBy waived_how = WaivedBy::none; // then: findings (exceptions, or exceptions and VEX) or vex (VEX alone)
};

// Checks a field rule against the record; a missing value violates it.
Check check_rule(const Rule& rule, const hss::Record& record, const CheckInput& input);

struct FindingsVerdict {
  bool violated = false;
  bool complete = true;      // false: a list needed was not read to the end
  std::int64_t actual = 0;   // matches not waived
  std::int64_t waived = 0;
  std::int64_t waived_by_vex = 0; // of `waived`: by VEX statements, not exceptions
  std::string detail;
  std::vector<FindingResult> findings;
  std::optional<Waiver> waiver; // the first finding waiver used
  std::string hint;             // a ready `finding = {...}` for the first finding not waived
  std::size_t hint_twins = 0;   // findings of the image it waives too: no attribute tells them apart
  std::vector<std::string> errors;
};

// Judges a findings rule on an image whose scan succeeded, with the policy's unexpired finding
// exceptions that cover it, then the VEX statements about it. The indices of exceptions it uses
// are added to `used`, of VEX documents to `vex_used`.
// `comparison`: the image compared with, nullptr when there is none; `vex`: nullptr when VEX may
// not waive the rule's findings.
FindingsVerdict check_findings(const Rule& rule, const ImageResult& image, const Policy& policy, TimePoint now,
                               const hss::RunFindings& findings, const hss::Comparison* comparison,
                               std::set<std::size_t>& used, const VexWaivers* vex, std::set<std::size_t>& vex_used);

// True when VEX statements may waive the rule's findings: the policy allows VEX, the rule does
// not refuse it, and its kind is one VEX statements name.
bool vex_may_waive(const Policy& policy, const Rule& rule);

// Whether a finding is absent from the image compared with: nullopt when nothing is compared,
// true when the comparison cannot tell (unavailable, its list unread, an identity member missing).
std::optional<bool> finding_is_new(hss::FindingKind kind, const hss::FindingRecord& finding,
                                   const hss::Comparison* comparison);

// The lists of `kinds` that reports need, as read for one image.
Inventory take_inventory(const hss::Record& image, const hss::RunFindings& findings,
                         const std::vector<hss::FindingKind>& kinds, const hss::Comparison* comparison);

} // namespace gate::policy
