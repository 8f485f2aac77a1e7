#pragma once

#include <optional>
#include <span>
#include <string_view>

// The kinds of per-image findings HSS lists, apart from their endpoints so that the policy model
// can name a kind without seeing the transport.
namespace gate::hss {

enum class FindingKind { vulnerabilities, malware, secrets, baseline, build_risks, software, base_image };

// Every kind, in the order policies and reports list them.
std::span<const FindingKind> finding_kinds();
std::string_view name_of(FindingKind kind);
std::optional<FindingKind> finding_kind_named(std::string_view name);

} // namespace gate::hss
