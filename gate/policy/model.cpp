#include "gate/policy/model.hpp"

#include "gate/policy/operators.hpp"
#include "gate/text/url.hpp"

#include <Poco/Exception.h>
#include <Poco/Glob.h>
#include <fmt/format.h>

#include <algorithm>

namespace gate::policy {

std::string SourceRef::str() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string PinnedBase::name() const {
  return fmt::format("{}#sha256={}", text::masked_url(url, text::UrlPath::shown), sha256);
}

std::string Exception::label() const {
  return fmt::format("exception for [{}] ({}:{})", fmt::join(rules, ", "), source.file, source.line);
}

std::vector<ExpiryNotice> expiry_notices(const Policy& policy, TimePoint now) {
  using std::chrono::days;
  const auto& warn_days = policy.exceptions_policy.warn_days;
  std::vector<ExpiryNotice> notices;
  for (const auto& exception : policy.exceptions) {
    if (!exception.active_at(now)) {
      notices.push_back({&exception, true, std::chrono::floor<days>(now - exception.expires).count()});
    } else if (warn_days && exception.expires <= now + days(warn_days->value)) {
      notices.push_back({&exception, false, std::chrono::floor<days>(exception.expires - now).count()});
    }
  }
  return notices;
}

std::vector<std::string> When::unmet(const Context& context) const {
  std::vector<std::string> reasons;
  auto check = [&](const std::optional<std::vector<std::string>>& patterns, const std::optional<std::string>& value,
                   const char* name) {
    if (!patterns) return;
    if (!value) {
      reasons.push_back(fmt::format("no {} is known", name));
    } else if (!any_glob(*patterns, *value)) {
      reasons.push_back(fmt::format("{} \"{}\" is not one of [{}]", name, *value, fmt::join(*patterns, ", ")));
    }
  };
  check(branch, context.branch, "branch");
  check(environment, context.environment, "environment");
  return reasons;
}

const Condition* Rule::condition(std::string_view op) const {
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const Condition& c) { return c.op->name == op; });
  return it == conditions.end() ? nullptr : &*it;
}

std::string_view name_of(Level level) { return level == Level::fail ? "fail" : "warn"; }

std::string_view name_of(StateAction action) {
  switch (action) {
  case StateAction::pass: return "pass";
  case StateAction::warn: return "warn";
  case StateAction::fail: return "fail";
  }
  return "fail";
}

std::optional<StateAction> state_action_named(std::string_view name) {
  for (auto action : {StateAction::pass, StateAction::warn, StateAction::fail}) {
    if (name_of(action) == name) return action;
  }
  return std::nullopt;
}

std::string to_text(const Value& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "(none)"; }
    std::string operator()(std::int64_t number) const { return std::to_string(number); }
    std::string operator()(bool flag) const { return flag ? "true" : "false"; }
    std::string operator()(const std::string& text) const { return text; }
  };
  return std::visit(Visitor{}, value);
}

bool is_built_in_rule(std::string_view id) {
  return id == k_rule_scan_status || id == k_rule_scan_age || id == k_rule_scan_current;
}

namespace {

// A `[` whose set never closes. Poco reads "[a" literally but "[!a" as a set to the end, so both
// are decided here, one way: a pattern with an unfinished set is compared literally.
bool has_unfinished_set(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (pattern[i] == '[') {
      std::size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '!') ++j;
      std::size_t close = pattern.find(']', j);
      if (close == std::string_view::npos) return true;
      i = close;
    }
  }
  return false;
}

} // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  if (has_unfinished_set(pattern)) return pattern == text;
  try {
    return Poco::Glob(std::string(pattern)).match(std::string(text));
  } catch (const Poco::Exception&) {
    return pattern == text; // an unfinished [set]: compare literally
  }
}

bool any_glob(const std::vector<std::string>& patterns, std::string_view text) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return glob_match(p, text); });
}

std::string literal_glob(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::optional<std::string> glob_literal(std::string_view pattern) {
  std::string text;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*' || c == '?' || c == '[') return std::nullopt;
    if (c == '\\' && i + 1 < pattern.size()) c = pattern[++i];
    text += c;
  }
  return text;
}

} // namespace gate::policy
