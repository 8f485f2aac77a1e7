#pragma once

#include "gate/hss/json_reader.hpp"
#include "gate/vex/vex.hpp"

#include <span>
#include <string>
#include <string_view>

// The VEX formats the gate reads, one file each; read.cpp picks the one a document claims.
// Internal to the VEX stage.
namespace gate::vex {

struct VexFormat {
  std::string_view name;                     // "OpenVEX 0.2.0", as messages name what is expected
  bool (*claims)(const hss::JsonObject& root); // the document says it is of this format
  Document (*read)(const hss::JsonObject& root, const std::string& path);
};

extern const VexFormat k_openvex;
extern const VexFormat k_cyclonedx;
extern const VexFormat k_csaf;

// Throws the UsageError for a document the gate cannot read: "--vex PATH: <why>".
[[noreturn]] void refuse(const std::string& path, const std::string& why);

// Where a member sits in the document, "statements[3]", for messages.
std::string place(const hss::JsonObject& object);

// "<justification>: <impact statement>", or whichever of them is given.
std::string joined_justification(const std::optional<std::string>& justification,
                                 const std::optional<std::string>& statement);

// A product named by a purl: the image by digest, or one of its packages (`image` is then the
// image's digest, when the document names the image by one; `version` the package's version when
// the purl has none). nullopt when it names neither, or a part of a package (a subpath).
std::optional<Product> product_of(const std::string& purl, const std::optional<std::string>& image,
                                  const std::optional<std::string>& version = std::nullopt);

// Refuses a statement naming no vulnerability, or one by an empty id: an empty id would cover the
// CVEs that have none.
void check_ids(const std::string& path, const std::string& where, const std::vector<std::string>& ids);

// A date-time member (RFC 3339); nullopt when absent, refused when it is not one.
std::optional<std::chrono::sys_seconds> time_member(const std::string& path, const hss::JsonObject& object,
                                                    std::string_view key);

} // namespace gate::vex
