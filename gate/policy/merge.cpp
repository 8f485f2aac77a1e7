#include "gate/policy/loader.hpp"

#include "gate/error.hpp"
#include "gate/policy/finding_attributes.hpp"
#include "gate/policy/operators.hpp"
#include "gate/policy/reader.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace gate::policy {

namespace fs = std::filesystem;

std::string Diagnostic::str() const { return fmt::format("{}: {}", where.str(), message); }

namespace {

bool covers(const std::optional<std::vector<std::string>>& broad, const std::optional<std::vector<std::string>>& narrow) {
  if (!broad) return true;
  if (!narrow) return false;
  return std::all_of(narrow->begin(), narrow->end(), [&](const std::string& value) {
    return std::find(broad->begin(), broad->end(), value) != broad->end();
  });
}

// "field vul_num" or "findings vulnerabilities", for messages.
std::string tested(const Rule& rule) {
  if (rule.findings) return fmt::format("findings {}", hss::name_of(rule.findings->kind));
  return fmt::format("field {}", rule.field->name);
}

// True when `next` matches every value `base` matches.
bool widens(const FindingCondition& base, const FindingCondition& next) {
  if (base.ordered() != next.ordered()) return false;
  if (!base.ordered()) {
    // Every inherited glob kept, or a bare "*" that matches any value the finding has.
    bool any = std::find(next.globs.begin(), next.globs.end(), "*") != next.globs.end();
    return any || std::all_of(base.globs.begin(), base.globs.end(), [&](const std::string& glob) {
      return std::find(next.globs.begin(), next.globs.end(), glob) != next.globs.end();
    });
  }
  bool low = !next.min || (base.min && *next.min <= *base.min);
  bool high = !next.max || (base.max && *next.max >= *base.max);
  return low && high && (base.skip_unknown || !next.skip_unknown);
}

// How an overriding findings rule would match fewer findings, or allow more, than its base.
std::vector<std::string> selector_loosenings(const FindingSelector& base, const FindingSelector& next) {
  std::vector<std::string> found;
  if (base.kind != next.kind) {
    found.push_back(fmt::format("changes findings from {} to {}", hss::name_of(base.kind), hss::name_of(next.kind)));
    return found;
  }
  if (next.max > base.max) found.push_back(fmt::format("raises 'max' from {} to {}", base.max, next.max));
  if (next.new_only && !base.new_only) found.push_back("adds new_only = true (counting fewer findings)");
  for (const auto& condition : next.where) {
    std::string_view name = condition.attribute->name;
    const FindingCondition* inherited = base.condition(name);
    if (!inherited) {
      found.push_back(fmt::format("adds the condition where.{}", name));
    } else if (inherited->ordered() && !inherited->skip_unknown && condition.skip_unknown) {
      found.push_back(fmt::format("adds unknown = \"skip\" to where.{}", name));
    } else if (!widens(*inherited, condition)) {
      found.push_back(fmt::format("narrows where.{}", name));
    }
  }
  return found;
}

// Lists how `next` loosens `base`; empty when it is at least as strict.
std::vector<std::string> loosenings(const Rule& base, const Rule& next) {
  std::vector<std::string> found;
  if (base.findings || next.findings) {
    if (!base.findings || !next.findings) {
      found.push_back(fmt::format("changes what it tests from {} to {}", tested(base), tested(next)));
      return found;
    }
    found = selector_loosenings(*base.findings, *next.findings);
    if (!found.empty() && found.front().starts_with("changes")) return found;
  } else if (next.field != base.field) {
    found.push_back(fmt::format("changes field from {} to {}", base.field->name, next.field->name));
    return found;
  }
  for (const auto& condition : base.conditions) {
    const Condition* override = next.condition(condition.op->name);
    if (!override || !condition.op->tightens(condition.operand, override->operand)) {
      found.emplace_back(condition.op->loosening);
    }
  }
  if (base.level == Level::fail && next.level == Level::warn) found.push_back("lowers level from fail to warn");
  if (!base.vex && next.vex) found.push_back("drops vex = false (letting VEX statements waive its findings)");
  if (base.level == Level::warn && next.level == Level::warn && base.fail_from &&
      (!next.fail_from || *next.fail_from > *base.fail_from)) {
    found.push_back("postpones or drops 'fail_from'");
  }
  // The override must apply wherever the inherited rule applied.
  if (!covers(next.when.branch, base.when.branch) || !covers(next.when.environment, base.when.environment)) {
    found.push_back("narrows 'when'");
  }
  return found;
}

class Merger {
public:
  Merger(TimePoint now, std::vector<Diagnostic>& problems, BaseReader* bases = nullptr)
    : m_now(now), m_problems(problems), m_bases(bases) {}

