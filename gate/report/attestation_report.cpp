#include "gate/report/json_support.hpp"
#include "gate/report/report.hpp"

#include "gate/hss/image_sources.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

// An in-toto Statement v1 of the verdict, for admission control: its subjects are the images the
// policy judged on a finished scan, each by its sha256 digest (a tag can move, a digest cannot),
// and its predicate is cosign's vulnerability scan record, whose free-form `scanner.result`
// carries the gate's verdict. Unsigned: signing is cosign's job (docs/ci.md).
namespace gate::report {

namespace {

using namespace gate::policy;
using json::Array;
using json::Object;
using json::Var;

constexpr std::string_view k_statement_type = "https://in-toto.io/Statement/v1";
constexpr std::string_view k_predicate_type = "https://cosign.sigstore.dev/attestation/vuln/v1";

// The 64 lowercase hex digits of a "sha256:HEX" digest; nullopt for anything else, which cannot
// name a subject.
std::optional<std::string> sha256_of(const std::optional<std::string>& digest) {
  if (!digest || !digest->starts_with("sha256:")) return std::nullopt;
  std::string hex = digest->substr(7);
  if (hex.size() != 64) return std::nullopt;
  for (char& c : hex) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return hex;
}

// Judged on a scan that finished: never an image let through by on_missing or on_pending, nor
// one whose findings could not be read.
bool attested(const ImageResult& image) {
  // Without HSS's scan time an admission check could not judge the scan's age.
  return image.evaluated() && hss::scan_state_of(image.record->scan_status) == hss::ScanState::success &&
         sha256_of(image.record->image_digest).has_value() && image.record->latest_scan_time.has_value();
}

Object::Ptr waiver_json(const std::string& rule, const Waiver& waiver, const FindingResult* finding) {
  Object::Ptr object = json::ordered();
  object->set("rule", clean_text(rule));
  if (finding) {
    object->set("kind", finding->kind);
    object->set("finding", clean_text(finding->id));
    object->set("key", clean_text(finding->key));
  }
  json::set_waiver_members(*object, waiver);
  return object;
}

// Every waiver that changed the image's verdict: exceptions on whole rules, then on findings.
Array::Ptr waivers_of(const ImageResult& image) {
  Array::Ptr waivers = new Array();
  for (const auto& result : image.results) {
    if (result.status == RuleStatus::excepted && result.waived_by == WaivedBy::rule && result.waiver) {
      waivers->add(waiver_json(result.rule, *result.waiver, nullptr));
    }
    for (const auto& finding : result.findings) {
      if (finding.waived && finding.waiver) waivers->add(waiver_json(result.rule, *finding.waiver, &finding));
    }
  }
  return waivers;
}

} // namespace

Rendered render_attestation(const Outcome& outcome, const ReportOptions& options) {
  Array::Ptr subjects = new Array();
  Array::Ptr images = new Array();
  std::set<std::pair<std::string, std::string>> listed;
  std::optional<std::int64_t> first_scan;
  std::optional<std::int64_t> last_scan;
  for (const auto& image : outcome.images) {
    if (!attested(image)) continue;
    const hss::Record& record = *image.record;
    std::string hex = *sha256_of(record.image_digest);
    std::string name = clean_text(image.image_path());
    // Two SPECs that matched one image make one subject.
    if (!listed.emplace(name, hex).second) continue;
    Object::Ptr digest = json::ordered();
    digest->set("sha256", hex);
    Object::Ptr subject = json::ordered();
    subject->set("name", name);
    subject->set("digest", digest);
    subjects->add(subject);

    Object::Ptr judged = json::ordered();
    judged->set("name", name);
    judged->set("version", clean_text(record.image_version.value_or("")));
    judged->set("digest", "sha256:" + hex);
    judged->set("source", std::string(hss::source_spec(record.source).name));
    judged->set("decision", std::string(name_of(image.decision)));
    std::optional<std::chrono::sys_seconds> scanned;
    if (record.latest_scan_time) scanned = units::time_from_epoch_ms(*record.latest_scan_time);
    judged->set("scan_time", scanned ? Var(units::format_date_time(*scanned)) : Var());
    judged->set("waivers", waivers_of(image));
    images->add(judged);
    if (scanned) {
      first_scan = std::min(first_scan.value_or(*record.latest_scan_time), *record.latest_scan_time);
      last_scan = std::max(last_scan.value_or(*record.latest_scan_time), *record.latest_scan_time);
    }
  }
  if (subjects->size() == 0) {
    return Rendered::skip("no image was judged on a finished scan with a sha256 digest, so there is nothing to attest");
  }

  Object::Ptr verdict = json::ordered();
  verdict->set("decision", std::string(name_of(outcome.decision)));
  verdict->set("exit_code", outcome.exit_code());
  verdict->set("policy_sha256", options.policy_sha256);
  verdict->set("policy_files", json::strings(outcome.policy_files));
  verdict->set("evaluated_at", outcome.started ? Var(units::format_date_time(*outcome.started)) : Var());
  verdict->set("images", images);
  Object::Ptr result = json::ordered();
  result->set("hss_gate", verdict);

  // HSS keeps no database version the gate could name: db stays empty, as the predicate allows.
  Object::Ptr database = json::ordered();
  database->set("uri", "");
  database->set("version", "");
  Object::Ptr scanner = json::ordered();
  scanner->set("uri", fmt::format("pkg:generic/hss-gate@{}", HSS_GATE_VERSION));
  scanner->set("version", HSS_GATE_VERSION);
  scanner->set("db", database);
  scanner->set("result", result);

  Object::Ptr invocation = json::ordered();
  invocation->set("parameters", Var());
  invocation->set("uri", "");
  invocation->set("event_id", "");
  invocation->set("builder.id", "");

  // HSS gives the time each scan finished; with several images the metadata spans them.
  Object::Ptr metadata = json::ordered();
  if (first_scan) {
    metadata->set("scanStartedOn", units::format_date_time(*units::time_from_epoch_ms(*first_scan)));
    metadata->set("scanFinishedOn", units::format_date_time(*units::time_from_epoch_ms(*last_scan)));
  }

  Object::Ptr predicate = json::ordered();
  predicate->set("invocation", invocation);
  predicate->set("scanner", scanner);
  predicate->set("metadata", metadata);

  Object::Ptr statement = json::ordered();
  statement->set("_type", std::string(k_statement_type));
  statement->set("subject", subjects);
  statement->set("predicateType", std::string(k_predicate_type));
  statement->set("predicate", predicate);
  return json::text(statement);
}

} // namespace gate::report
