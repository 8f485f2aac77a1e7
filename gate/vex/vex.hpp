#pragma once

#include <chrono>
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

// A statement of a vulnerability's status in products. One that says they are not affected
// (not_affected, fixed and their equivalents) waives; one that says they are, or may be (affected,
// under_investigation and theirs), waives nothing but contradicts a waiving one about the same
// vulnerability and image, which then waives nothing either unless it is the later of the two.
// Statements of other statuses are not kept.
struct Statement {
  std::vector<std::string> vulnerabilities; // its id first, then the aliases the document gives; none empty
  std::string status;                       // as the document writes it
  bool waives = false;
  std::vector<Product> products;            // only those named by a digest the gate can match
  std::string justification;                // the justification and impact statement, as written
  std::optional<std::chrono::sys_seconds> time; // when it was made, where the format says so
};

struct Document {
  std::string path;   // as given
  std::string format; // "OpenVEX 0.2.0", "CycloneDX 1.5", "CSAF 2.0"
  std::string author;
  std::vector<Statement> statements;
};

// How many of the document's statements waive.
std::size_t waiving(const Document& document);

// Reads each file as OpenVEX 0.2.0, CycloneDX VEX 1.4 to 1.6 (JSON) or CSAF 2.0 VEX (JSON).
// Throws UsageError naming the file and what was expected for anything else, and for a document
// that breaks its format where the gate reads it.
std::vector<Document> read_documents(const std::vector<std::string>& paths);

// One document from its text; `path` names it in messages.
Document parse_document(const std::string& path, std::string_view text);

} // namespace gate::vex
