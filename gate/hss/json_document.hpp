#pragma once

#include <Poco/Dynamic/Var.h>

#include <string_view>

// The parsed JSON tree, for the files of this folder that keep or rewrite whole documents
// (bundles, recorded answers). Poco stays inside gate/hss.
namespace gate::hss {

// Parses a JSON document as every reader of HSS data does: a key twice in one object and an
// integer beyond 64 bits are refused, and a number written with a fraction or an exponent stays
// a non-integer when the tree is written out and read again (Poco alone writes 1e3 back as 1000,
// which a replay would then take for an integer). A syntax error names its line and column.
// Throws ServiceError (malformed_response).
Poco::Dynamic::Var parse_json_document(std::string_view text);

} // namespace gate::hss
