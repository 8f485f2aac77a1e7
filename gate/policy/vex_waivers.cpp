#include "gate/policy/vex_waivers.hpp"

#include <Poco/String.h>

#include <fmt/format.h>

#include <algorithm>

namespace gate::policy {

namespace {

std::string lower(std::string text) { return Poco::toLower(text); }

std::vector<std::string> texts_of(hss::FindingKind kind, std::string_view attribute_name, const FindingSubject& finding) {
  const FindingAttribute* attribute = find_attribute(kind, attribute_name);
  if (!attribute) return {};
  AttributeValue value = attribute->read(*attribute, finding);
  return value.read ? value.texts : std::vector<std::string>{};
}

// A statement limited to packages covers the finding only in one of them: its name (as purls
// write names, in any case) and, when the purl pins one, its version.
bool covers_package(const vex::Product& product, const std::vector<std::string>& names,
                    const std::vector<std::string>& versions) {
  if (product.components.empty()) return true;
  return std::any_of(product.components.begin(), product.components.end(), [&](const vex::Component& component) {
    bool name = std::any_of(names.begin(), names.end(),
                            [&](const std::string& n) { return Poco::icompare(n, component.name) == 0; });
    bool version = !component.version ||
                   std::find(versions.begin(), versions.end(), *component.version) != versions.end();
    return name && version;
  });
}

template <typename T>
void add_once(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

} // namespace

std::set<std::string> vex_vulnerability_ids(const std::vector<vex::Document>& documents) {
  std::set<std::string> ids;
  for (const auto& document : documents) {
    for (const auto& statement : document.statements) {
      if (!statement.waives) return {};
      ids.insert(statement.vulnerabilities.begin(), statement.vulnerabilities.end());
    }
  }
  return ids;
}

VexWaivers::VexWaivers(const std::vector<vex::Document>& documents, const std::optional<std::string>& image_digest,
                       TimePoint now)
  : m_named(vex_vulnerability_ids(documents)), m_now(now) {
  if (!image_digest) return;
  std::string digest = lower(*image_digest);
  digest.erase(0, digest.find_first_not_of(" \t"));
  digest.erase(digest.find_last_not_of(" \t") + 1);
  for (std::size_t i = 0; i < documents.size(); ++i) {
    for (const auto& statement : documents[i].statements) {
      bool about_image = std::any_of(statement.products.begin(), statement.products.end(),
                                     [&](const vex::Product& product) { return product.image_digest == digest; });
      if (about_image) (statement.waives ? m_statements : m_contradictions).push_back({i, &documents[i], &statement});
    }
  }
}

std::optional<Waiver> VexWaivers::waive(const FindingSelector& selector, const FindingSubject& finding,
                                        std::set<std::size_t>& used) const {
  const auto& names = selector.kind.spec().vex;
  if (!names || m_statements.empty()) return std::nullopt;
  std::vector<std::string> packages = texts_of(selector.kind, names->package, finding);
  std::vector<std::string> versions = texts_of(selector.kind, names->package_version, finding);
  auto about_finding = [&](const Applicable& entry) {
    const auto& products = entry.statement->products;
    return std::any_of(products.begin(), products.end(), [&](const vex::Product& product) {
      return covers_package(product, packages, versions);
    });
  };
  std::vector<const Applicable*> applicable;
  for (const auto& entry : m_statements) {
    if (about_finding(entry)) applicable.push_back(&entry);
  }
  if (applicable.empty()) return std::nullopt;

  auto names_one_of = [](const Applicable* entry, const std::vector<std::string>& ids) {
    const auto& named = entry->statement->vulnerabilities;
    return std::any_of(named.begin(), named.end(),
                       [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); });
  };
  std::vector<std::string> ids = texts_of(selector.kind, names->vulnerability, finding);
  std::vector<const Applicable*> using_;
  std::vector<std::string> covered;
  for (const auto* entry : applicable) {
    if (!names_one_of(entry, ids)) continue;
    using_.push_back(entry);
    covered = ids;
    break; // the finding's own id: one statement is enough
  }
  if (using_.empty()) {
    // By its CVEs: the statements' ids together must cover the set a `cve_id` exception must cover.
    FindingPattern pattern{std::string(names->aliases), {}};
    for (const auto* entry : applicable) {
      for (const auto& id : entry->statement->vulnerabilities) {
        if (!id.empty()) add_once(pattern.globs, literal_glob(id)); // "" would cover CVEs without an id
      }
    }
    if (pattern.globs.empty()) return std::nullopt;
    if (!waiver_names({pattern}, selector, finding)) return std::nullopt;
    std::vector<std::string> finding_cves = texts_of(selector.kind, names->aliases, finding);
    for (const auto* entry : applicable) {
      if (!names_one_of(entry, finding_cves)) continue;
      using_.push_back(entry);
      for (const auto& id : entry->statement->vulnerabilities) {
        if (std::find(finding_cves.begin(), finding_cves.end(), id) != finding_cves.end()) add_once(covered, id);
      }
    }
  }
  if (using_.empty()) return std::nullopt;

  // A statement that the finding is, or may be, affected contradicts the waiver, unless each
  // statement used is dated and later (OpenVEX: the latest statement stands).
  std::vector<std::string> in_question = ids;
  std::vector<std::string> cves = texts_of(selector.kind, names->aliases, finding);
  in_question.insert(in_question.end(), cves.begin(), cves.end());
  for (const auto* entry : using_) {
    in_question.insert(in_question.end(), entry->statement->vulnerabilities.begin(), entry->statement->vulnerabilities.end());
  }
  for (const auto& contradiction : m_contradictions) {
    if (!about_finding(contradiction) || !names_one_of(&contradiction, in_question)) continue;
    const auto& against = contradiction.statement->time;
    bool superseded = against && std::all_of(using_.begin(), using_.end(), [&](const Applicable* entry) {
      const auto& time = entry->statement->time;
      return time && *time > *against && *time <= m_now;
    });
    if (!superseded) return std::nullopt;
  }

  Waiver waiver;
  waiver.kind = WaiverKind::vex;
  waiver.vulnerabilities = covered;
  std::vector<std::string> sources, formats, authors, statuses, reasons;
  for (const auto* entry : using_) {
    used.insert(entry->document);
    add_once(sources, entry->source->path);
    add_once(formats, entry->source->format);
    if (!entry->source->author.empty()) add_once(authors, entry->source->author);
    add_once(statuses, entry->statement->status);
    if (!entry->statement->justification.empty()) add_once(reasons, entry->statement->justification);
  }
  waiver.source = fmt::format("{}", fmt::join(sources, ", "));
  waiver.format = fmt::format("{}", fmt::join(formats, ", "));
  waiver.owner = fmt::format("{}", fmt::join(authors, ", "));
  waiver.status = fmt::format("{}", fmt::join(statuses, ", "));
  waiver.reason = fmt::format("{}", fmt::join(reasons, "; "));
  return waiver;
}

} // namespace gate::policy
