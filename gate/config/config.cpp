#include "gate/config/config.hpp"

#include "gate/error.hpp"
#include "gate/units/units.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <Poco/UTF8Encoding.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <filesystem>
#include <regex>

namespace gate::config {

namespace fs = std::filesystem;

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

namespace {

// A value together with where it came from: "--cicd-name" or "HSS_GATE_CICD_NAME".
struct Sourced {
  std::string value;
  std::string origin;
};

class Resolver {
public:
  Resolver(const cli::Arguments& arguments, const Environment& environment)
    : m_arguments(arguments), m_environment(environment) {}

  std::optional<Sourced> get(const std::string& flag) const {
    auto it = m_arguments.flags.find(flag);
    if (it != m_arguments.flags.end() && !it->second.empty()) return Sourced{it->second.back(), "--" + flag};
    std::string variable = cli::environment_name(flag);
    if (auto value = m_environment(variable)) return Sourced{*value, variable};
    return std::nullopt;
  }

  std::optional<Sourced> env(std::initializer_list<const char*> names) const {
    for (const char* name : names) {
      if (auto value = m_environment(name)) return Sourced{*value, name};
    }
    return std::nullopt;
  }

  bool flag(const std::string& name) const {
    auto value = get(name);
    if (!value) return false;
    if (value->value == "true" || value->value == "1" || value->value == "yes") return true;
    if (value->value == "false" || value->value == "0" || value->value == "no") return false;
    throw UsageError(fmt::format("{}: expected true or false, got \"{}\"", value->origin, value->value));
  }

