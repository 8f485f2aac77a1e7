#include "gate/cli/options.hpp"

#include "gate/error.hpp"
#include "gate/report/report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace gate::cli {

namespace {

std::vector<FlagSpec> make_check_flags() {
  std::vector<FlagSpec> flags{
      {"source", "cicd|registry", false, "where HSS lists the image: its CI/CD image list (default) or its registry image list (SWR, Harbor, JFrog)"},
      {"cicd-name", "NAME", false, "CI/CD name the image was scanned under (0-128 characters; required for --source cicd)"},
      {"image-version", "TAG", false, "image tag (1-64 characters; required)"},
      {"image-name", "NAME", false, "image name, when one pipeline builds several (1-128; required for --source registry)"},
      {"namespace", "NAME", false, "organization (namespace) of the image (1-128; required for --source registry)"},
      {"image-digest", "sha256:HEX", false, "only a record with this digest counts; another is pending (required for --source registry)"},
      {"image-type", "TYPE", false, "registry image type: private_image (default), shared_image, instance_image, harbor, jfrog"},
      {"instance-id", "ID", false, "SWR enterprise instance of an instance_image (1-128)"},
      {"compare-with", "VERSION", false, "compare with this version of the image (typically the one in production): new_only rules count only new findings, max_increase bounds growth"},
      {"vex", "FILE", true, "a VEX document (OpenVEX 0.2.0, CycloneDX VEX 1.4-1.6 or CSAF 2.0 VEX, JSON), repeatable; it waives findings only where the policy says [vex] allow = true"},
      {"compare-with-file", "BUNDLE", false, "compare with the image of the same names in a --save-bundle file, whatever its version"},
      {"trigger-scan", "", false, "registry images: have HSS sync the registry or scan the image when it is missing, stale or unscanned, and wait"},
      {"image", "SPEC", true, "an image to gate, repeatable: cicd_name=..,image_version=..,image_name=..,namespace=..,image_digest=..,dockerfile=..,source=..,image_type=..,instance_id=..,compare_with=.. (keys left out take the flags above)"},
      {"images", "FILE", false, "images to gate, one SPEC per line (# comments)"},
      {"policy", "FILE", true, "policy file, repeatable (default ./.hss-gate.toml, else built-in)"},
      {"from-file", "RESPONSE.json", false, "evaluate a saved ListCicdImages response or --save-bundle file; no network"},
      {"save-bundle", "FILE", false, "save every HSS answer of the run (images and findings) for --from-file"},
  };
  for (const auto& format : report::report_formats()) {
    flags.push_back({std::string(format.name), "FILE", false, std::string(format.help)});
  }
  std::vector<FlagSpec> rest{
      {"dotenv-prefix", "PREFIX", false, "prefix of the --dotenv keys (default HSS_GATE_RESULT_)"},
      {"sarif-location", "PATH", false, "repository file SARIF results point at, unless an image names its dockerfile (default Dockerfile)"},
      {"branch", "NAME", false, "branch for `when` conditions (default GITHUB_REF_NAME, CI_COMMIT_REF_NAME)"},
      {"environment", "NAME", false, "deployment environment for `when` conditions"},
      {"project-id", "ID", false, "Huawei Cloud project id (also HUAWEICLOUD_SDK_PROJECT_ID)"},
      {"region", "REGION", false, "region, e.g. ap-southeast-1: https://hss.REGION.myhuaweicloud.com"},
      {"endpoint", "URL", false, "HSS endpoint URL; overrides --region"},
      {"enterprise-project-id", "ID", false, "enterprise project to search (e.g. all_granted_eps)"},
      {"wait", "DURATION", false, "wait this long for a missing or unfinished scan (default: policy, else 0)"},
      {"default-wait", "DURATION", false, "wait used when neither --wait nor the policy sets one (for CI templates)"},
      {"poll-interval", "DURATION", false, "time between polls while waiting (default 10s)"},
      {"timeout", "DURATION", false, "bound on each HTTP request (default 30s)"},
      {"on-error", "fail|pass", false, "on an HSS or network error: fail (exit 3, default) or pass (exit 0)"},
      {"warnings-exit", "CODE", false, "exit CODE (5-125) instead of 0 on a warn decision or an error --on-error pass let through"},
      {"ca-file", "FILE", false, "extra CA bundle for HTTPS (also SSL_CERT_FILE)"},
      {"insecure", "", false, "do not verify TLS certificates (warns)"},
      {"verbose", "", false, "also list passing rules and progress", 'v'},
      {"quiet", "", false, "print only errors and the verdict line", 'q'},
      {"no-color", "", false, "no colour (also NO_COLOR)"},
  };
  flags.insert(flags.end(), rest.begin(), rest.end());
  return flags;
}

} // namespace

