// Issue 19, "nothing is overwritten or injected": printable console text, request path segments,
// repository paths, unique finding keys, endpoint URLs that never echo a secret, and outputs that
// never land on an input however the path is spelled.
#include "gate/config/config.hpp"
#include "gate/config/paths.hpp"
#include "gate/error.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/transport.hpp"
#include "gate/policy/finding_attributes.hpp"
#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <set>
#include <unistd.h>

using namespace gate;

namespace {

std::vector<hss::FindingRecord> findings_of(std::string_view kind, const std::string& items) {
  auto page = hss::parse_finding_page(hss::endpoint_for(*hss::finding_kind_named(kind)),
                                      R"({"total_num": 9, "data_list": [)" + items + "]}");
  return page.items;
}

std::string refusal_of(const config::Config& config, const std::vector<std::string>& chain = {}) {
  return test::error_of([&] { config::check_distinct_paths(config, chain); });
}

} // namespace

BOOST_AUTO_TEST_SUITE(output_safety)

BOOST_AUTO_TEST_CASE(the_console_escapes_every_code_point_that_prints_nothing) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"a\u0085b", "a\\u0085b"},           // C1: NEL
      {"a\u009b2Jb", "a\\u009b2Jb"},       // C1: CSI
      {"x\u202Egnp.exe", "x\\u202egnp.exe"}, // bidi override
      {"\u2066iso\u2069", "\\u2066iso\\u2069"},
      {"zero\u200Bwidth\u200D", "zero\\u200bwidth\\u200d"},
      {"line\u2028para\u2029", "line\\u2028para\\u2029"},
      {"\uFEFFbom", "\\ufeffbom"},
      {"tag\U000E0041", "tag\\U000e0041"},
      {"esc\x1b[2J\r\n\t", "esc\\x1b[2J\\r\\n\\t"},
      {"bad\xff\x85", "bad\\xff\\x85"}, // bytes that are not UTF-8 stay \x, unlike U+0085
      {"caf\u00e9 \u4e2d\u6587 \u00a0ok", "caf\u00e9 \u4e2d\u6587 \u00a0ok"},
  };
  for (const auto& [input, expected] : cases) {
    BOOST_TEST(report::printable(input) == expected);
    BOOST_TEST(report::printable_line(input) == expected);
  }
}

BOOST_AUTO_TEST_CASE(github_annotations_escape_what_the_console_escapes) {
  BOOST_TEST(report::github_escape("img\u0085::error::x", false) == "img\\u0085::error::x");
  BOOST_TEST(report::github_escape("rule\u202E, \u009b: t", true) == "rule\\u202e%2C \\u009b%3A t");
  BOOST_TEST(report::github_escape("a\r\nb", false) == "a%0D%0Ab");
}

BOOST_AUTO_TEST_CASE(a_path_parameter_is_one_segment_or_refused) {
  hss::Request request;
  request.path = "/v5/{project_id}/image/{image_id}/vulnerabilities";
  for (std::string id : {"..", "."}) {
    request.path_parameters = {{"image_id", id}};
    BOOST_TEST(test::error_of([&] { hss::encoded_path(request, "p"); }).find("cannot be one path segment") !=
               std::string::npos);
  }
  request.path_parameters = {{"image_id", "../../x"}};
  BOOST_TEST(hss::encoded_path(request, "p") == "/v5/p/image/..%2F..%2Fx/vulnerabilities");
  request.path = "/v5/{project_id}/image/vulnerability/{vul_id}/cve";
  request.path_parameters = {{"vul_id", "a/b%2e"}};
  BOOST_TEST(hss::encoded_path(request, "p") == "/v5/p/image/vulnerability/a%2Fb%252e/cve");
}

BOOST_AUTO_TEST_CASE(a_repository_path_is_relative_inside_and_schemeless) {
  for (std::string good : {"Dockerfile", "docker/api.Dockerfile", "a/b:c/Dockerfile", "..x/Dockerfile", "a..b"}) {
    BOOST_TEST(test::error_of([&] { config::check_repository_path(good, "--sarif-location"); }) == "no error");
  }
  for (std::string bad : {"../x", "/abs/Dockerfile", "https://x/y", "file:///x", "C:\\x", "C:/x", "a/../../b", "a/..",
                          "..", "", "dir\\Dockerfile", "a\u202Eb", "a\nb", "x\xff"}) {
    std::string error = test::error_of([&] { config::check_repository_path(bad, "--image: dockerfile"); });
    BOOST_TEST(error.find("--image: dockerfile: expected a relative path inside the repository") == 0, bad);
  }
}

