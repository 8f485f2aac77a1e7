#pragma once

#include "gate/hss/findings.hpp"
#include "gate/hss/record.hpp"

#include <string>
#include <vector>

// A run's HSS answers saved in one file, to replay offline: the image list and every finding
// list the run fetched (--save-bundle), read back by --from-file, which also takes a plain
// ListCicdImages response.
namespace gate::hss {

inline constexpr int k_bundle_version = 1;

struct SavedRun {
  std::vector<Record> records;
  bool bundle = false;  // false: a plain list response, which holds no findings
  RunFindings findings; // with fetched_at
};

// Reads --from-file. Throws UsageError for a file it cannot read, ServiceError (naming the file)
// for one it cannot parse. With keep_json the image records keep their JSON, to be saved again.
SavedRun read_saved_run(const std::string& path, bool keep_json = false);

// {"hss_gate_bundle": 1, "fetched_at": ..., "images": {"total_num": n, "data_list": [...]},
//  "findings": {"<image_id>": {"<kind>": [...], "cves": {"<vul_id>": [...]}}}}: records as HSS
// sent them, only the lists that were fetched; an image's cves are those of its vulnerabilities.
std::string bundle_json(const std::vector<Record>& records, const RunFindings& findings);

} // namespace gate::hss
