#include "gate/policy/loader.hpp"

#include "gate/policy/document.hpp"
#include "gate/policy/finding_attributes.hpp"
#include "gate/policy/operators.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <cmath>

namespace gate::policy {

namespace {

Node duration_node(Duration duration) { return Node::text(units::format_duration(duration)); }

Node scan_table(const ScanSettings& scan) {
  Node table;
  if (scan.wait) table.set("wait", duration_node(scan.wait->value));
  if (scan.poll_interval) table.set("poll_interval", duration_node(scan.poll_interval->value));
  table.set("on_missing", Node::text(std::string(name_of(scan.on_missing.value))));
  table.set("on_pending", Node::text(std::string(name_of(scan.on_pending.value))));
  table.set("on_failed", Node::text(std::string(name_of(scan.on_failed.value))));
  if (scan.max_age) table.set("max_age", duration_node(scan.max_age->value));
  table.set("require_current", Node::flag(scan.require_current.value));
  return table;
}

Node bound_node(const FindingAttribute& attribute, double bound) {
  if (attribute.order == AttributeOrder::severity) return Node::text(show_bound(attribute, bound));
  // Casting a double outside the int64 range is undefined: only whole numbers within it become integers.
  constexpr double k_int64_end = 9223372036854775808.0; // 2^63
  if (std::trunc(bound) == bound && bound >= -k_int64_end && bound < k_int64_end) {
    return Node::number(static_cast<std::int64_t>(bound));
  }
  Node node;
  node.type = Node::Type::floating;
  node.floating = bound;
  return node;
}

void set_selector(Node& table, const FindingSelector& selector) {
  table.set("findings", Node::text(std::string(hss::name_of(selector.kind))));
  if (!selector.where.empty()) {
    Node& where = table.set("where", Node{});
    for (const auto& condition : selector.where) {
      std::string name(condition.attribute->name);
      if (!condition.ordered()) {
        where.set(name, Node::strings(condition.globs));
        continue;
      }
      Node& range = where.set(name, Node{});
      if (condition.min) range.set("min", bound_node(*condition.attribute, *condition.min));
      if (condition.max) range.set("max", bound_node(*condition.attribute, *condition.max));
      if (condition.skip_unknown) range.set("unknown", Node::text("skip"));
    }
  }
  table.set("max", Node::number(selector.max));
  if (selector.new_only) table.set("new_only", Node::flag(true));
}

Node rule_table(const Rule& rule) {
  Node table;
  if (rule.findings) {
    set_selector(table, *rule.findings);
  } else {
    table.set("field", Node::text(std::string(rule.field->name)));
  }
  for (const auto& condition : rule.conditions) {
    table.set(std::string(condition.op->name), condition.op->render(condition.operand, rule.field->kind));
  }
  table.set("level", Node::text(std::string(name_of(rule.level))));
  if (!rule.vex) table.set("vex", Node::flag(false));
  if (rule.fail_from) table.set("fail_from", Node::moment(*rule.fail_from));
  if (!rule.message.empty()) table.set("message", Node::text(rule.message));
  if (rule.when.branch || rule.when.environment) {
    Node& when = table.set("when", Node{});
    if (rule.when.branch) when.set("branch", Node::strings(*rule.when.branch));
    if (rule.when.environment) when.set("environment", Node::strings(*rule.when.environment));
  }
  return table;
}

Node exception_table(const Exception& exception) {
  Node table;
  table.set("rules", Node::strings(exception.rules));
  if (exception.cicd_name) table.set("cicd_name", Node::text(*exception.cicd_name));
  if (exception.namespace_name) table.set("namespace", Node::text(*exception.namespace_name));
  if (exception.image_name) table.set("image_name", Node::text(*exception.image_name));
  if (exception.image_version) table.set("image_version", Node::text(*exception.image_version));
  if (!exception.finding.empty()) {
    Node& finding = table.set("finding", Node{});
    for (const auto& part : exception.finding) finding.set(part.attribute, Node::strings(part.globs));
  }
  table.set("expires", Node::moment(exception.expires));
  table.set("reason", Node::text(exception.reason));
  if (!exception.owner.empty()) table.set("owner", Node::text(exception.owner));
  return table;
}

// A value of `policy show` as one phrase: "50", "1GiB", "[a, b]".
std::string node_text(const Node& node) {
  switch (node.type) {
  case Node::Type::string: return node.string;
  case Node::Type::integer: return std::to_string(node.integer);
  case Node::Type::floating: return fmt::format("{}", node.floating);
  case Node::Type::boolean: return node.boolean ? "true" : "false";
  case Node::Type::array: {
    std::vector<std::string> items;
    for (const auto& item : node.items) items.push_back(node_text(item));
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
  default: return write_toml(node);
  }
}

std::string rule_description(const Rule& rule) {
  if (rule.findings) {
    std::vector<std::string> conditions;
    Node table;
    set_selector(table, *rule.findings);
    if (const Node* where = table.find("where")) {
      for (const auto& member : where->members) {
        if (member.value.type != Node::Type::table) {
          conditions.push_back(fmt::format("{} {}", member.key, node_text(member.value)));
          continue;
        }
        for (const auto& bound : member.value.members) {
          conditions.push_back(fmt::format("{} {} {}", member.key, bound.key, node_text(bound.value)));
        }
      }
    }
    return fmt::format("at most {} {}{}{}{}", rule.findings->max, rule.findings->new_only ? "new " : "",
                       hss::name_of(rule.findings->kind),
                       conditions.empty() ? "" : " where ", fmt::join(conditions, ", "));
  }
  std::vector<std::string> conditions;
  for (const auto& condition : rule.conditions) {
    conditions.push_back(fmt::format("{} {}", condition.op->name,
                                     node_text(condition.op->render(condition.operand, rule.field->kind))));
  }
  return fmt::format("{} {}", rule.field->name, fmt::join(conditions, ", "));
}

} // namespace

std::vector<RuleInfo> rule_infos(const Policy& policy) {
  std::vector<RuleInfo> infos;
  infos.push_back({std::string(k_rule_scan_status), "HSS finished scanning the image successfully",
                   "Wait for the scan, or look at why it failed in the HSS console", Level::fail});
  if (policy.scan.max_age) {
    infos.push_back({std::string(k_rule_scan_age),
                     fmt::format("the last scan is at most {} old", units::format_duration(policy.scan.max_age->value)),
                     "Rescan the image in HSS, or rebuild and push it again", Level::fail});
  }
  if (policy.scan.require_current.value) {
    infos.push_back({std::string(k_rule_scan_current), "the tag did not change after its last scan",
                     "The tag changed after its last scan: rescan the image in HSS", Level::fail});
  }
  for (const auto& rule : policy.rules) infos.push_back({rule.id, rule_description(rule), rule.message, rule.level});
  return infos;
}

std::string describe_policy(const Policy& policy) {
  Node root;
  root.set("version", Node::number(1));
  root.set("scan", scan_table(policy.scan));
  root.set("findings", Node{}).set("include_handled", Node::flag(policy.findings.include_handled.value));
  root.set("vex", Node{}).set("allow", Node::flag(policy.vex.allow.value));
  if (!policy.rules.empty()) {
    Node& rules = root.set("rules", Node{});
    for (const auto& rule : policy.rules) rules.set(rule.id, rule_table(rule));
  }
  if (!policy.exceptions.empty()) {
    std::vector<Node> exceptions;
    for (const auto& exception : policy.exceptions) exceptions.push_back(exception_table(exception));
    root.set("exceptions", Node::list(std::move(exceptions)));
  }
  const auto& governance = policy.exceptions_policy;
  if (governance.max_days || governance.warn_days) {
    Node& table = root.set("exceptions_policy", Node{});
    if (governance.max_days) table.set("max_days", Node::number(governance.max_days->value));
    if (governance.warn_days) table.set("warn_days", Node::number(governance.warn_days->value));
  }
  return write_toml(root);
}

std::string describe_origins(const Policy& policy) {
  std::string out = fmt::format("# effective policy from: {}\n", fmt::join(policy.files, ", "));
  const ScanSettings& scan = policy.scan;
  auto setting = [&](std::string_view key, const std::string& origin) {
    out += fmt::format("# scan.{} set by {}\n", key, origin);
  };
  if (scan.wait) setting("wait", scan.wait->origin);
  if (scan.poll_interval) setting("poll_interval", scan.poll_interval->origin);
  setting("on_missing", scan.on_missing.origin);
  setting("on_pending", scan.on_pending.origin);
  setting("on_failed", scan.on_failed.origin);
  if (scan.max_age) setting("max_age", scan.max_age->origin);
  setting("require_current", scan.require_current.origin);
  out += fmt::format("# findings.include_handled set by {}\n", policy.findings.include_handled.origin);
  out += fmt::format("# vex.allow set by {}\n", policy.vex.allow.origin);
  for (const auto& rule : policy.rules) out += fmt::format("# rules.{} from {}\n", rule.id, rule.source.str());
  for (const auto& exception : policy.exceptions) out += fmt::format("# {}\n", exception.label());
  const auto& governance = policy.exceptions_policy;
  if (governance.max_days) out += fmt::format("# exceptions_policy.max_days set by {}\n", governance.max_days->origin);
  if (governance.warn_days) out += fmt::format("# exceptions_policy.warn_days set by {}\n", governance.warn_days->origin);
  return out;
}

} // namespace gate::policy
