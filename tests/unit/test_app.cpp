#include "gate/app.hpp"
#include "gate/error.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <iostream>
#include <map>
#include <sstream>

namespace {

using test::Run;

Run run(std::vector<std::string> words, std::map<std::string, std::string> variables) {
  return test::run_program(std::move(words), std::move(variables));
}

const std::string k_clean = HSS_GATE_TEST_DATA "/responses/clean.json";
const std::vector<std::string> k_check{"check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file",
                                       k_clean, "-q"};

} // namespace

BOOST_AUTO_TEST_SUITE(app)

// The clock pin comes from the environment the program is given, not the process's own.
BOOST_AUTO_TEST_CASE(hss_gate_now_is_read_from_the_injected_environment) {
  auto bad = run(k_check, {{"HSS_GATE_NOW", "yesterday"}});
  BOOST_TEST(bad.code == gate::k_exit_usage);
  BOOST_TEST(bad.err.find("HSS_GATE_NOW: expected a date-time") != std::string::npos);
  auto pinned = run({"check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file", k_clean},
                    {{"HSS_GATE_NOW", "2026-11-27T12:00:00Z"}});
  BOOST_TEST(pinned.code == gate::k_exit_pass);
  BOOST_TEST(pinned.out.find("the clock is pinned by HSS_GATE_NOW to 2026-11-27T12:00:00Z") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(annotations_name_the_kind_of_error) {
  auto usage = run({"check", "--image-version", "1"}, {{"GITHUB_ACTIONS", "true"}});
  BOOST_TEST(usage.code == gate::k_exit_usage);
  BOOST_TEST(usage.out.find("::error title=hss-gate configuration error::--cicd-name: required") == 0u);
  auto broken = run({"check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file",
                     HSS_GATE_TEST_DATA "/responses/truncated.json", "-q"},
                    {{"GITHUB_ACTIONS", "true"}});
  BOOST_TEST(broken.code == gate::k_exit_service);
  BOOST_TEST(broken.out.find("title=hss-gate configuration error") == std::string::npos);
  BOOST_TEST(broken.out.find("::error title=hss-gate%3A HSS could not be read::") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_json_report_says_its_schema_version_first) {
  test::TempDir dir;
  auto words = k_check;
  words.insert(words.end(), {"--json", dir.path("r.json"), "--junit", dir.path("j.xml")});
  auto passing = run(words, {});
  BOOST_TEST(passing.code == gate::k_exit_pass);
  BOOST_TEST(test::read_file(dir.path("r.json")).find("{\n  \"schema_version\": 1,\n") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
