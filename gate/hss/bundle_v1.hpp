#pragma once

#include "gate/hss/bundle.hpp"

#include <string_view>

// Version 1 bundles (0.2: whole lists per image and kind, CVE lists per vul_id), converted on
// read into whole lists the replaying transport serves page by page.
namespace gate::hss {

// `text` is the file's JSON, already checked to be one object with "hss_gate_bundle": 1, and
// `root` that text as the readers parsed it: the lists keep its records rather than copies. Throws
// UsageError naming the image and the list for a missing, null or ill-typed list, image entry or
// cves map, and for a kind it does not know.
Bundle convert_v1_bundle(std::string_view text, const JsonObject& root);

} // namespace gate::hss