  void load(const std::string& file, const std::optional<SourceRef>& from) {
    std::error_code error;
    fs::path canonical = fs::weakly_canonical(file, error);
    std::string key = error ? file : canonical.string();
    SourceRef where = from.value_or(SourceRef{file});
    if (std::find(m_stack.begin(), m_stack.end(), key) != m_stack.end()) {
      m_problems.push_back(
          {where, fmt::format("'extends' cycle: {} extends itself through {}", file, fmt::join(m_stack, " -> "))});
      return;
    }
    if (m_loaded.count(key)) return; // reached twice through different parents: merge it once
    m_loaded.insert(key);

    // Only regular files of a sane size: `extends` must not point the gate at a device or a FIFO.
    constexpr std::uintmax_t k_max_policy_size = 1 << 20;
    std::error_code status_error;
    if (fs::exists(file, status_error) && !fs::is_regular_file(file, status_error)) {
      m_problems.push_back({where, fmt::format("policy file {} is not a regular file", file)});
      return;
    }
    if (fs::is_regular_file(file, status_error) && fs::file_size(file, status_error) > k_max_policy_size) {
      m_problems.push_back({where, fmt::format("policy file {} is larger than 1 MiB", file)});
      return;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      m_problems.push_back({where, fmt::format("cannot read policy file {}: {}", file, std::strerror(errno))});
      return;
    }
    std::stringstream text;
    text << in.rdbuf();
    m_policy.local_files.push_back(file);
    load_text(text.str(), file, key);
  }

  // A base named by URL is known by its digest: the same bytes reached by two URLs merge once.
  void load_pinned(const PinnedBase& base, const SourceRef& from) {
    std::string key = "sha256:" + base.sha256;
    std::string name = base.name();
    if (std::find(m_stack.begin(), m_stack.end(), key) != m_stack.end()) {
      m_problems.push_back(
          {from, fmt::format("'extends' cycle: {} extends itself through {}", name, fmt::join(m_stack, " -> "))});
      return;
    }
    if (m_loaded.count(key)) return;
    m_loaded.insert(key);
    if (!m_bases) {
      m_problems.push_back({from, fmt::format("extends {}: a base named by URL cannot be read here", name)});
      return;
    }
    std::string text;
    try {
      text = m_bases->read(base);
    } catch (const Error& e) {
      m_problems.push_back({from, e.what()});
      return;
    }
    m_policy.url_bases.push_back(base);
    load_text(text, name, key, FileOrigin::url);
  }

  void load_text(const std::string& text, const std::string& file, const std::string& key,
                 FileOrigin origin = FileOrigin::disk) {
    Node root;
    try {
      root = parse_toml(text, file);
    } catch (const TomlSyntaxError& e) {
      m_problems.push_back({SourceRef{file, e.line, e.column}, e.message});
      return;
    }
    Fragment fragment = read_fragment(root, file, m_problems, origin);
    m_stack.push_back(key);
    for (const auto& base : fragment.extends) {
      if (base.pinned) {
        load_pinned(*base.pinned, base.source);
      } else {
        load(base.path, base.source);
      }
    }
    m_stack.pop_back();
    merge(fragment, file);
  }

  Policy finish() {
    check_exceptions();
    return std::move(m_policy);
  }

private:
  // "base.toml" for a setting a file wrote, "the built-in default, as inherited by base.toml"
  // for one nobody wrote: a loosening message names both files.
  std::string origin_text(const std::string& origin) const {
    if (origin != k_built_in) return origin;
    return fmt::format("the built-in default, as inherited by {}", m_policy.files.front());
  }

  void loosened(const SourceRef& where, const std::string& setting, const std::string& from, const std::string& to,
                const std::string& origin) {
    m_problems.push_back({where, fmt::format("{} = {} in {} loosens {} ({}): an extending policy may only tighten "
                                             "what it inherits",
                                             setting, to, where.file, from, origin_text(origin))});
  }

