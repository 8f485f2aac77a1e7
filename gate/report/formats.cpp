#include "gate/report/report.hpp"

#include <array>

namespace gate::report {

namespace {

const std::array<ReportFormat, 4> k_formats{{
    {"junit", "write a JUnit XML report", [](const policy::Outcome& o, const ReportOptions&) { return render_junit(o); }},
    {"json", "write a JSON report (docs/reports.md)",
     [](const policy::Outcome& o, const ReportOptions&) { return render_json(o); }},
    {"summary", "write a Markdown summary",
     [](const policy::Outcome& o, const ReportOptions&) { return render_markdown(o); }},
    {"dotenv", "write HSS_GATE_RESULT_DECISION=... for GitLab's dotenv reports", render_dotenv},
}};

} // namespace

std::span<const ReportFormat> report_formats() { return k_formats; }

} // namespace gate::report
