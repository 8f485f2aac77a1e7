#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

namespace gate::report {

namespace {

using namespace gate::policy;
using Poco::JSON::Array;
using Poco::JSON::Object;

Poco::Dynamic::Var json_value(const Value& value) {
  struct Visitor {
    Poco::Dynamic::Var operator()(std::monostate) const { return Poco::Dynamic::Var(); }
    Poco::Dynamic::Var operator()(std::int64_t number) const { return Poco::Int64(number); }
    Poco::Dynamic::Var operator()(bool flag) const { return flag; }
    Poco::Dynamic::Var operator()(const std::string& text) const { return clean_text(text); }
  };
  return std::visit(Visitor{}, value);
}

Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Array::Ptr strings(const std::vector<std::string>& values) {
  Array::Ptr array = new Array();
  for (const auto& value : values) array->add(clean_text(value));
  return array;
}

Object::Ptr result_json(const RuleResult& result) {
  Object::Ptr object = ordered();
  object->set("rule", result.rule);
  object->set("field", result.field);
  object->set("status", std::string(name_of(result.status)));
  object->set("actual", json_value(result.actual));
  object->set("limit", json_value(result.limit));
  object->set("operator", result.op.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(result.op));
  object->set("level", std::string(name_of(result.level)));
  object->set("message", clean_text(result.message));
  object->set("detail", clean_text(result.detail));
  if (result.waiver) {
    Object::Ptr waiver = ordered();
    waiver->set("reason", clean_text(result.waiver->reason));
    waiver->set("owner", clean_text(result.waiver->owner));
    waiver->set("expires", result.waiver->expires);
    waiver->set("source", result.waiver->source);
    object->set("exception", waiver);
  }
  return object;
}

Object::Ptr image_json(const ImageResult& image) {
  const hss::Record& r = image.record;
  Object::Ptr object = ordered();
  object->set("image_id", clean_text(r.image_id));
  object->set("cicd_name", clean_text(r.cicd_name));
  object->set("namespace", clean_text(r.namespace_name));
  object->set("image_name", clean_text(r.image_name));
  object->set("image_version", clean_text(r.image_version));
  object->set("image_digest", clean_text(r.image_digest));
  object->set("scan_status", image.found ? Poco::Dynamic::Var(clean_text(r.scan_status)) : Poco::Dynamic::Var("missing"));
  object->set("decision", std::string(name_of(image.decision)));
  Array::Ptr results = new Array();
  for (const auto& result : image.results) results->add(result_json(result));
  object->set("results", results);
  return object;
}

} // namespace

std::string render_json(const Outcome& outcome) {
  Object::Ptr root = ordered();
  root->set("decision", std::string(name_of(outcome.decision)));
  root->set("exit_code", outcome.exit_code);
  Array::Ptr images = new Array();
  for (const auto& image : outcome.images) images->add(image_json(image));
  root->set("images", images);
  root->set("warnings", strings(outcome.warnings));
  root->set("errors", strings(outcome.errors));
  root->set("policy_files", strings(outcome.policy_files));
  std::ostringstream out;
  root->stringify(out, 2);
  out << '\n';
  return out.str();
}

} // namespace gate::report
