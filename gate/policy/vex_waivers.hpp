#pragma once

#include "gate/policy/finding_attributes.hpp"
#include "gate/policy/model.hpp"
#include "gate/policy/outcome.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

// What VEX statements waive of one image's findings. Internal to the policy stage: rule_checks.cpp
// asks it per finding, after the policy's own finding exceptions.
namespace gate::policy {

class VexWaivers {
public:
  // The statements of `documents` whose product is the image with this digest (any digest,
  // compared in lower case); none when the image has no digest. `now` bounds the statements'
  // times: one dated in the future replaces nothing.
  VexWaivers(const std::vector<vex::Document>& documents, const std::optional<std::string>& image_digest,
             TimePoint now);

  bool empty() const { return m_statements.empty(); }

  // Whether VEX needs the CVEs of a vulnerability with this id to judge it: not when a statement
  // of any document names the id itself, since plan_findings then does not read them.
  bool reads_cves_of(const std::string& vulnerability_id) const { return m_named.count(vulnerability_id) == 0; }

  // The waiver of a finding of the rule's kind, when statements limited to its package (or to
  // none) name its vulnerability id, or together cover every CVE of it the rule counted (the
  // set a `cve_id` exception must cover), and no statement that the finding is (or may be)
  // affected contradicts them: one about the same image, package and vulnerability (any id of
  // the finding or of the statements used), unless every statement used is later and dated.
  // The documents used are added to `used`, by index.
  std::optional<Waiver> waive(const FindingSelector& selector, const FindingSubject& finding,
                              std::set<std::size_t>& used) const;

private:
  struct Applicable {
    std::size_t document = 0;
    const vex::Document* source = nullptr;
    const vex::Statement* statement = nullptr;
  };
  std::vector<Applicable> m_statements;      // waiving statements about the image
  std::vector<Applicable> m_contradictions;  // statements that it is, or may be, affected
  std::set<std::string> m_named;
  TimePoint m_now;
};

// The vulnerability ids whose findings VEX judges without their CVEs: every id a waiving statement
// names, when no document holds a statement that contradicts (which may name a CVE); else none.
std::set<std::string> vex_vulnerability_ids(const std::vector<vex::Document>& documents);

} // namespace gate::policy