  void merge(Fragment& fragment, const std::string& file) {
    bool inherited = !m_policy.files.empty();
    m_policy.files.push_back(file);
    merge_scan(fragment, inherited);
    merge_exceptions_policy(fragment, inherited);
    merge_findings_settings(fragment, inherited);
    merge_vex_settings(fragment, inherited);
    for (auto& rule : fragment.policy.rules) {
      auto existing = std::find_if(m_policy.rules.begin(), m_policy.rules.end(),
                                   [&](const Rule& r) { return r.id == rule.id; });
      if (existing == m_policy.rules.end()) {
        m_policy.rules.push_back(rule);
        continue;
      }
      auto looser = loosenings(*existing, rule);
      if (!looser.empty()) {
        m_problems.push_back({rule.source, fmt::format("rule '{}' {} as inherited from {}: an extending policy may "
                                                       "only tighten a rule; waive it with an [[exceptions]] entry "
                                                       "instead",
                                                       rule.id, fmt::join(looser, ", "), existing->source.str())});
        continue;
      }
      *existing = rule;
    }
    m_policy.exceptions.insert(m_policy.exceptions.end(), fragment.policy.exceptions.begin(),
                               fragment.policy.exceptions.end());
  }

  void merge_scan(Fragment& fragment, bool inherited) {
    ScanSettings& ours = m_policy.scan;
    const ScanSettings& theirs = fragment.policy.scan;
    for (const auto& entry : fragment.scan_keys) {
      const std::string& key = entry.first;
      const SourceRef& where = entry.second;
      std::string setting = "scan." + key;
      if (key == "wait") {
        ours.wait = theirs.wait;
      } else if (key == "poll_interval") {
        ours.poll_interval = theirs.poll_interval;
      } else if (key == "on_missing" || key == "on_pending" || key == "on_failed") {
        auto pick = [&](auto& scan) -> auto& {
          return key == "on_missing" ? scan.on_missing : key == "on_pending" ? scan.on_pending : scan.on_failed;
        };
        auto& mine = pick(ours);
        const auto& next = pick(theirs);
        // Defaults count as much as written values: a base that says nothing still fails closed.
        if (inherited && next.value < mine.value) {
          loosened(where, setting, fmt::format("\"{}\"", name_of(mine.value)),
                   fmt::format("\"{}\"", name_of(next.value)), mine.origin);
        } else {
          mine = next;
        }
      } else if (key == "max_age") {
        if (inherited && ours.max_age && theirs.max_age->value > ours.max_age->value) {
          loosened(where, setting, fmt::format("\"{}\"", units::format_duration(ours.max_age->value)),
                   fmt::format("\"{}\"", units::format_duration(theirs.max_age->value)), ours.max_age->origin);
        } else {
          ours.max_age = theirs.max_age;
        }
      } else if (key == "require_current") {
        if (inherited && ours.require_current.value && !theirs.require_current.value) {
          loosened(where, setting, "true", "false", ours.require_current.origin);
        } else {
          ours.require_current = theirs.require_current;
        }
      }
    }
  }

  void merge_exceptions_policy(Fragment& fragment, bool inherited) {
    auto& ours = m_policy.exceptions_policy;
    const auto& theirs = fragment.policy.exceptions_policy;
    for (auto& [key, where] : fragment.exception_policy_keys) {
      std::string setting = "exceptions_policy." + key;
      if (key == "max_days") {
        // Fewer days is stricter; a base without max_days allows any.
        if (inherited && ours.max_days && theirs.max_days->value > ours.max_days->value) {
          loosened(where, setting, std::to_string(ours.max_days->value), std::to_string(theirs.max_days->value),
                   ours.max_days->origin);
        } else {
          ours.max_days = theirs.max_days;
        }
      } else {
        ours.warn_days = theirs.warn_days; // a notice period, not a limit: any file may set it
      }
    }
  }

  void merge_findings_settings(Fragment& fragment, bool inherited) {
    auto& ours = m_policy.findings.include_handled;
    const auto& theirs = fragment.policy.findings.include_handled;
    for (auto& [key, where] : fragment.findings_keys) {
      if (inherited && ours.value && !theirs.value) {
        loosened(where, "findings." + key, "true", "false", ours.origin);
      } else {
        ours = theirs;
      }
    }
  }

  // A base that refuses VEX keeps it refused; one that says nothing lets a file allow it.
  void merge_vex_settings(Fragment& fragment, bool inherited) {
    auto& ours = m_policy.vex.allow;
    const auto& theirs = fragment.policy.vex.allow;
    for (auto& [key, where] : fragment.vex_keys) {
      if (inherited && ours.origin != k_built_in && !ours.value && theirs.value) {
        loosened(where, "vex." + key, "false", "true", ours.origin);
      } else {
        ours = theirs;
      }
    }
  }

