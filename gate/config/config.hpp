#pragma once

#include "gate/cli/options.hpp"
#include "gate/config/image_specs.hpp"
#include "gate/hss/record.hpp"
#include "gate/hss/transport.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The run's settings, layered: built-in defaults < environment < flags. Every value is
// validated here, before anything is looked up, and errors name the flag or variable at fault.
namespace gate::config {

using Environment = std::function<std::optional<std::string>(const std::string&)>;

// Reads the process environment; an empty variable counts as unset (CI systems set empty inputs).
Environment process_environment();

enum class OnError { fail, pass };

// A setting that was given, and where from: what `doctor` lists. Credentials are never here.
struct SettingSource {
  std::string setting; // the flag's name, "cicd-name"
  std::string value;
  std::string origin;  // "--cicd-name" or "HSS_GATE_CICD_NAME"
};

struct Config {
  std::vector<ImageSpec> images;         // at least one, in the order given
  std::optional<std::string> images_file; // --images, an input like the policy files
  std::vector<std::string> policy_files; // empty: the built-in default policy
  std::string policy_origin;             // where the policy choice came from, for the console
  std::optional<std::string> from_file;
  std::optional<std::string> compare_with_file; // --compare-with-file: a bundle holding the image compared with
  std::vector<std::string> vex_files;           // --vex: VEX documents, inputs like the policy files
  std::optional<std::string> save_bundle;           // --save-bundle: every HSS answer of the run
  std::optional<std::string> region;                // when known: the base-image API takes it
  std::optional<std::string> enterprise_project_id; // also asked of the finding APIs
  std::map<std::string, std::string, std::less<>> reports; // report format name -> path
  std::string dotenv_prefix;                               // before every --dotenv key
  std::string sarif_location;                              // SARIF results' file, unless an image names one
  std::optional<std::string> branch;
  std::optional<std::string> environment;
  std::optional<std::chrono::seconds> wait;          // unset: the policy's [scan] wait, else default_wait
  std::optional<std::chrono::seconds> default_wait;  // below the policy's wait; unset: 0
  std::optional<std::chrono::seconds> poll_interval; // unset: the policy's, else 10s
  OnError on_error = OnError::fail;
  bool trigger_scan = false; // --trigger-scan: registry images missing, stale or unscanned are synced or scanned
  std::optional<int> warnings_exit; // --warnings-exit: the code that replaces 0 for a warning pass
  bool verbose = false;
  bool quiet = false;
  bool no_color = false;
  std::optional<std::chrono::sys_seconds> pinned_now; // HSS_GATE_NOW
  bool github_actions = false;                        // GITHUB_ACTIONS=true
  std::optional<std::string> github_step_summary;     // the summary is appended here
  std::optional<std::string> github_output;           // step outputs are appended here
  bool gitlab_ci = false;                             // GITLAB_CI=true
  // HSS_GATE_CALLER=gitlab-template: the project's own GitLab template runs the gate. It writes
  // the deprecated dotenv aliases for its users' later jobs without warning them each run.
  bool gitlab_template = false;
  std::optional<hss::TransportSettings> transport;    // online runs only
  hss::ClientSettings client;                         // for policy bases named by URL (the transport's, online)
  std::optional<std::string> policy_cache;            // where those bases are cached; nullopt: nowhere
  std::vector<std::string> warnings;                  // settings that were ignored, and why
  std::vector<SettingSource> sources;                 // every flag setting given, in flag order
};

// Throws UsageError naming the flag (or environment variable) and what was expected.
Config resolve_config(const cli::Arguments& arguments, const Environment& environment);

// Where policy bases fetched by URL are cached: HSS_GATE_CACHE_DIR, else $XDG_CACHE_HOME/hss-gate
// (when absolute), else $HOME/.cache/hss-gate; nullopt when none of them is set.
std::optional<std::string> policy_cache_folder(const Environment& environment);

// The client settings `policy lint` and `policy show` fetch bases with, from the variables `check`
// reads: HSS_GATE_TIMEOUT, HSS_GATE_CA_FILE (else SSL_CERT_FILE), HSS_GATE_INSECURE, HTTPS_PROXY,
// NO_PROXY. Throws UsageError for a bad value.
hss::ClientSettings policy_client_settings(const Environment& environment);

// HSS_GATE_NOW, when set: the time a run evaluates at. Throws UsageError for a bad value.
std::optional<std::chrono::sys_seconds> pinned_now(const Environment& environment);

} // namespace gate::config
