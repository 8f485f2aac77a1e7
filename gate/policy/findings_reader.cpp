#include "gate/policy/finding_attributes.hpp"
#include "gate/policy/reader.hpp"

#include <fmt/format.h>

#include <algorithm>

// The findings parts of a policy file: a findings rule's `findings`, `where` and `max`, and an
// exception's `finding` table.
namespace gate::policy {

namespace {

class SelectorReader {
public:
  SelectorReader(std::string file, std::vector<Diagnostic>& problems) : m_file(std::move(file)), m_problems(problems) {}

  void problem(const Node& node, std::string message) {
    m_problems.push_back({SourceRef{m_file, node.line, node.column}, std::move(message)});
  }
  void problem(int line, int column, std::string message) {
    m_problems.push_back({SourceRef{m_file, line, column}, std::move(message)});
  }

  std::optional<std::vector<std::string>> globs(const Node& node, const std::string& what) {
    std::string why;
    auto values = strings_of(node, why);
    if (!values) problem(node, fmt::format("{}: {}", what, why));
    return values;
  }

  // A severity glob list may not hold a plain word off the ladder: "hgih" would match only
  // findings of unknown severity, which is never what was meant.
  bool on_ladder(const FindingAttribute& attribute, const std::vector<std::string>& values, const Node& node,
                 const std::string& what) {
    if (attribute.order != AttributeOrder::severity) return true;
    auto word = off_ladder_word(values);
    if (!word) return true;
    problem(node, off_ladder_problem(what, *word));
    return false;
  }

  // A bound of an ordered attribute: a severity's name, or a number.
  std::optional<double> bound(const Node& node, const FindingAttribute& attribute, const std::string& what) {
    if (attribute.order == AttributeOrder::severity) {
      if (node.type == Node::Type::string) {
        if (auto rank = finding_severity_rank(node.string)) return *rank;
      }
      problem(node, fmt::format("{}: expected one of {}", what, fmt::join(finding_severities(), ", ")));
      return std::nullopt;
    }
    if (node.type == Node::Type::integer && node.integer >= 0) return static_cast<double>(node.integer);
    if (node.type == Node::Type::floating && node.floating >= 0 && std::isfinite(node.floating)) return node.floating;
    problem(node, fmt::format("{}: expected a number of at least 0, got {}", what, type_name(node)));
    return std::nullopt;
  }