  // `finding` narrows an exception to some findings of findings rules: it means nothing for a
  // field rule, and an attribute that the rule's kind lacks would silently waive nothing.
  void check_finding_pattern(const Exception& exception) {
    std::vector<const Rule*> named;
    for (const auto& id : exception.rules) {
      for (const auto& rule : m_policy.rules) {
        if (id == "*" ? rule.findings.has_value() : rule.id == id) named.push_back(&rule);
      }
      if (id != "*" && is_built_in_rule(id)) {
        m_problems.push_back({exception.finding_source, fmt::format("exception has 'finding', but '{}' is a built-in "
                                                                    "rule, not a findings rule", id)});
      }
    }
    if (named.empty()) {
      m_problems.push_back({exception.finding_source, "exception has 'finding', but names no findings rule"});
    }
    for (const Rule* rule : named) {
      if (!rule->findings) {
        m_problems.push_back({exception.finding_source,
                              fmt::format("exception has 'finding', but rule '{}' tests field {}: 'finding' applies "
                                          "only to findings rules",
                                          rule->id, rule->field->name)});
        continue;
      }
      hss::FindingKind kind = rule->findings->kind;
      for (const auto& part : exception.finding) {
        if (const FindingAttribute* attribute = find_attribute(kind, part.attribute)) {
          auto word = attribute->order == AttributeOrder::severity ? off_ladder_word(part.globs) : std::nullopt;
          if (word) {
            m_problems.push_back({exception.finding_source,
                                  off_ladder_problem(fmt::format("exceptions.finding.{} (rule '{}')", part.attribute,
                                                                 rule->id),
                                                     *word)});
          }
          continue;
        }
        m_problems.push_back({exception.finding_source,
                              fmt::format("exceptions.finding.{}: rule '{}' counts {}, which have no attribute '{}': "
                                          "expected one of {}",
                                          part.attribute, rule->id, hss::name_of(kind), part.attribute,
                                          attribute_names(kind))});
      }
    }
  }

  void check_exceptions() {
    for (const auto& exception : m_policy.exceptions) {
      if (!exception.finding.empty()) check_finding_pattern(exception);
      for (const auto& id : exception.rules) {
        bool known = id == "*" || is_built_in_rule(id) ||
                     std::any_of(m_policy.rules.begin(), m_policy.rules.end(),
                                 [&](const Rule& rule) { return rule.id == id; });
        if (!known) m_problems.push_back({exception.source, fmt::format("exception names unknown rule '{}'", id)});
      }
      const auto& max_days = m_policy.exceptions_policy.max_days;
      if (max_days && exception.expires > m_now + std::chrono::days(max_days->value)) {
        m_problems.push_back(
            {exception.source,
             fmt::format("exception expires {}, more than exceptions_policy.max_days = {} (set in {}) from today",
                         units::format_date(exception.expires), max_days->value, max_days->origin)});
      }
    }
  }

  TimePoint m_now;
  std::vector<Diagnostic>& m_problems;
  BaseReader* m_bases;
  Policy m_policy;
  std::vector<std::string> m_stack;
  std::set<std::string> m_loaded;
};

} // namespace

LoadResult load_policies(const std::vector<std::string>& files, TimePoint now, BaseReader* bases) {
  LoadResult result;
  Merger merger(now, result.problems, bases);
  for (const auto& file : files) merger.load(file, std::nullopt);
  result.policy = merger.finish();
  return result;
}

LoadResult load_policy_text(const std::string& text, const std::string& name, TimePoint now) {
  LoadResult result;
  Merger merger(now, result.problems);
  merger.load_text(text, name, name);
  result.policy = merger.finish();
  return result;
}

Policy load_policies_or_throw(const std::vector<std::string>& files, TimePoint now, BaseReader* bases) {
  auto result = load_policies(files, now, bases);
  if (!result.problems.empty()) {
    std::vector<std::string> lines;
    for (const auto& problem : result.problems) lines.push_back(problem.str());
    throw UsageError(std::move(lines));
  }
  return std::move(result.policy);
}

Policy default_policy(TimePoint now) {
  auto result = load_policy_text(std::string(default_policy_text()), std::string(k_default_policy_name), now);
  if (!result.problems.empty()) throw std::logic_error("the built-in policy is invalid: " + result.problems.front().str());
  return std::move(result.policy);
}

} // namespace gate::policy