  std::vector<Sourced> all(const std::string& flag) const {
    std::vector<Sourced> values;
    auto it = m_arguments.flags.find(flag);
    if (it != m_arguments.flags.end() && !it->second.empty()) {
      for (const auto& value : it->second) values.push_back({value, "--" + flag});
      return values;
    }
    std::string variable = cli::environment_name(flag);
    if (auto value = m_environment(variable)) {
      // Several files in one variable: one per line, or separated by commas.
      std::string item;
      for (char c : *value + "\n") {
        if (c == '\n' || c == ',') {
          auto first = item.find_first_not_of(" \t\r");
          if (first != std::string::npos) {
            item = item.substr(first, item.find_last_not_of(" \t\r") - first + 1);
            values.push_back({item, variable});
          }
          item.clear();
        } else {
          item += c;
        }
      }
    }
    return values;
  }

private:
  const cli::Arguments& m_arguments;
  const Environment& m_environment;
};

std::size_t code_points(const Sourced& value) {
  std::size_t count = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(value.value.data());
  std::size_t size = value.value.size();
  for (std::size_t pos = 0; pos < size;) {
    unsigned char lead = bytes[pos];
    int length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (length == 0 || pos + static_cast<std::size_t>(length) > size ||
        !Poco::UTF8Encoding::isLegal(bytes + pos, length) || (length == 1 && lead < 0x20)) {
      throw UsageError(fmt::format("{}: expected printable UTF-8 text", value.origin));
    }
    pos += static_cast<std::size_t>(length);
    ++count;
  }
  return count;
}

std::string checked_length(const Sourced& value, std::size_t min, std::size_t max) {
  std::size_t length = code_points(value);
  if (length < min || length > max) {
    throw UsageError(fmt::format("{}: expected {} to {} characters, got {}", value.origin, min, max, length));
  }
  return value.value;
}

std::optional<std::chrono::seconds> duration(const Resolver& in, const std::string& flag, std::int64_t min_seconds) {
  auto value = in.get(flag);
  if (!value) return std::nullopt;
  auto parsed = units::parse_duration(value->value);
  if (!parsed) {
    throw UsageError(fmt::format("{}: expected a duration such as 90s, 10m or 1h, got \"{}\"", value->origin,
                                 value->value));
  }
  if (parsed->count() < min_seconds) {
    throw UsageError(fmt::format("{}: expected at least {}s, got \"{}\"", value->origin, min_seconds, value->value));
  }
  return parsed;
}

void check_report_path(const std::optional<std::string>& path, const char* flag) {
  if (!path) return;
  if (path->empty()) throw UsageError(fmt::format("--{}: expected a file path", flag));
  fs::path parent = fs::path(*path).parent_path();
  if (parent.empty()) parent = ".";
  std::error_code error;
  if (!fs::is_directory(parent, error)) {
    throw UsageError(fmt::format("--{} {}: the folder {} does not exist", flag, *path, parent.string()));
  }
  if (fs::is_directory(*path, error)) throw UsageError(fmt::format("--{} {}: is a folder, expected a file", flag, *path));
  // Reports are written through a temporary file beside the target: make sure one can be
  // created now, before anything is looked up, rather than fail after the verdict.
  std::string probe = fmt::format("{}.tmp-{}", *path, ::getpid());
  int descriptor = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (descriptor < 0) {
    throw UsageError(fmt::format("--{} {}: cannot write there: {}", flag, path->size() > 200 ? path->substr(0, 200) + "..." : *path,
                                 std::strerror(errno)));
  }
  ::close(descriptor);
  ::unlink(probe.c_str());
}

// std::filesystem's throwing overloads fail on, say, a path longer than PATH_MAX; a bad path is
// a usage error like any other, so only the error_code overloads are used here.
bool is_file(const std::string& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

std::optional<std::string> text(const Resolver& in, const std::string& flag) {
  auto value = in.get(flag);
  if (!value) return std::nullopt;
  return value->value;
}

void resolve_client(const Resolver& in, Config& config) {
  hss::ClientSettings& client = config.client;

  auto project = in.get("project-id");
  if (!project) project = in.env({"HUAWEICLOUD_SDK_PROJECT_ID"});
  if (!project) {
    throw UsageError("--project-id: required to query HSS (or HSS_GATE_PROJECT_ID / HUAWEICLOUD_SDK_PROJECT_ID); "
                     "use --from-file to evaluate a saved response");
  }
  client.project_id = checked_length(*project, 1, 256);

  if (auto endpoint = in.get("endpoint")) {
    Poco::URI uri;
    try {
      uri = Poco::URI(endpoint->value);
    } catch (const Poco::Exception&) {
      throw UsageError(fmt::format("{}: expected a URL such as https://hss.example.com, got \"{}\"", endpoint->origin,
                                   endpoint->value));
    }
    if ((uri.getScheme() != "https" && uri.getScheme() != "http") || uri.getHost().empty() ||
        (!uri.getPath().empty() && uri.getPath() != "/") || !uri.getQuery().empty() || !uri.getUserInfo().empty()) {
      throw UsageError(fmt::format("{}: expected http(s)://host[:port] with no path, got \"{}\"", endpoint->origin,
                                   endpoint->value));
    }
    client.endpoint = fmt::format("{}://{}", uri.getScheme(), uri.getAuthority());
  } else if (auto region = in.get("region")) {
    static const std::regex k_region(R"([a-z]{2}(-[a-z0-9]+)+)");
    if (!std::regex_match(region->value, k_region)) {
      throw UsageError(fmt::format("{}: expected a region id such as ap-southeast-1, got \"{}\"", region->origin,
                                   region->value));
    }
    client.endpoint = hss::endpoint_for_region(region->value);
  } else {
    throw UsageError("--region or --endpoint: required to query HSS (or HSS_GATE_REGION / HSS_GATE_ENDPOINT)");
  }

  if (auto enterprise = in.get("enterprise-project-id")) {
    config.query.enterprise_project_id = checked_length(*enterprise, 1, 256);
  }

  hss::Credentials& credentials = client.credentials;
  if (auto token = in.env({"HSS_GATE_AUTH_TOKEN"})) {
    if (token->value.size() > 32768) throw UsageError("HSS_GATE_AUTH_TOKEN: expected at most 32,768 characters");
    credentials.auth_token = token->value;
  } else {
    auto ak = in.env({"HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK"});
    auto sk = in.env({"HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK"});
    if (ak && !sk) throw UsageError(fmt::format("{} is set but no secret key: set HUAWEICLOUD_SDK_SK", ak->origin));
    if (sk && !ak) throw UsageError(fmt::format("{} is set but no access key: set HUAWEICLOUD_SDK_AK", sk->origin));
    if (ak && sk) {
      credentials.access_key = ak->value;
      credentials.secret_key = sk->value;
      if (auto security = in.env({"HUAWEICLOUD_SDK_SECURITY_TOKEN", "CLOUD_SDK_SECURITY_TOKEN"})) {
        credentials.security_token = security->value;
      }
    }
  }
  if (credentials.empty()) {
    throw UsageError("no HSS credentials: set HSS_GATE_AUTH_TOKEN, or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK "
                     "(CI secrets), or use --from-file");
  }

  if (auto timeout = duration(in, "timeout", 1)) client.timeout = *timeout;
  if (auto ca_file = in.get("ca-file")) {
    client.ca_file = ca_file->value;
  } else if (auto cert_file = in.env({"SSL_CERT_FILE"})) {
    client.ca_file = cert_file->value;
  }
  if (client.ca_file && !is_file(*client.ca_file)) {
    throw UsageError(fmt::format("--ca-file {}: no such file", *client.ca_file));
  }
  client.insecure = in.flag("insecure");
  if (auto proxy = in.env({"HTTPS_PROXY", "https_proxy"})) client.proxy.https_proxy = proxy->value;
  if (auto proxy = in.env({"HTTP_PROXY", "http_proxy"})) client.proxy.http_proxy = proxy->value;
  if (auto proxy = in.env({"NO_PROXY", "no_proxy"})) client.proxy.no_proxy = proxy->value;
}

} // namespace

Config resolve_config(const cli::Arguments& arguments, const Environment& environment) {
  Resolver in(arguments, environment);
  Config config;

  auto cicd_name = in.get("cicd-name");
  if (!cicd_name) throw UsageError("--cicd-name: required (or HSS_GATE_CICD_NAME): the CI/CD name the image was scanned under");
  config.query.cicd_name = checked_length(*cicd_name, 0, 128);
  auto image_version = in.get("image-version");
  if (!image_version) throw UsageError("--image-version: required (or HSS_GATE_IMAGE_VERSION): the image tag");
  config.query.image_version = checked_length(*image_version, 1, 64);
  if (auto image_name = in.get("image-name")) config.query.image_name = checked_length(*image_name, 1, 128);
  if (auto namespace_name = in.get("namespace")) config.query.namespace_name = checked_length(*namespace_name, 1, 128);
  if (auto digest = in.get("image-digest")) {
    static const std::regex k_digest(R"([a-z0-9]+(\+[a-z0-9]+)?:[0-9a-fA-F]{32,128})");
    if (!std::regex_match(digest->value, k_digest)) {
      throw UsageError(fmt::format("{}: expected a digest such as sha256:<64 hex digits>, got \"{}\"", digest->origin,
                                   digest->value));
    }
    config.query.image_digest = digest->value;
  }

  for (const auto& policy : in.all("policy")) {
    if (!is_file(policy.value)) {
      throw UsageError(fmt::format("{} {}: no such policy file", policy.origin, policy.value));
    }
    config.policy_files.push_back(policy.value);
    config.policy_origin = policy.origin;
  }
  if (config.policy_files.empty() && is_file(".hss-gate.toml")) {
    config.policy_files.push_back(".hss-gate.toml");
    config.policy_origin = "./.hss-gate.toml in the working directory";
  }

  config.from_file = text(in, "from-file");
  if (config.from_file && !is_file(*config.from_file)) {
    throw UsageError(fmt::format("--from-file {}: no such file", *config.from_file));
  }
  config.junit = text(in, "junit");
  config.json = text(in, "json");
  config.summary = text(in, "summary");
  config.dotenv = text(in, "dotenv");
  check_report_path(config.junit, "junit");
  check_report_path(config.json, "json");
  check_report_path(config.summary, "summary");
  check_report_path(config.dotenv, "dotenv");

  if (auto branch = in.get("branch")) {
    config.branch = branch->value;
    config.branch_origin = branch->origin;
  } else if (auto detected = in.env({"GITHUB_REF_NAME", "CI_COMMIT_REF_NAME"})) {
    config.branch = detected->value;
    config.branch_origin = detected->origin;
  }
  config.environment = text(in, "environment");

  config.wait = duration(in, "wait", 0);
  config.poll_interval = duration(in, "poll-interval", 1);
  if (auto on_error = in.get("on-error")) {
    if (on_error->value == "fail") {
      config.on_error = OnError::fail;
    } else if (on_error->value == "pass") {
      config.on_error = OnError::pass;
    } else {
      throw UsageError(fmt::format("{}: expected fail or pass, got \"{}\"", on_error->origin, on_error->value));
    }
  }
  config.verbose = in.flag("verbose");
  config.quiet = in.flag("quiet");
  if (config.verbose && config.quiet) throw UsageError("--verbose and --quiet: choose one");
  config.no_color = in.flag("no-color") || environment("NO_COLOR").has_value();

  config.github_actions = environment("GITHUB_ACTIONS") == "true";
  if (config.github_actions) {
    config.github_step_summary = environment("GITHUB_STEP_SUMMARY");
    config.github_output = environment("GITHUB_OUTPUT");
  }
  config.gitlab_ci = environment("GITLAB_CI") == "true";

  if (!config.from_file) resolve_client(in, config);
  return config;
}

} // namespace gate::config
