#include "gate/report/report.hpp"
#include "gate/report/json_support.hpp"
#include "gate/report/text.hpp"

#include "gate/hss/image_sources.hpp"

#include "gate/units/units.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

namespace gate::report {

namespace {

using namespace gate::policy;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// The shape documented in docs/reports.md; raise it when a consumer could misread a change.
constexpr int k_schema_version = 1;

Var json_value(const Value& value) {
  struct Visitor {
    Var operator()(std::monostate) const { return Var(); }
    Var operator()(std::int64_t number) const { return Poco::Int64(number); }
    Var operator()(bool flag) const { return flag; }
    Var operator()(const std::string& text) const { return clean_text(text); }
  };
  return std::visit(Visitor{}, value);
}

Var optional_text(const std::optional<std::string>& text) { return text ? Var(clean_text(*text)) : Var(); }

Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Array::Ptr strings(const std::vector<std::string>& values) {
  Array::Ptr array = new Array();
  for (const auto& value : values) array->add(clean_text(value));
  return array;
}

Object::Ptr waiver_json(const Waiver& waiver) {
  Object::Ptr object = ordered();
  json::set_waiver_members(*object, waiver);
  return object;
}

Object::Ptr finding_json(const FindingResult& finding) {
  Object::Ptr object = ordered();
  object->set("kind", finding.kind);
  object->set("id", clean_text(finding.id));
  object->set("key", clean_text(finding.key));
  object->set("severity", finding.severity.empty() ? Var() : Var(finding.severity));
  object->set("waived", finding.waived);
  object->set("waiver", finding.waiver ? Var(waiver_json(*finding.waiver)) : Var());
  object->set("unknown", finding.unknown);
  if (finding.is_new) object->set("new", *finding.is_new);
  Object::Ptr attributes = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& attribute : finding.attributes) {
    if (attribute.list) {
      Array::Ptr values = new Array();
      for (const auto& value : attribute.values) values->add(clean_text(value));
      attributes->set(attribute.name, values);
    } else {
      attributes->set(attribute.name, attribute.values.empty() ? Var() : Var(clean_text(attribute.values.front())));
    }
  }
  object->set("attributes", attributes);
  return object;
}

Object::Ptr result_json(const RuleResult& result) {
  Object::Ptr object = ordered();
  object->set("rule", result.rule);
  object->set("field", result.field);
  object->set("status", std::string(name_of(result.status)));
  object->set("actual", json_value(result.actual));
  object->set("limit", json_value(result.limit));
  object->set("operator", result.op.empty() ? Var() : Var(result.op));
  object->set("level", std::string(name_of(result.level)));
  object->set("message", clean_text(result.message));
  object->set("detail", clean_text(result.detail));
  object->set("waived_by", std::string(name_of(result.waived_by)));
  if (result.waiver) object->set("exception", waiver_json(*result.waiver));
  if (!result.hint.empty()) object->set("hint", strings(result.hint));
  if (result.findings_kind) {
    Array::Ptr findings = new Array();
    for (const auto& finding : result.findings) findings->add(finding_json(finding));
    object->set("findings", findings);
  }
  return object;
}

Object::Ptr query_json(const hss::Query& query) {
  Object::Ptr object = ordered();
  object->set("cicd_name", clean_text(query.cicd_name));
  object->set("image_version", clean_text(query.image_version));
  object->set("image_name", optional_text(query.image_name));
  object->set("namespace", optional_text(query.namespace_name));
  object->set("image_digest", optional_text(query.image_digest));
  object->set("source", std::string(hss::source_spec(query.source).name));
  object->set("image_type", optional_text(query.image_type));
  object->set("instance_id", optional_text(query.instance_id));
  return object;
}

// The image compared with: its names (the query's members), its digest when found, and whether
// it could be compared with, or why not.
Object::Ptr compared_with_json(const ComparedWith& compared) {
  Object::Ptr object = ordered();
  object->set("names", query_json(compared.query));
  object->set("from", clean_text(compared.from));
  object->set("image_digest", optional_text(compared.image_digest));
  object->set("available", !compared.unavailable.has_value());
  object->set("reason", optional_text(compared.unavailable));
  return object;
}

std::string scan_status_of(const ImageResult& image) {
  if (image.record) return clean_text(image.record->scan_status);
  return image.decision == Decision::error ? "unknown" : "missing";
}

Object::Ptr image_json(const ImageResult& image) {
  Object::Ptr object = ordered();
  object->set("query", query_json(image.query));
  const hss::Record* r = image.record ? &*image.record : nullptr;
  // Found: the record's names; not found: the query's, so that every image names itself.
  object->set("image_id", r ? Var(clean_text(r->image_id)) : Var());
  object->set("cicd_name", r ? optional_text(r->cicd_name) : Var(clean_text(image.query.cicd_name)));
  object->set("namespace", r ? optional_text(r->namespace_name) : optional_text(image.query.namespace_name));
  object->set("image_name", r ? optional_text(r->image_name) : optional_text(image.query.image_name));
  object->set("image_version", r ? optional_text(r->image_version) : Var(clean_text(image.query.image_version)));
  object->set("image_digest", r ? optional_text(r->image_digest) : optional_text(image.query.image_digest));
  object->set("found", r != nullptr);
  object->set("scan_status", scan_status_of(image));
  object->set("decision", std::string(name_of(image.decision)));
  Array::Ptr results = new Array();
  for (const auto& result : image.results) results->add(result_json(result));
  object->set("results", results);
  object->set("errors", strings(image.errors));
  if (!image.triggers.empty()) {
    Array::Ptr triggers = new Array();
    for (const auto& trigger : image.triggers) {
      Object::Ptr item = ordered();
      item->set("operation", trigger.operation);
      item->set("asked", clean_text(trigger.asked));
      item->set("at", trigger.at);
      triggers->add(item);
    }
    object->set("triggers", triggers);
  }
  if (image.compared_with) object->set("compared_with", compared_with_json(*image.compared_with));
  return object;
}

} // namespace

std::string render_json(const Outcome& outcome) {
  Object::Ptr root = ordered();
  root->set("schema_version", k_schema_version);
  root->set("decision", std::string(name_of(outcome.decision)));
  root->set("exit_code", outcome.exit_code());
  root->set("error_ignored", outcome.error_ignored);
  root->set("clock_pinned", outcome.clock_pinned ? Var(units::format_date_time(*outcome.clock_pinned)) : Var());
  Array::Ptr images = new Array();
  for (const auto& image : outcome.images) images->add(image_json(image));
  root->set("images", images);
  root->set("warnings", strings(outcome.warnings));
  root->set("errors", strings(outcome.errors()));
  root->set("policy_files", strings(outcome.policy_files));
  std::ostringstream out;
  root->stringify(out, 2);
  out << '\n';
  return out.str();
}

} // namespace gate::report
