#pragma once

#include "gate/hss/record.hpp"
#include "gate/policy/outcome.hpp"

#include <optional>
#include <string>

// GitHub code scanning's `security-severity` of a SARIF rule: a score from 0.0 to 10.0 that sets
// the alert's severity (9.0 and above critical, 7.0 high, 4.0 medium, above 0.0 low) and that
// "block on High or higher" rulesets compare. Whatever is not known scores as high: fail closed.
namespace gate::report {

// The score of anything whose severity is unknown: high, so that it still blocks a ruleset.
inline constexpr double k_unknown_security_severity = 8.0;

// A finding's score: the highest CVSS of its CVEs when they were read, else its severity on the
// ladder (critical 9.5, high 8.0, medium 5.5, low 3.0, info 0.0), else unknown.
double finding_security_severity(const policy::FindingResult& finding);

// The score of a record's severity_level (High 8.0, Medium 5.5, Low 3.0, Security 0.0); a missing
// record or level, or one outside HSS's enum, is unknown.
double record_security_severity(const std::optional<hss::Record>& record);

// A rule's score on an image: the highest of its findings; a rule that matched none (a field rule,
// or a findings rule with nothing found) or has no result there takes the record's.
double rule_security_severity(const policy::RuleResult* result, const std::optional<hss::Record>& record);

// The score as code scanning reads it, a string with one decimal: "8.0".
std::string format_security_severity(double score);

} // namespace gate::report