const std::vector<FlagSpec>& check_flags() {
  static const std::vector<FlagSpec> k_flags = make_check_flags();
  return k_flags;
}

const FlagSpec& flag_named(std::string_view name) {
  for (const auto& flag : check_flags()) {
    if (flag.name == name) return flag;
  }
  throw std::logic_error(fmt::format("no flag --{} in the flag table", name));
}

std::string environment_name(const std::string& flag) {
  std::string name = "HSS_GATE_";
  for (char c : flag) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

namespace {

const FlagSpec* find_flag(std::string_view name) {
  const auto& flags = check_flags();
  auto it = std::find_if(flags.begin(), flags.end(), [&](const FlagSpec& f) { return f.name == name; });
  return it == flags.end() ? nullptr : &*it;
}

const FlagSpec* find_short(char name) {
  const auto& flags = check_flags();
  auto it = std::find_if(flags.begin(), flags.end(), [&](const FlagSpec& f) { return f.short_name == name; });
  return it == flags.end() ? nullptr : &*it;
}

void parse_check(const std::vector<std::string>& argv, std::size_t first, Arguments& arguments) {
  for (std::size_t i = first; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word == "--help" || word == "-h") {
      arguments.help_for = arguments.command;
      arguments.command = Command::help;
      return;
    }
    const FlagSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (word.rfind("--", 0) == 0 && word.size() > 2) {
      std::string name = word.substr(2);
      auto equals = name.find('=');
      if (equals != std::string::npos) {
        inline_value = name.substr(equals + 1);
        name.resize(equals);
      }
      spec = find_flag(name);
      if (!spec) throw UsageError(fmt::format("unknown flag --{}: see 'hss-gate check --help'", name));
    } else if (word.size() == 2 && word[0] == '-') {
      spec = find_short(word[1]);
      if (!spec) throw UsageError(fmt::format("unknown flag {}: see 'hss-gate check --help'", word));
    } else {
      throw UsageError(fmt::format("unexpected argument '{}': check takes only flags; see 'hss-gate check --help'", word));
    }
    auto& values = arguments.flags[spec->name];
    if (spec->value_name.empty()) {
      if (inline_value) throw UsageError(fmt::format("--{} takes no value", spec->name));
      values = {"true"};
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      throw UsageError(fmt::format("--{} needs a value: {}", spec->name, spec->value_name));
    }
    if (!spec->repeatable && !values.empty()) {
      throw UsageError(fmt::format("--{} given twice; it takes one value", spec->name));
    }
    values.push_back(value);
  }
}

} // namespace

Arguments parse_arguments(const std::vector<std::string>& argv) {
  Arguments arguments;
  if (argv.size() < 2) return arguments;
  const std::string& command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    arguments.command = Command::help;
  } else if (command == "--version" || command == "version") {
    arguments.command = Command::version;
  } else if (command == "check" || command == "doctor") {
    arguments.command = command == "check" ? Command::check : Command::doctor;
    parse_check(argv, 2, arguments);
  } else if (command == "policy") {
    if (argv.size() < 3) throw UsageError("policy needs a subcommand: 'hss-gate policy lint FILE...' or 'policy show FILE...'");
    const std::string& sub = argv[2];
    if (sub == "lint") {
      arguments.command = Command::policy_lint;
    } else if (sub == "show") {
      arguments.command = Command::policy_show;
    } else {
      throw UsageError(fmt::format("unknown policy subcommand '{}': expected lint or show", sub));
    }
    for (std::size_t i = 3; i < argv.size(); ++i) {
      if (argv[i] == "--help" || argv[i] == "-h") {
        arguments.help_for = arguments.command;
        arguments.command = Command::help;
        return arguments;
      }
      if (argv[i] == "--strict" && arguments.command == Command::policy_lint) {
        arguments.flags["strict"] = {"true"};
        continue;
      }
      if (argv[i].rfind("--", 0) == 0) throw UsageError(fmt::format("unknown flag {} for policy {}", argv[i], sub));
      arguments.files.push_back(argv[i]);
    }
    if (arguments.files.empty()) throw UsageError(fmt::format("policy {} needs at least one FILE", sub));
  } else {
    throw UsageError(fmt::format("unknown command '{}': expected check, doctor, policy lint, policy show, --help or "
                                 "--version",
                                 command));
  }
  return arguments;
}

