#include "gate/report/report.hpp"

#include <algorithm>
#include <array>

namespace gate::report {

namespace {

// Which kinds a dashboard lists, as each kind's spec says.
bool gitlab_needs(const hss::DashboardUse& use) { return use.vulnerabilities || use.operating_system; }
bool sbom_needs(const hss::DashboardUse& use) { return use.components; }

const std::array<ReportFormat, 8> k_formats{{
    {"junit", "write a JUnit XML report",
     [](const policy::Outcome& o, const ReportOptions&) -> Rendered { return render_junit(o); }},
    {"json", "write a JSON report (docs/reports.md)",
     [](const policy::Outcome& o, const ReportOptions&) -> Rendered { return render_json(o); }},
    {"summary", "write a Markdown summary",
     [](const policy::Outcome& o, const ReportOptions&) -> Rendered { return render_markdown(o); }},
    {"dotenv", "write HSS_GATE_RESULT_DECISION=... for GitLab's dotenv reports",
     [](const policy::Outcome& o, const ReportOptions& r) -> Rendered { return render_dotenv(o, r); }},
    {"sarif", "write SARIF 2.1.0 for GitHub code scanning",
     [](const policy::Outcome& o, const ReportOptions& r) -> Rendered { return render_sarif(o, r); }},
    {"gitlab-report", "write GitLab's container scanning report (fetches the vulnerability list)",
     [](const policy::Outcome& o, const ReportOptions& r) -> Rendered { return render_gitlab(o, r); }, gitlab_needs,
     true},
    {"sbom", "write a CycloneDX 1.5 SBOM of the image's software (fetches the software list)", render_sbom,
     sbom_needs},
    {"attestation", "write an in-toto statement of the verdict for the images judged, by digest (cosign's vuln predicate)",
     render_attestation},
}};

} // namespace

std::span<const ReportFormat> report_formats() { return k_formats; }

ReportNeeds report_needs(const ReportPaths& paths) {
  ReportNeeds needs;
  for (const auto& format : k_formats) {
    if (!paths.count(format.name) || !format.needs) continue;
    for (auto kind : hss::finding_kinds()) {
      bool needed = format.needs(hss::dashboards_of(kind));
      if (needed && std::find(needs.kinds.begin(), needs.kinds.end(), kind) == needs.kinds.end()) needs.kinds.push_back(kind);
    }
    needs.cves = needs.cves || format.needs_cves;
  }
  std::sort(needs.kinds.begin(), needs.kinds.end());
  return needs;
}

} // namespace gate::report