BOOST_AUTO_TEST_CASE(finding_keys_escape_their_separators_and_never_collide) {
  // Members that differ only in where a separator falls: once "a|b" + "c" and "a" + "b|c".
  auto malware = findings_of("malware", R"({"file_path": "a|b", "file_name": "c"},
                                          {"file_path": "a", "file_name": "b|c"},
                                          {"file_path": "a\\", "file_name": "|c"},
                                          {"file_path": "x#2", "file_name": "y"},
                                          {"file_path": "x", "file_name": "y"},
                                          {"file_path": "x", "file_name": "y"},
                                          {"file_path": "x", "file_name": "y"})");
  auto keys = policy::finding_keys(*hss::finding_kind_named("malware"), malware);
  std::vector<std::string> expected{"a\\|b|c", "a|b\\|c", "a\\\\|\\|c", "x\\#2|y", "x|y", "x|y#2", "x|y#3"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());
  BOOST_TEST(std::set<std::string>(keys.begin(), keys.end()).size() == keys.size());

  auto vulnerabilities = findings_of("vulnerabilities", R"({"vul_id": "V|1", "app_name": "a", "app_path": "", "version": "1"},
                                                          {"vul_id": "V", "app_name": "1|a", "app_path": "", "version": "1"},
                                                          {"vul_id": "V", "app_name": "1|a", "app_path": "", "version": "1"})");
  auto vulnerability_keys = policy::finding_keys(*hss::finding_kind_named("vulnerabilities"), vulnerabilities);
  std::vector<std::string> expected_vulnerabilities{"V\\|1|a||1", "V|1\\|a||1", "V|1\\|a||1#2"};
  BOOST_TEST(vulnerability_keys == expected_vulnerabilities, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_endpoint_never_echoes_userinfo_path_query_or_fragment) {
  for (std::string url : {"https://hss.example.com/?token=SECRET1", "https://hss.example.com?token=SECRET1",
                          "https://user:SECRET1@hss.example.com/", "https://hss.example.com/SECRET1",
                          "https://hss.example.com#SECRET1", "http://SECRET1@127.0.0.1:8080/x?y=SECRET1",
                          "https://us er:SECRET1@bad host/"}) {
    std::string error = test::error_of([&] { hss::parse_endpoint_url(url, "HSS_GATE_ENDPOINT"); });
    BOOST_TEST(error.find("HSS_GATE_ENDPOINT: ") == 0, url);
    BOOST_TEST(error.find("SECRET1") == std::string::npos, error);
  }
  BOOST_TEST(hss::parse_endpoint_url("https://hss.example.com/", "--endpoint").str() == "https://hss.example.com");
}

BOOST_AUTO_TEST_CASE(no_output_lands_on_an_input_however_it_is_spelled) {
  test::TempDir dir;
  std::string policy = dir.write("policy.toml", "version = 1\n");
  std::string base = dir.write("base.toml", "version = 1\n");
  std::filesystem::create_hard_link(policy, dir.path("hard.json"));
  std::filesystem::create_directories(dir.path("sub"));
  config::Config config;
  config.policy_files = {policy};
  for (const auto& [format, path] :
       std::vector<std::pair<std::string, std::string>>{{"json", dir.path("hard.json")},
                                                        {"junit", dir.path("sub/../policy.toml")},
                                                        {"dotenv", dir.path("./policy.toml")},
                                                        {"sarif", dir.path("sub/../base.toml")}}) {
    config.reports = {{format, path}};
    std::string error = refusal_of(config, {policy, base});
    BOOST_TEST(error.find("--" + format + " ") == 0, error);
    BOOST_TEST(error.find("would overwrite the policy file") != std::string::npos, error);
  }
  config.reports = {{"json", dir.path("r.json")}, {"summary", dir.path("sub/../r.json")}};
  BOOST_TEST(refusal_of(config).find("two reports on one path") != std::string::npos);
  config.reports = {{"json", dir.path("r.json")}};
  config.github_output = dir.path("./r.json");
  BOOST_TEST(refusal_of(config).find("--json") != std::string::npos);
  config.github_output = policy;
  BOOST_TEST(refusal_of(config).find("GITHUB_OUTPUT") == 0);
  config.github_output.reset();
  config.save_bundle = dir.path("hard.json");
  BOOST_TEST(refusal_of(config).find("--save-bundle") == 0);
  config.save_bundle = dir.path("bundle.json");
  BOOST_TEST(refusal_of(config) == "no error");
}

BOOST_AUTO_TEST_SUITE_END()