std::string version_text() { return fmt::format("hss-gate {}\n", HSS_GATE_VERSION); }

namespace {

constexpr std::string_view k_exit_codes = R"(Exit codes:
  0  pass (warnings allowed)
  1  blocked by policy: a fail-level rule failed
  2  usage, configuration or policy-file error (nothing is looked up)
  3  HSS service or transport error (auth, HTTP, network, unreadable response)
  4  no verdict: image not found, scan unfinished, or scan failed, where the policy says to fail;
     a registry image whose digest differs at the end of the wait; a --trigger-scan request refused or failed
  5-125  only with --warnings-exit CODE: a warn decision, or an HSS error that --on-error pass let through
)";

} // namespace

std::string help_text(Command command) {
  if (command == Command::check) {
    std::string out = "Usage: hss-gate check --cicd-name NAME --image-version TAG [flags]\n"
                      "       hss-gate check --image SPEC [--image SPEC]... [--images FILE] [flags]\n\n"
                      "Looks the image up in Huawei Cloud HSS (or in --from-file), evaluates the policy,\n"
                      "writes the reports and exits with the verdict.\n\nFlags (each also read from HSS_GATE_<FLAG>, "
                      "e.g. --cicd-name from HSS_GATE_CICD_NAME; a flag wins):\n";
    for (const auto& flag : check_flags()) {
      std::string name = flag.short_name ? fmt::format("-{}, --{}", flag.short_name, flag.name) : "    --" + flag.name;
      if (!flag.value_name.empty()) name += " " + flag.value_name;
      out += fmt::format("  {:<36} {}\n", name, flag.help);
    }
    out += "\nCredentials come from the environment only: HSS_GATE_AUTH_TOKEN (sent as X-Auth-Token), or\n"
           "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or CLOUD_SDK_AK / CLOUD_SDK_SK), with the optional\n"
           "HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary credentials. Proxies: HTTPS_PROXY and NO_PROXY.\n\n";
    out += k_exit_codes;
    return out;
  }
  if (command == Command::doctor) {
    return "Usage: hss-gate doctor [the flags of check]\n\n"
           "Checks what a `check` with the same flags and environment would need, one line per check\n"
           "(ok, warn or FAIL, with a fix): the settings and where each came from (credentials only as\n"
           "set or unset), the policy, the endpoint's name and port, the proxy, TLS, one authenticated\n"
           "request, the clock against the server's, the report paths and the CI detected. Prints no\n"
           "secret and writes no report. Exit 0 when nothing failed, 2 for a configuration problem, 3\n"
           "when HSS cannot be reached or refuses the credentials.\n";
  }
  if (command == Command::policy_lint) {
    return "Usage: hss-gate policy lint [--strict] FILE...\n\nChecks each policy file (with its extends chain) and "
           "prints every problem as\nfile:line:column: message, and a warning for every exception that has expired or\n"
           "expires within exceptions_policy.warn_days (measured at HSS_GATE_NOW when it is set).\n"
           "Exit 0 when no file has a problem (warnings allowed), 1 when there are warnings\n"
           "under --strict, 2 when a file has a problem.\n\n"
           "A base that `extends` names by pinned URL (https://host/org.toml#sha256=HEX) is read\n"
           "from the cache (HSS_GATE_CACHE_DIR) or fetched with HSS_GATE_CA_FILE / SSL_CERT_FILE,\n"
           "HSS_GATE_TIMEOUT, HTTPS_PROXY and NO_PROXY; one that cannot be had is a problem.\n";
  }
  if (command == Command::policy_show) {
    return "Usage: hss-gate policy show FILE...\n\nPrints the effective policy that the files give together (later "
           "files extend\nearlier ones), each rule and setting with the file that set it (a base by pinned\n"
           "URL named by its URL, shown without user information or query, and its digest).\n";
  }
  std::string out = "hss-gate: a CI policy gate for Huawei Cloud HSS image scans\n\n"
                    "Usage:\n"
                    "  hss-gate check --cicd-name NAME --image-version TAG [--policy FILE]... [flags]\n"
                    "  hss-gate doctor [the flags of check]\n"
                    "  hss-gate policy lint [--strict] FILE...\n"
                    "  hss-gate policy show FILE...\n"
                    "  hss-gate --version | --help | check --help\n\n";
  out += k_exit_codes;
  return out;
}

} // namespace gate::cli