  std::optional<FindingCondition> condition(const FindingAttribute& attribute, const Node& node, const std::string& what) {
    FindingCondition condition;
    condition.attribute = &attribute;
    if (node.type != Node::Type::table) {
      auto values = globs(node, what);
      if (!values || !on_ladder(attribute, *values, node, what)) return std::nullopt;
      condition.globs = *values;
      return condition;
    }
    if (attribute.order == AttributeOrder::none) {
      problem(node, fmt::format("{}: {} is not ordered, so it takes a glob or a list of globs, not min or max", what,
                                attribute.name));
      return std::nullopt;
    }
    bool ok = true;
    for (const auto& [name, line, column, value] : node.members) {
      std::string part = fmt::format("{}.{}", what, name);
      if (name == "min" || name == "max") {
        auto number = bound(value, attribute, part);
        ok = ok && number;
        (name == "min" ? condition.min : condition.max) = number;
      } else if (name == "unknown") {
        if (value.type == Node::Type::string && (value.string == "skip" || value.string == "match")) {
          condition.skip_unknown = value.string == "skip";
        } else {
          problem(value, fmt::format("{}: expected \"skip\" (a finding without the value does not match) or "
                                     "\"match\" (the default: it does)",
                                     part));
          ok = false;
        }
      } else {
        problem(line, column, fmt::format("{}: unknown key '{}': expected min, max or unknown", what, name));
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    if (!condition.min && !condition.max) {
      problem(node, fmt::format("{}: expected min, max or both", what));
      return std::nullopt;
    }
    if (condition.min && condition.max && *condition.min > *condition.max) {
      problem(node, fmt::format("{}: min is greater than max, so no finding can match", what));
      return std::nullopt;
    }
    return condition;
  }

  std::optional<FindingSelector> selector(const Node& table, const std::string& id) {
    std::size_t before = m_problems.size();
    const Node& kind_node = *table.find("findings");
    std::string what = fmt::format("rules.{}.findings", id);
    std::optional<hss::FindingKind> kind;
    if (kind_node.type == Node::Type::string) kind = hss::finding_kind_named(kind_node.string);
    if (!kind) {
      problem(kind_node, fmt::format("{}: expected one of {}", what, finding_kind_names()));
      return std::nullopt;
    }
    FindingSelector selector{*kind, {}, 0};
    if (const Node* where = table.find("where")) {
      if (where->type != Node::Type::table) {
        problem(*where, fmt::format("rules.{}.where: expected a table of conditions such as where.severity = "
                                    "{{ min = \"high\" }}, got {}",
                                    id, type_name(*where)));
      } else {
        for (const auto& [name, line, column, value] : where->members) {
          std::string part = fmt::format("rules.{}.where.{}", id, name);
          const FindingAttribute* attribute = find_attribute(*kind, name);
          if (!attribute) {
            problem(line, column, fmt::format("{}: {} have no attribute '{}': expected one of {}", part,
                                              hss::name_of(*kind), name, attribute_names(*kind)));
            continue;
          }
          if (auto parsed = condition(*attribute, value, part)) selector.where.push_back(std::move(*parsed));
        }
      }
    }
    if (const Node* max = table.find("max")) {
      if (max->type == Node::Type::integer && max->integer >= 0) {
        selector.max = max->integer;
      } else {
        problem(*max, fmt::format("rules.{}.max: expected a whole number of findings of at least 0, got {}", id,
                                  type_name(*max)));
      }
    }
    if (const Node* new_only = table.find("new_only")) {
      if (new_only->type != Node::Type::boolean) {
        problem(*new_only, fmt::format("rules.{}.new_only: expected true or false, got {}", id, type_name(*new_only)));
      } else if (new_only->boolean && kind->spec().identity.empty()) {
        problem(*new_only, fmt::format("rules.{}.new_only: {} have no identity that stays the same from one image "
                                       "version to the next, so none can be told new",
                                       id, hss::name_of(*kind)));
      } else {
        selector.new_only = new_only->boolean;
      }
    }
    // Conditions in the registry's order, whatever order the file wrote them in.
    auto order = attributes_of(*kind);
    auto rank = [&](const FindingCondition& c) { return std::find(order.begin(), order.end(), c.attribute) - order.begin(); };
    std::stable_sort(selector.where.begin(), selector.where.end(),
                     [&](const FindingCondition& a, const FindingCondition& b) { return rank(a) < rank(b); });
    if (m_problems.size() != before) return std::nullopt;
    return selector;
  }

  std::optional<std::vector<FindingPattern>> pattern(const Node& node) {
    if (node.type != Node::Type::table || node.members.empty()) {
      problem(node, fmt::format("exceptions.finding: expected a table of attribute globs such as {{ cve_id = "
                                "\"CVE-2024-3094\", app_name = \"xz*\" }}, got {}",
                                node.type == Node::Type::table ? "an empty table" : type_name(node)));
      return std::nullopt;
    }
    std::vector<FindingPattern> parts;
    bool ok = true;
    for (const auto& [name, line, column, value] : node.members) {
      auto values = globs(value, fmt::format("exceptions.finding.{}", name));
      if (values) {
        parts.push_back({name, *values});
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return parts;
  }

private:
  std::string m_file;
  std::vector<Diagnostic>& m_problems;
};

} // namespace

std::optional<FindingSelector> read_finding_selector(const Node& table, const std::string& id, const std::string& file,
                                                     std::vector<Diagnostic>& problems) {
  return SelectorReader(file, problems).selector(table, id);
}

std::optional<std::vector<FindingPattern>> read_finding_pattern(const Node& node, const std::string& file,
                                                                std::vector<Diagnostic>& problems) {
  return SelectorReader(file, problems).pattern(node);
}

void read_findings_settings(const Node& node, const std::string& file, Fragment& fragment,
                            std::vector<Diagnostic>& problems) {
  SelectorReader reader(file, problems);
  if (node.type != Node::Type::table) {
    reader.problem(node, fmt::format("findings: expected a table, got {}", type_name(node)));
    return;
  }
  for (const auto& [name, line, column, value] : node.members) {
    if (name != "include_handled") {
      reader.problem(line, column, fmt::format("unknown key '{}' in [findings]: expected include_handled", name));
    } else if (value.type != Node::Type::boolean) {
      reader.problem(value, fmt::format("findings.include_handled: expected true or false, got {}", type_name(value)));
    } else {
      fragment.policy.findings.include_handled = {value.boolean, file};
      fragment.findings_keys.emplace_back(name, SourceRef{file, line, column});
    }
  }
}

void read_vex_settings(const Node& node, const std::string& file, Fragment& fragment, std::vector<Diagnostic>& problems) {
  SelectorReader reader(file, problems);
  if (node.type != Node::Type::table) {
    reader.problem(node, fmt::format("vex: expected a table, got {}", type_name(node)));
    return;
  }
  for (const auto& [name, line, column, value] : node.members) {
    if (name != "allow") {
      reader.problem(line, column, fmt::format("unknown key '{}' in [vex]: expected allow", name));
    } else if (value.type != Node::Type::boolean) {
      reader.problem(value, fmt::format("vex.allow: expected true or false, got {}", type_name(value)));
    } else {
      fragment.policy.vex.allow = {value.boolean, file};
      fragment.vex_keys.emplace_back(name, SourceRef{file, line, column});
    }
  }
}

} // namespace gate::policy
