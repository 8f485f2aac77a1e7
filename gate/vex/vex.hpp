#pragma once

#include <optional>
#include <string>
#include <vector>

// VEX documents (--vex) as plain data: what each statement that waives says, reduced to what the
// gate matches findings by. Reading them is an input stage like reading the policy; the policy
// stage decides what they waive, and only where the policy allows it ([vex] allow = true).
namespace gate::vex {

// A package a statement is limited to, from its purl: the name, and the version when the purl has one.
struct Component {
  std::string name;
  std::optional<std::string> version;
};

// The image a statement is about, by digest ("sha256:<hex>", lower case): never by tag, which can
// move. Limited to some of its packages when `components` is not empty.
struct Product {
  std::string image_digest;
  std::vector<Component> components;
};

// A statement that the vulnerability does not affect the products (not_affected, fixed and their
// equivalents); statements with any other status change nothing and are not kept.
struct Statement {
  std::vector<std::string> vulnerabilities; // its id first, then the aliases the document gives
  std::string status;                       // as the document writes it
  std::vector<Product> products;            // only those named by a digest the gate can match
  std::string justification;                // the justification and impact statement, as written
};

struct Document {
  std::string path;   // as given
  std::string format; // "OpenVEX 0.2.0", "CycloneDX 1.5", "CSAF 2.0"
  std::string author;
  std::vector<Statement> statements;
};

// Reads each file as OpenVEX 0.2.0, CycloneDX VEX 1.4 to 1.6 (JSON) or CSAF 2.0 VEX (JSON).
// Throws UsageError naming the file and what was expected for anything else, and for a document
// that breaks its format where the gate reads it.
std::vector<Document> read_documents(const std::vector<std::string>& paths);

// One document from its text; `path` names it in messages.
Document parse_document(const std::string& path, std::string_view text);

} // namespace gate::vex
