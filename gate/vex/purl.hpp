#pragma once

#include <optional>
#include <string>
#include <string_view>

// Package URLs (https://github.com/package-url/purl-spec) as VEX documents name products and
// packages: pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH.
namespace gate::vex {

struct Purl {
  std::string type;                   // lower case: "oci", "deb", "npm"
  std::string name;                   // percent-decoded
  std::optional<std::string> version; // percent-decoded; nullopt when absent
  bool has_namespace = false;
  bool has_subpath = false;          // names a file or folder inside the package, not the package
};

// nullopt when the text is not a purl.
std::optional<Purl> parse_purl(std::string_view text);

// The digest a pkg:oci purl pins, "sha256:<hex>" in lower case (sha256 with 64 hex digits or
// sha512 with 128); nullopt for any other purl, for one naming a tag instead, and for one with a
// namespace (which oci purls do not have) or a subpath (a part of the image, not the image).
std::optional<std::string> oci_digest(const Purl& purl);

} // namespace gate::vex
