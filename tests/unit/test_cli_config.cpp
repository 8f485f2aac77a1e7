#include "gate/cli/options.hpp"
#include "gate/config/config.hpp"
#include "gate/config/paths.hpp"
#include "gate/error.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <sys/stat.h>

using namespace gate;

namespace {

cli::Arguments parse(std::vector<std::string> words) {
  words.insert(words.begin(), "hss-gate");
  return cli::parse_arguments(words);
}

config::Environment env_of(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string usage_error(const std::vector<std::string>& words, std::map<std::string, std::string> env = {}) {
  try {
    config::resolve_config(parse(words), env_of(env));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

const std::map<std::string, std::string> k_online{{"HSS_GATE_PROJECT_ID", "p1"},
                                                  {"HSS_GATE_REGION", "ap-southeast-1"},
                                                  {"HSS_GATE_AUTH_TOKEN", "secret-token"}};

} // namespace

BOOST_AUTO_TEST_SUITE(cli_config)

BOOST_AUTO_TEST_CASE(commands_and_flags_parse_in_both_spellings) {
  auto arguments = parse({"check", "--cicd-name", "a", "--image-version=1", "--policy", "x.toml", "--policy=y.toml", "-v"});
  BOOST_TEST((arguments.command == cli::Command::check));
  BOOST_TEST(arguments.flags["cicd-name"].front() == "a");
  BOOST_TEST(arguments.flags["image-version"].front() == "1");
  BOOST_TEST(arguments.flags["policy"].size() == 2u);
  BOOST_TEST(arguments.flags["verbose"].front() == "true");
  BOOST_TEST((parse({"policy", "lint", "a.toml", "b.toml"}).files.size() == 2u));
  BOOST_TEST((parse({"--version"}).command == cli::Command::version));
  BOOST_TEST((*parse({"check", "--help"}).help_for == cli::Command::check));
}

BOOST_AUTO_TEST_CASE(bad_command_lines_are_usage_errors_that_say_why) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"chek"}, "unknown command 'chek'"},
      {{"check", "--cicd"}, "unknown flag --cicd"},
      {{"check", "--cicd-name"}, "--cicd-name needs a value"},
      {{"check", "--cicd-name", "a", "--cicd-name", "b"}, "--cicd-name given twice"},
      {{"check", "stray"}, "unexpected argument 'stray'"},
      {{"check", "--quiet=yes"}, "--quiet takes no value"},
      {{"policy"}, "policy needs a subcommand"},
      {{"policy", "lint"}, "policy lint needs at least one FILE"},
      {{"policy", "fmt", "a"}, "unknown policy subcommand 'fmt'"},
  };
  for (const auto& [words, expected] : cases) {
    BOOST_TEST_CONTEXT(words.front()) {
      try {
        parse(words);
        BOOST_FAIL("expected a usage error");
      } catch (const UsageError& e) {
        BOOST_TEST(std::string(e.what()).find(expected) != std::string::npos, e.what());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(every_flag_reads_its_environment_variable_and_a_flag_wins) {
  BOOST_TEST(cli::environment_name("cicd-name") == "HSS_GATE_CICD_NAME");
  auto config = config::resolve_config(parse({"check", "--image-version", "flag"}),
                                       env_of({{"HSS_GATE_CICD_NAME", "from-env"},
                                               {"HSS_GATE_IMAGE_VERSION", "env"},
                                               {"HSS_GATE_FROM_FILE", HSS_GATE_TEST_DATA "/../../examples/list-cicd-images.json"},
                                               {"HSS_GATE_JSON", "r.json"},
                                               {"HSS_GATE_QUIET", "true"}}));
  BOOST_TEST(config.images.at(0).query.cicd_name == "from-env");
  BOOST_TEST(config.images.at(0).query.image_version == "flag");
  BOOST_TEST(config.reports.at("json") == "r.json");
  BOOST_TEST(config.quiet);
}

BOOST_AUTO_TEST_CASE(the_region_is_known_from_the_flag_or_from_an_hss_endpoint_host) {
  auto with = [](std::map<std::string, std::string> env) {
    env.emplace("HSS_GATE_PROJECT_ID", "p1");
    env.emplace("HSS_GATE_AUTH_TOKEN", "secret-token");
    return config::resolve_config(parse({"check", "--cicd-name", "a", "--image-version", "1"}), env_of(env)).region;
  };
  BOOST_TEST(with({{"HSS_GATE_REGION", "ap-southeast-1"}}).value_or("") == "ap-southeast-1");
  BOOST_TEST(with({{"HSS_GATE_ENDPOINT", "https://hss.eu-west-101.myhuaweicloud.eu"}}).value_or("") == "eu-west-101");
  BOOST_TEST(with({{"HSS_GATE_ENDPOINT", "https://hss.cn-north-4.myhuaweicloud.com"},
                   {"HSS_GATE_REGION", "ap-southeast-1"}})
                 .value_or("") == "ap-southeast-1"); // --region says it first
  BOOST_TEST(!with({{"HSS_GATE_ENDPOINT", "https://hss-proxy.example.com"}}).has_value());
  BOOST_TEST(!with({{"HSS_GATE_ENDPOINT", "https://hss.cn-north-4.example.com"}}).has_value()); // not Huawei's
}

BOOST_AUTO_TEST_CASE(a_sarif_location_stays_inside_the_repository) {
  auto location = [](const std::string& path) {
    return config::resolve_config(parse({"check", "--cicd-name", "a", "--image-version", "1", "--sarif-location", path}),
                                  env_of(k_online))
        .sarif_location;
  };
  BOOST_TEST(location("docker/api.Dockerfile") == "docker/api.Dockerfile");
  BOOST_TEST(location("a..b/Dockerfile") == "a..b/Dockerfile");
  for (std::string bad : {"/etc/passwd", "../x", "a/../../x", "a\\b", "a\nb"}) {
    BOOST_TEST(usage_error({"check", "--cicd-name", "a", "--image-version", "1", "--sarif-location", bad}, k_online)
                   .find("--sarif-location: expected a relative path") != std::string::npos,
               bad);
  }
}

BOOST_AUTO_TEST_CASE(documented_ranges_are_enforced_before_anything_is_looked_up) {
  std::string file = HSS_GATE_TEST_DATA "/../../examples/list-cicd-images.json";
  std::vector<std::string> base{"check", "--from-file", file};
  auto with = [&](std::vector<std::string> extra) {
    auto words = base;
    words.insert(words.end(), extra.begin(), extra.end());
    return usage_error(words);
  };
  BOOST_TEST(with({"--image-version", "1"}).find("--cicd-name: required") != std::string::npos);
  BOOST_TEST(with({"--cicd-name", "a"}).find("--image-version: required") != std::string::npos);
  BOOST_TEST(with({"--cicd-name", std::string(129, 'a'), "--image-version", "1"}) ==
             "--cicd-name: expected 0 to 128 characters, got 129");
  BOOST_TEST(with({"--cicd-name", "", "--image-version", "1"}) == "no error");
  BOOST_TEST(with({"--cicd-name", "a", "--image-version", std::string(65, 'v')}) ==
             "--image-version: expected 1 to 64 characters, got 65");
  // 64 characters of two bytes each are still 64 characters.
  std::string wide;
  for (int i = 0; i < 64; ++i) wide += "\xC3\xA9";
  BOOST_TEST(with({"--cicd-name", "a", "--image-version", wide}) == "no error");
  BOOST_TEST(with({"--cicd-name", "a", "--image-version", "1", "--image-name", ""}) ==
             "--image-name: expected 1 to 128 characters, got 0");
  BOOST_TEST(with({"--cicd-name", "a", "--image-version", "1", "--namespace", std::string(129, 'n')}) ==
             "--namespace: expected 1 to 128 characters, got 129");
  BOOST_TEST(with({"--cicd-name", "a\xff", "--image-version", "1"}).find("--cicd-name: expected printable UTF-8 text") ==
             0u);
  BOOST_TEST(with({"--cicd-name", "a", "--image-version", "1", "--wait", "soon"}).find("--from-file and --wait") == 0u);
  BOOST_TEST(with({"--cicd-name", "a", "--image-version", "1", "--image-digest", "latest"}).find("--image-digest") == 0u);
  BOOST_TEST(with({"--cicd-name", "a", "--image-version", "1", "--on-error", "ignore"}) ==
             "--on-error: expected fail or pass, got \"ignore\"");
  BOOST_TEST(with({"--cicd-name", "a", "--image-version", "1", "--policy", "/no/such.toml"}).find("no such policy file") !=
             std::string::npos);
  BOOST_TEST(with({"--cicd-name", "a", "--image-version", "1", "--junit", "/no/such/dir/j.xml"}).find("does not exist") !=
             std::string::npos);
  BOOST_TEST(usage_error({"check", "--cicd-name", "a", "--image-version", "1"}, {{"HSS_GATE_VERBOSE", "maybe"}, {"HSS_GATE_FROM_FILE", file}}) ==
             "HSS_GATE_VERBOSE: expected true or false, got \"maybe\"");
}

// Found by fuzz_cli: a path longer than PATH_MAX made std::filesystem throw, an internal error
// (exit 3) instead of a usage error.
BOOST_AUTO_TEST_CASE(an_impossibly_long_path_is_a_usage_error) {
  std::string long_path(5000, 'l');
  for (const char* flag : {"--policy", "--from-file", "--junit"}) {
    BOOST_TEST_CONTEXT(flag) {
      std::string message = usage_error({"check", "--cicd-name", "a", "--image-version", "1", flag, long_path});
      BOOST_TEST(message.find(std::string(flag)) == 0u, message);
    }
  }
}

BOOST_AUTO_TEST_CASE(online_lookups_need_project_endpoint_and_credentials) {
  std::vector<std::string> words{"check", "--cicd-name", "a", "--image-version", "1"};
  auto without = [&](const std::string& name) {
    auto env = k_online;
    env.erase(name);
    return usage_error(words, env);
  };
  BOOST_TEST(without("HSS_GATE_PROJECT_ID").find("--project-id: required") == 0u);
  BOOST_TEST(without("HSS_GATE_REGION").find("--region or --endpoint: required") == 0u);
  BOOST_TEST(without("HSS_GATE_AUTH_TOKEN").find("no HSS credentials") == 0u);
  auto env = k_online;
  env.erase("HSS_GATE_AUTH_TOKEN");
  env["HUAWEICLOUD_SDK_AK"] = "AK";
  BOOST_TEST(usage_error(words, env).find("no secret key") != std::string::npos);

  auto config = config::resolve_config(parse(words), env_of(k_online));
  BOOST_TEST(config.transport->endpoint.str() == "https://hss.ap-southeast-1.myhuaweicloud.com");
  BOOST_TEST(config.transport->credentials.auth_token == "secret-token");

  env = k_online;
  env["HSS_GATE_REGION"] = "eu-west-101";
  BOOST_TEST(config::resolve_config(parse(words), env_of(env)).transport->endpoint.str() == "https://hss.eu-west-101.myhuaweicloud.eu");
  env["HSS_GATE_ENDPOINT"] = "http://127.0.0.1:8080";
  env["CLOUD_SDK_AK"] = "ak";
  env["CLOUD_SDK_SK"] = "sk";
  env.erase("HSS_GATE_AUTH_TOKEN");
  env["HUAWEICLOUD_SDK_PROJECT_ID"] = "p2";
  env.erase("HSS_GATE_PROJECT_ID");
  auto aksk = config::resolve_config(parse(words), env_of(env));
  BOOST_TEST(aksk.transport->endpoint.str() == "http://127.0.0.1:8080");
  BOOST_TEST(aksk.transport->credentials.access_key == "ak");
  BOOST_TEST(aksk.transport->project_id == "p2");
  env["HSS_GATE_ENDPOINT"] = "https://hss.example.com/v5";
  BOOST_TEST(usage_error(words, env).find("HSS_GATE_ENDPOINT: expected http(s)://host[:port] with no path") == 0u);
}

BOOST_AUTO_TEST_CASE(the_branch_comes_from_the_flag_or_the_ci_system) {
  std::string file = HSS_GATE_TEST_DATA "/../../examples/list-cicd-images.json";
  auto branch_of = [&](std::vector<std::string> extra, std::map<std::string, std::string> env) {
    std::vector<std::string> words{"check", "--cicd-name", "a", "--image-version", "1", "--from-file", file};
    words.insert(words.end(), extra.begin(), extra.end());
    return config::resolve_config(parse(words), env_of(env)).branch.value_or("(none)");
  };
  BOOST_TEST(branch_of({}, {}) == "(none)");
  BOOST_TEST(branch_of({}, {{"CI_COMMIT_REF_NAME", "gl"}}) == "gl");
  BOOST_TEST(branch_of({}, {{"GITHUB_REF_NAME", "gh"}, {"CI_COMMIT_REF_NAME", "gl"}}) == "gh");
  BOOST_TEST(branch_of({"--branch", "flag"}, {{"GITHUB_REF_NAME", "gh"}}) == "flag");
}

BOOST_AUTO_TEST_CASE(loopback_hosts_are_recognised) {
  for (std::string host : {"127.0.0.1", "127.8.9.10", "localhost", "::1"}) BOOST_TEST(hss::is_loopback_host(host));
  for (std::string host : {"128.0.0.1", "127.0.0.1.example.com", "localhost.evil", "10.0.0.1"}) {
    BOOST_TEST(!hss::is_loopback_host(host));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(offline_mode)

const std::string k_saved = HSS_GATE_TEST_DATA "/../../examples/list-cicd-images.json";

// --from-file together with an online-only setting would silently ignore one of them.
BOOST_AUTO_TEST_CASE(from_file_with_an_online_setting_is_a_usage_error_naming_both) {
  std::vector<std::string> words{"check", "--cicd-name", "a", "--image-version", "1", "--from-file", k_saved};
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--endpoint", "https://h"}, {"--region", "ap-southeast-1"}, {"--project-id", "p"}, {"--wait", "1m"},
           {"--poll-interval", "5s"}, {"--timeout", "5s"}, {"--ca-file", k_saved}, {"--insecure", ""},
           {"--enterprise-project-id", "e"}}) {
    auto with = words;
    with.push_back(flag);
    if (!value.empty()) with.push_back(value);
    BOOST_TEST(usage_error(with, {}).find("--from-file and " + flag + ": ") == 0u);
  }
  // From the environment, HSS_GATE_FROM_FILE with any online setting is refused too.
  std::vector<std::string> plain{"check", "--cicd-name", "a", "--image-version", "1"};
  BOOST_TEST(usage_error(plain, {{"HSS_GATE_FROM_FILE", k_saved}, {"HSS_GATE_PROJECT_ID", "p"}}) ==
             "HSS_GATE_FROM_FILE and HSS_GATE_PROJECT_ID: a saved response is read offline, so online settings "
             "cannot apply; drop one of them");
  auto with_flag = plain;
  with_flag.insert(with_flag.end(), {"--timeout", "5s"});
  BOOST_TEST(usage_error(with_flag, {{"HSS_GATE_FROM_FILE", k_saved}}).find("HSS_GATE_FROM_FILE and --timeout") == 0u);
}

BOOST_AUTO_TEST_CASE(from_file_as_a_flag_ignores_project_wide_online_variables_with_a_warning) {
  auto config = config::resolve_config(
      parse({"check", "--cicd-name", "a", "--image-version", "1", "--from-file", k_saved}),
      env_of({{"HSS_GATE_PROJECT_ID", "p"}, {"HSS_GATE_REGION", "ap-southeast-1"}}));
  BOOST_TEST(!config.transport);
  BOOST_REQUIRE(config.warnings.size() == 1u);
  BOOST_TEST(config.warnings[0] == "--from-file: reading offline, so HSS_GATE_REGION, HSS_GATE_PROJECT_ID are ignored");
}

BOOST_AUTO_TEST_CASE(every_flag_name_the_code_reads_is_in_the_flag_table) {
  BOOST_CHECK_THROW(cli::flag_named("cicd_name"), std::logic_error);
  BOOST_CHECK_THROW(cli::flag_named("junit-xml"), std::logic_error);
  for (const auto& flag : cli::check_flags()) BOOST_TEST(cli::flag_named(flag.name).name == flag.name);
  // Every setting, online and offline, resolves without reading a name outside the table.
  std::vector<std::string> words{"check", "--cicd-name", "a", "--image-version", "1", "--wait", "1m",
                                 "--poll-interval", "5s", "--timeout", "5s", "--insecure", "--enterprise-project-id",
                                 "e", "--branch", "b", "--environment", "prod", "--on-error", "pass", "-v", "--no-color"};
  auto config = config::resolve_config(parse(words), env_of({{"HSS_GATE_PROJECT_ID", "p"},
                                                             {"HSS_GATE_ENDPOINT", "https://hss.example.com"},
                                                             {"HSS_GATE_AUTH_TOKEN", "t"}}));
  BOOST_TEST(config.transport->timeout.count() == 5);
  BOOST_TEST(config.wait->count() == 60);
  words[6] = "soon";
  BOOST_TEST(usage_error(words, {{"HSS_GATE_PROJECT_ID", "p"}, {"HSS_GATE_ENDPOINT", "https://h.example.com"},
                                 {"HSS_GATE_AUTH_TOKEN", "t"}})
                 .find("--wait: expected a duration") == 0u);
}

BOOST_AUTO_TEST_CASE(reports_may_not_share_a_path_or_overwrite_an_input) {
  test::TempDir dir;
  auto policy = dir.write("p.toml", "version = 1\n");
  std::vector<std::string> words{"check", "--cicd-name", "a", "--image-version", "1", "--from-file", k_saved};
  auto with = [&](std::vector<std::string> extra) {
    auto all = words;
    all.insert(all.end(), extra.begin(), extra.end());
    return usage_error(all, {});
  };
  BOOST_TEST(with({"--junit", dir.path("r"), "--json", dir.path("r")}).find("two reports on one path") !=
             std::string::npos);
  BOOST_TEST(with({"--policy", policy, "--json", policy}).find("would overwrite the policy file") != std::string::npos);
  BOOST_TEST(with({"--summary", k_saved}).find("would overwrite --from-file") != std::string::npos);
  std::filesystem::create_directory(dir.path("folder"));
  BOOST_TEST(with({"--json", dir.path("folder")}).find("is a folder, expected a regular file") != std::string::npos);
  std::filesystem::create_symlink(policy, dir.path("link"));
  BOOST_TEST(with({"--json", dir.path("link")}).find("is a symbolic link") != std::string::npos);
  BOOST_TEST(with({"--json", "/dev/null"}).find("is a device or special file") != std::string::npos);
}

// An input that is not a regular file is named for what it is, and never opened: a FIFO would
// block the run and a folder is not "no such file".
BOOST_AUTO_TEST_CASE(inputs_that_are_not_regular_files_say_what_they_are) {
  test::TempDir dir;
  std::filesystem::create_directory(dir.path("folder"));
  const std::string fifo = dir.path("fifo");
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::vector<std::string> base{"check", "--cicd-name", "a", "--image-version", "1"};
  for (const std::string flag : {"--images", "--policy", "--ca-file"}) {
    for (const auto& [path, kind] : std::vector<std::pair<std::string, std::string>>{
             {dir.path("folder"), "is a folder"}, {fifo, "is a FIFO"}, {"/dev/null", "is a device"}}) {
      auto words = base;
      words.insert(words.end(), {flag, path});
      std::string error = usage_error(words, k_online);
      BOOST_TEST(error.find(flag + " " + path + ": " + kind + ", expected a regular file") == 0u, flag << ": " << error);
    }
  }
  BOOST_TEST(usage_error(base, {{"HSS_GATE_PROJECT_ID", "p1"}, {"HSS_GATE_REGION", "ap-southeast-1"},
                                {"HSS_GATE_AUTH_TOKEN", "t"}, {"SSL_CERT_FILE", fifo}})
                 .find("SSL_CERT_FILE " + fifo + ": is a FIFO") == 0u);
}

BOOST_AUTO_TEST_CASE(a_key_given_twice_in_one_spec_is_a_usage_error) {
  for (const std::string spec : {"cicd_name=a,image_version=1,image_version=2", "cicd_name=a,image_version=1,image_name=x,image_name=y",
                                 "cicd_name=a,cicd_name=a,image_version=1"}) {
    std::string error = usage_error({"check", "--image", spec}, k_online);
    BOOST_TEST(error.find("is given twice: expected each key once") != std::string::npos, spec << ": " << error);
  }
}

// The `extends` chain is known only once the policy is loaded: a report on any file of it is refused too.
BOOST_AUTO_TEST_CASE(no_report_may_overwrite_a_file_the_policy_extends) {
  test::TempDir dir;
  auto base = dir.write("org.toml", "version = 1\n");
  auto repo = dir.write("repo.toml", "version = 1\nextends = [\"org.toml\"]\n");
  for (const std::string flag : {"--dotenv", "--json", "--sarif"}) {
    auto config = config::resolve_config(
        parse({"check", "--cicd-name", "a", "--image-version", "1", "--from-file", k_saved, "--policy", repo, flag, base}),
        env_of({}));
    try {
      config::check_distinct_paths(config, {repo, base});
      BOOST_ERROR(flag << " on the extended file was accepted");
    } catch (const UsageError& e) {
      BOOST_TEST(std::string(e.what()).find("would overwrite the policy file " + base) != std::string::npos, e.what());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(action_inputs)

// Where the GitHub Action runs the gate, messages name its inputs, not only flags and variables.
BOOST_AUTO_TEST_CASE(messages_name_the_action_input) {
  std::map<std::string, std::string> env{{"HSS_GATE_CALLER", "github-action"}, {"HSS_GATE_IMAGE_VERSION", "1"}};
  BOOST_TEST(usage_error({"check"}, env).find("input cicd-name: required (or HSS_GATE_CICD_NAME)") == 0u);
  env["HSS_GATE_CICD_NAME"] = std::string(129, 'a');
  BOOST_TEST(usage_error({"check"}, env) ==
             "input cicd-name (HSS_GATE_CICD_NAME): expected 0 to 128 characters, got 129");
  env["HSS_GATE_CICD_NAME"] = "shop";
  BOOST_TEST(usage_error({"check"}, env).find("input project-id: required") == 0u);
  env.erase("HSS_GATE_CALLER");
  BOOST_TEST(usage_error({"check"}, env).find("--project-id: required") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(offline_project_id)

// A project-wide HUAWEICLOUD_SDK_PROJECT_ID is --project-id's setting from the environment.
BOOST_AUTO_TEST_CASE(the_sdk_project_variable_counts_as_an_online_setting) {
  const std::string saved = HSS_GATE_TEST_DATA "/../../examples/list-cicd-images.json";
  BOOST_TEST(usage_error({"check", "--cicd-name", "a", "--image-version", "1"},
                         {{"HSS_GATE_FROM_FILE", saved}, {"HUAWEICLOUD_SDK_PROJECT_ID", "p"}})
                 .find("HSS_GATE_FROM_FILE and HUAWEICLOUD_SDK_PROJECT_ID") == 0u);
  auto config = config::resolve_config(parse({"check", "--cicd-name", "a", "--image-version", "1", "--from-file", saved}),
                                       env_of({{"HUAWEICLOUD_SDK_PROJECT_ID", "p"}}));
  BOOST_TEST(config.warnings.at(0).find("HUAWEICLOUD_SDK_PROJECT_ID is ignored") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
