#pragma once

#include "gate/hss/findings.hpp"
#include "gate/policy/model.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The finding attributes a findings rule may test, per kind, named as HSS names the record
// members. Each is declared once in its kind's spec (hss/findings/<kind>.cpp); this module reads
// the specs and knows how each source of a value is read, never a kind by name.
namespace gate::policy {

// One finding as the policy sees it: the record, and the CVEs of a vulnerability when they were
// fetched (nullptr otherwise, or for other kinds).
struct FindingSubject {
  const hss::FindingRecord* record = nullptr;
  const std::vector<hss::FindingRecord>* cves = nullptr;
};

// What an attribute holds for one finding: the texts globs are matched against (several for
// cve_id; none when the finding lacks the value, an empty text included) and, for an ordered
// attribute, its number. `read` is false when its source was not fetched (a vulnerability's
// CVEs): the finding then neither has nor lacks the value, and no glob matches it. A
// several-valued attribute also counts its values that lack a text (`lacking`: a CVE without a
// cve_id), which only the empty glob "" names.
struct AttributeValue {
  std::vector<std::string> texts;
  std::optional<double> number;
  bool read = true;
  std::size_t lacking = 0;
};

using AttributeOrder = hss::AttributeOrder;

struct FindingAttribute {
  hss::FindingKind kind;
  std::string_view name;
  AttributeOrder order = AttributeOrder::none;
  bool from_cves = false; // needs the finding's CVE sub-list
  bool several = false;   // holds several texts (cve_id): a waiver must cover every one
  hss::FindingRole role = hss::FindingRole::none;
  AttributeValue (*read)(const FindingAttribute& self, const FindingSubject& finding);
};

// Every attribute of a kind, in the order reports list them.
std::vector<const FindingAttribute*> attributes_of(hss::FindingKind kind);
// nullptr for a name the kind does not have.
const FindingAttribute* find_attribute(hss::FindingKind kind, std::string_view name);
// "vul_id, cve_id, ..." for messages.
std::string attribute_names(hss::FindingKind kind);
// "vulnerabilities, malware, ..." for messages.
std::string finding_kind_names();

// The one severity ladder of every kind: info < low < medium < high < critical.
std::span<const std::string_view> finding_severities();
// The rank of a severity on that ladder, case-insensitively; nullopt for anything else.
std::optional<int> finding_severity_rank(std::string_view name);
// A kind's severity mapped onto the ladder by its spec's severity rule (vulnerabilities by
// repair_necessity, baseline's Security as info, malware always critical); nullopt when the
// finding has none we know.
std::optional<int> finding_severity(hss::FindingKind kind, const hss::FindingRecord& record);

// The first of `globs` on a severity attribute that is a plain word (no glob characters, not
// empty) off the ladder, such as "hgih": it could only ever match unknown severities.
std::optional<std::string> off_ladder_word(const std::vector<std::string>& globs);
// The one-line policy error for such a word: where it was written, the word and the ladder.
std::string off_ladder_problem(std::string_view what, std::string_view word);

// How one condition judged one finding.
enum class Match { no, yes, unknown }; // unknown: matched only because the value is missing

// A glob list matches a value when any glob matches one of its texts; the empty glob "" matches
// a finding that lacks the value, or one of whose several values lacks a text (a CVE without a
// cve_id); a finding whose severity is unknown matches any severity glob list (unknown). A range matches a number within it; a missing number is unknown unless the
// condition says unknown = "skip".
Match match(const FindingCondition& condition, const AttributeValue& value);

// True when a `finding` waiver's pattern names this finding of the rule's kind: every attribute
// matches, a value that is unknown never does, and a several-valued attribute (cve_id) matches
// only when its globs cover every value the rule counted the finding for (the values that met
// the rule's own condition on it, or all of them), a value without a text (a CVE without a
// cve_id) covered only by "". An empty set to cover never matches. An attribute the kind lacks
// matches nothing.
bool waiver_names(const std::vector<FindingPattern>& pattern, const FindingSelector& selector,
                  const FindingSubject& finding);

// A bound of an ordered condition as people read it: "high", or "9".
std::string show_bound(const FindingAttribute& attribute, double bound);

// What reports call a finding: `id` is what people read, `key` what identifies it within an
// image from one image version to the next.
std::string finding_id(hss::FindingKind kind, const hss::FindingRecord& record);
// The kind's key members, each with `\`, `|` and `#` escaped by a backslash, joined by `|`:
// two different member tuples never give one key.
std::string finding_key(hss::FindingKind kind, const hss::FindingRecord& record);
// The keys of one image's list, in HSS's order: a key that an earlier finding of the list
// already has gets `#2`, `#3`, ... so that every finding of an image has its own.
std::vector<std::string> finding_keys(hss::FindingKind kind, const std::vector<hss::FindingRecord>& list);
// What a waiver of exactly one finding of an image's list names: every key member with its value
// ("" for one the finding lacks, which a waiver reads as "lacks it"), then, when other findings
// of the list share its key, the attributes that tell it apart from them, in attribute order
// (HSS's members before the severity derived from one). `twins` counts the findings of the list
// that no attribute a waiver can name tells apart from it: a waiver of it waives them too.
struct FindingIdentity {
  std::vector<std::pair<std::string, std::string>> attributes;
  std::size_t twins = 0;
};
FindingIdentity finding_identity(hss::FindingKind kind, const std::vector<hss::FindingRecord>& list,
                                 std::size_t index);

} // namespace gate::policy
