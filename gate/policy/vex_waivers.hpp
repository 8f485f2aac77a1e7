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
  // The waiving statements of `documents` whose product is the image with this digest (any
  // digest, compared in lower case); none when the image has no digest.
  VexWaivers(const std::vector<vex::Document>& documents, const std::optional<std::string>& image_digest);

  bool empty() const { return m_statements.empty(); }

  // Whether VEX needs the CVEs of a vulnerability with this id to judge it: not when a statement
  // of any document names the id itself, since plan_findings then does not read them.
  bool reads_cves_of(const std::string& vulnerability_id) const { return m_named.count(vulnerability_id) == 0; }

  // The waiver of a finding of the rule's kind, when statements limited to its package (or to
  // none) name its vulnerability id, or together cover every CVE of it the rule counted (the
  // set a `cve_id` exception must cover). The documents used are added to `used`, by index.
  std::optional<Waiver> waive(const FindingSelector& selector, const FindingSubject& finding,
                              std::set<std::size_t>& used) const;

private:
  struct Applicable {
    std::size_t document = 0;
    const vex::Document* source = nullptr;
    const vex::Statement* statement = nullptr;
  };
  std::vector<Applicable> m_statements;
  std::set<std::string> m_named; // every id of every waiving statement of every document
};

// Every vulnerability id (and alias) that a waiving statement of the documents names.
std::set<std::string> vex_vulnerability_ids(const std::vector<vex::Document>& documents);

} // namespace gate::policy
