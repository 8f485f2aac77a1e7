#include "gate/error.hpp"
#include "gate/hss/cicd_images.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

using namespace gate::hss;

namespace {

std::string message_of(const std::string& body) {
  return test::error_of([&] { parse_cicd_images_page(body); });
}

} // namespace

BOOST_AUTO_TEST_SUITE(response)

BOOST_AUTO_TEST_CASE(documented_shape_reads_every_field) {
  Page<Record> page = parse_cicd_images_page(R"({"total_num": 1, "data_list": [{
    "image_id": "i1", "cicd_name": "c", "namespace": "n", "image_name": "img", "image_digest": "sha256:ab",
    "image_version": "v1", "registry_name": "r", "image_type": "cicd", "registry_type": "cicd",
    "pipeline_type": "jenkins", "latest_version": true, "scan_status": "failed", "scan_failed_desc": "Unknown error.",
    "scan_failed_code": "unknown_error", "image_size": 2147483547, "latest_update_time": 1687664346000,
    "latest_scan_time": 1691748641788, "vul_num": 2147483647, "unsafe_setting_num": 1, "malicious_file_num": 0,
    "severity_level": "High"}]})");
  BOOST_TEST(*page.total_num == 1);
  BOOST_REQUIRE(page.items.size() == 1u);
  const Record& r = page.items[0];
  BOOST_TEST(r.image_id == "i1");
  BOOST_TEST(r.namespace_name == "n");
  BOOST_TEST(r.pipeline_type == "jenkins");
  BOOST_TEST(*r.latest_version == true);
  BOOST_TEST(r.scan_failed_code == "unknown_error");
  BOOST_TEST(*r.image_size == 2147483547);
  BOOST_TEST(*r.latest_scan_time == 1691748641788);
  BOOST_TEST(*r.vul_num == 2147483647);
  BOOST_TEST(r.severity_level == "High");
}

BOOST_AUTO_TEST_CASE(the_api_page_example_shape_is_accepted) {
  // data_list as one object and image_size as "1,000 (bytes)", exactly as the API page shows it.
  Page<Record> page = parse_cicd_images_page(R"json({"total_num": 1, "data_list": {"image_digest": "sha256:cebc", "image_id": "cebc",
    "image_name": "centos7", "image_size": "1,000 (bytes)", "image_type": "cicd", "image_version": "common",
    "latest_scan_time": 1691748641788, "latest_update_time": 1687664346000, "latest_version": false,
    "malicious_file_num": 0, "namespace": "aaa", "scan_status": "success", "unsafe_setting_num": 1,
    "vul_num": 111}})json");
  BOOST_REQUIRE(page.items.size() == 1u);
  BOOST_TEST(*page.items[0].image_size == 1000);
  BOOST_TEST(*page.items[0].vul_num == 111);
  BOOST_TEST(!page.items[0].severity_level);
}

BOOST_AUTO_TEST_CASE(long_digit_runs_inside_strings_are_fine) {
  Page<Record> page = parse_cicd_images_page(R"({"total_num": 1, "data_list": [{"scan_status": "success",
    "image_id": "123456789012345678901234567890", "scan_failed_desc": "a \"quoted\" 123456789012345678901234"}]})");
  BOOST_TEST(page.items[0].image_id == "123456789012345678901234567890");
}

BOOST_AUTO_TEST_CASE(absent_and_null_members_stay_unset) {
  Page<Record> page = parse_cicd_images_page(R"({"total_num": 1, "data_list": [{"cicd_name": "c", "image_version": "v",
    "scan_status": "scanning", "vul_num": null}]})");
  BOOST_TEST(!page.items[0].vul_num.has_value());
  BOOST_TEST(!page.items[0].latest_scan_time.has_value());
}

BOOST_AUTO_TEST_CASE(an_empty_list_is_a_page_without_records) {
  BOOST_TEST(parse_cicd_images_page(R"({"total_num": 0, "data_list": []})").items.empty());
  BOOST_TEST(parse_cicd_images_page(R"({"total_num": 0})").items.empty());
}

BOOST_AUTO_TEST_CASE(bad_bodies_name_the_member_and_what_was_expected) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"<html>502 Bad Gateway</html>", "not valid JSON"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success", "vul_num": "7"}]})",
       "data_list[0].vul_num: expected an integer, got a string"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success", "vul_num": -1}]})",
       "data_list[0].vul_num: expected an integer from 0 to 2147483647, got -1"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success", "vul_num": 1.5}]})",
       "data_list[0].vul_num: expected an integer, got a number"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success", "vul_num": 1e3}]})",
       "data_list[0].vul_num: expected an integer, got a number written with a fraction or an exponent (1000.0)"},
      {R"({"total_num": 1E1, "data_list": []})", "response.total_num: expected an integer, got a number written"},
      {R"({"total_num": 2, "data_list": null})", "response.data_list: expected an array of records, since total_num is 2"},
      {R"({"total_num": 1})", "response.data_list: expected an array of records, since total_num is 1, got no data_list"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "done"}]})", "data_list[0].scan_status: expected one of"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success", "severity_level": "Critical"}]})",
       "data_list[0].severity_level: expected one of Security, Low, Medium, High"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success", "latest_version": "yes"}]})",
       "data_list[0].latest_version: expected a boolean"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success", "image_size": "big"}]})",
       "data_list[0].image_size: expected a byte count"},
      {R"({"total_num": 1, "data_list": "x"})", "response.data_list: expected an array of objects, got a string"},
      {R"({"total_num": 1, "data_list": [7]})", "data_list[0]: expected an object, got an integer"},
      {R"({"total_num": "1", "data_list": []})", "response.total_num: expected an integer"},
      {R"([1, 2])", "response: expected a JSON object, got an array"},
      {R"({"error_code": "HSS.0001"})", "expected members total_num and data_list"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success")", "not valid JSON"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success", "vul_num": 18446744073709551616}]})",
       "a number is out of the 64-bit range"},
      {R"({"total_num": 1, "data_list": [{"scan_status": "success", "vul_num": 9223372036854775808}]})",
       "data_list[0].vul_num: expected an integer from 0 to 2147483647"},
  };
  for (const auto& [body, expected] : cases) {
    BOOST_TEST_CONTEXT(body) {
      std::string message = message_of(body);
      BOOST_TEST(message.find(expected) != std::string::npos, message);
      BOOST_TEST(message.find("unreadable HSS response") == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(only_exact_matches_count_and_a_foreign_digest_is_stale) {
  auto a = test::clean_record();
  auto loose = a;
  loose.cicd_name = "shop-legacy";
  auto other_tag = a;
  other_tag.image_version = "1.0.0-rc1";
  auto other_name = a;
  other_name.image_name = "worker";
  Query query = test::query_for(a);
  Lookup all = select_matches(query, {a, loose, other_tag, other_name});
  BOOST_TEST(all.records.size() == 2u); // web and worker: both built by the pipeline

  query.image_name = "web";
  BOOST_TEST(select_matches(query, {a, loose, other_tag, other_name}).records.size() == 1u);

  query.image_digest = "sha256:bbbb";
  Lookup stale = select_matches(query, {a});
  BOOST_TEST(stale.records.empty());
  BOOST_TEST(stale.stale_digest.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
