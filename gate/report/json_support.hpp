#pragma once

#include "gate/policy/outcome.hpp"
#include "gate/report/text.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>
#include <string>
#include <vector>

// Building JSON reports with Poco, for the renderers of this folder only: Poco stays here.
namespace gate::report::json {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// An object that keeps its members in the order they are set.
inline Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

inline Array::Ptr strings(const std::vector<std::string>& values) {
  Array::Ptr array = new Array();
  for (const auto& value : values) array->add(clean_text(value));
  return array;
}

// A waiver's members as every JSON report writes them: by, reason, owner, expires, source.
// A VEX waiver also says so (`by`), has no expiry (null) and names its statements (`vex`).
inline void set_waiver_members(Object& object, const policy::Waiver& waiver) {
  object.set("by", std::string(policy::name_of(waiver.kind)));
  object.set("reason", clean_text(waiver.reason));
  object.set("owner", clean_text(waiver.owner));
  object.set("expires", waiver.kind == policy::WaiverKind::vex ? Var() : Var(waiver.expires));
  object.set("source", clean_text(waiver.source));
  if (waiver.kind != policy::WaiverKind::vex) return;
  Object::Ptr vex = ordered();
  vex->set("document", clean_text(waiver.source));
  vex->set("format", clean_text(waiver.format));
  vex->set("status", clean_text(waiver.status));
  vex->set("justification", clean_text(waiver.reason));
  vex->set("author", clean_text(waiver.owner));
  vex->set("vulnerabilities", strings(waiver.vulnerabilities));
  object.set("vex", vex);
}

// Indented JSON text ending in a newline.
inline std::string text(const Object::Ptr& root, unsigned indent = 2) {
  std::ostringstream out;
  root->stringify(out, indent);
  out << '\n';
  return out.str();
}

} // namespace gate::report::json
