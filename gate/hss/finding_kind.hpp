#pragma once

#include <compare>
#include <optional>
#include <span>
#include <string_view>

// The kinds of per-image findings HSS lists. A kind is a handle on its spec (findings.hpp), one
// file per kind in hss/findings/; the registry lists them, so the policy model can name a kind
// without seeing the transport, and no switch anywhere names one.
namespace gate::hss {

struct FindingKindSpec;

// What a report may ask of any finding without knowing its kind's HSS members.
enum class FindingRole {
  none,
  package,             // the name of the package a finding is in, or that it is
  package_version,
  package_path,
  package_type,
  vulnerability_count, // how many vulnerabilities a package has
  cve_ids,
  description,
  solution,
  link,                // a URL about the finding
};

// What the dashboards take from a kind besides the rules' findings.
struct DashboardUse {
  bool vulnerabilities = false;  // GitLab's container scanning lists each finding
  bool components = false;       // the SBOM lists each finding as a component
  bool operating_system = false; // the first finding's id names the image's operating system
};

// A finding kind: compared by identity, ordered as the registry lists kinds.
class FindingKind {
public:
  explicit constexpr FindingKind(const FindingKindSpec& spec) : m_spec(&spec) {}
  const FindingKindSpec& spec() const { return *m_spec; }
  std::string_view name() const;
  bool operator==(const FindingKind& other) const { return m_spec == other.m_spec; }
  std::strong_ordering operator<=>(const FindingKind& other) const;

private:
  const FindingKindSpec* m_spec;
};

// Every kind, in the order policies and reports list them.
std::span<const FindingKind> finding_kinds();
std::string_view name_of(FindingKind kind);
std::optional<FindingKind> finding_kind_named(std::string_view name);
// What the dashboards take from the kind, from its spec.
const DashboardUse& dashboards_of(FindingKind kind);

} // namespace gate::hss
