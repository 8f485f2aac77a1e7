#include "gate/cli/options.hpp"
#include "gate/config/config.hpp"
#include "gate/error.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/hss/lookup.hpp"
#include "gate/hss/registry_scan.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

using namespace gate;
using namespace gate::hss;

namespace {

const std::string k_digest = "sha256:" + std::string(64, 'b');

Record registry_record() {
  Record record;
  record.source = Source::registry;
  record.id = 4711;
  record.image_id = "reg-1";
  record.namespace_name = "team";
  record.image_name = "web";
  record.image_version = "2.0.0";
  record.image_digest = k_digest;
  record.image_type = "private_image";
  record.registry_id = "swr";
  record.registry_name = "swr-private";
  record.registry_type = "SwrPrivate";
  record.scan_status = "success";
  return record;
}

Query registry_query() {
  Query query;
  query.source = Source::registry;
  query.namespace_name = "team";
  query.image_name = "web";
  query.image_version = "2.0.0";
  query.image_digest = k_digest;
  query.image_type = "private_image";
  return query;
}

std::string value_of(const Pairs& pairs, std::string_view key) {
  for (const auto& [name, value] : pairs) {
    if (name == key) return value;
  }
  return "(absent)";
}

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

const std::vector<std::string> k_registry_flags{"check", "--from-file", HSS_GATE_TEST_DATA "/responses/clean.json",
                                                "--source", "registry", "--namespace", "team", "--image-name", "web",
                                                "--image-version", "2.0.0", "--image-digest",
                                                "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"};

} // namespace

BOOST_AUTO_TEST_SUITE(registry)

BOOST_AUTO_TEST_CASE(the_registry_list_is_asked_with_its_own_path_filters_and_limit) {
  Request request = cicd_images_request(registry_query(), 0, 200);
  BOOST_TEST(request.path == "/v5/{project_id}/image/registries/images");
  BOOST_TEST(request.operation == "ListRegistryImages");
  BOOST_TEST(value_of(request.query, "image_type") == "private_image");
  BOOST_TEST(value_of(request.query, "namespace") == "team");
  BOOST_TEST(value_of(request.query, "cicd_name") == "(absent)");
  Query enterprise = registry_query();
  enterprise.image_type = "instance_image";
  enterprise.instance_id = "ins-1";
  BOOST_TEST(value_of(cicd_images_request(enterprise, 0, 200).query, "instance_id") == "ins-1");
  BOOST_TEST(value_of(cicd_images_request(test::query_for(test::clean_record()), 0, 200).query, "cicd_name") == "shop");
}

BOOST_AUTO_TEST_CASE(a_registry_record_matches_only_its_type_instance_and_names) {
  Query query = registry_query();
  BOOST_TEST(matches_exactly(query, registry_record()));
  Record shared = registry_record();
  shared.image_type = "shared_image";
  BOOST_TEST(!matches_exactly(query, shared));
  Record cicd = registry_record();
  cicd.source = Source::cicd;
  BOOST_CHECK_MESSAGE(!matches_exactly(query, cicd), "a record of the other list is another image");
  Query enterprise = query;
  enterprise.image_type = "instance_image";
  enterprise.instance_id = "ins-1";
  Record other_instance = registry_record();
  other_instance.image_type = "instance_image";
  other_instance.instance_id = "ins-2";
  BOOST_TEST(!matches_exactly(enterprise, other_instance));
  other_instance.instance_id = "ins-1";
  BOOST_TEST(matches_exactly(enterprise, other_instance));
}

BOOST_AUTO_TEST_CASE(a_registry_page_reads_the_registry_members) {
  Page<Record> page = parse_cicd_images_page(R"({"total_num": 1, "data_list": [{"id": 4711, "image_id": "r",
      "namespace": "team", "image_name": "web", "image_version": "2.0.0", "scan_status": "unscan",
      "registry_id": "swr", "instance_id": "ins-1", "instance_url": "https://x", "latest_sync_time": 5,
      "scannable": false, "is_multiple_arch": true}]})",
                                             Source::registry);
  const Record& record = page.items.at(0);
  BOOST_TEST((record.source == Source::registry));
  BOOST_TEST(record.id.value_or(0) == 4711);
  BOOST_TEST(record.registry_id.value_or("") == "swr");
  BOOST_TEST(record.instance_url.value_or("") == "https://x");
  BOOST_TEST(!record.scannable.value_or(true));
  BOOST_TEST(record.is_multiple_arch.value_or(false));
  BOOST_CHECK_THROW(parse_cicd_images_page(R"({"total_num": 1, "data_list": [{"scan_status": "success", "id": "x"}]})",
                                           Source::registry),
                    ServiceError);
}

BOOST_AUTO_TEST_CASE(images_of_each_source_are_grouped_apart) {
  std::mutex mutex;
  std::vector<Query> asked;
  ListImages list = [&](const Query& query, std::vector<Record>& into) {
    std::lock_guard<std::mutex> lock(mutex);
    asked.push_back(query);
    Record cicd = test::clean_record();
    cicd.image_version = query.image_version;
    into.push_back(query.source == Source::registry ? registry_record() : cicd);
  };
  Query cicd = test::query_for(test::clean_record());
  cicd.image_version = "2.0.0";
  Query api = registry_query();
  api.image_name = "api";
  test::FakeClock clock;
  auto lookups = find_images(list, {cicd, registry_query(), api}, WaitSettings{}, clock, [](const std::string&) {});
  BOOST_CHECK_MESSAGE(asked.size() == 2u, "one query per source and group");
  BOOST_TEST(lookups.at(0).lookup.records.size() == 1u);
  BOOST_TEST(lookups.at(1).lookup.records.size() == 1u);
  BOOST_CHECK_MESSAGE(lookups.at(2).lookup.records.empty(), "api is not web");
}

BOOST_AUTO_TEST_CASE(finding_requests_name_a_registry_image_as_each_api_wants) {
  Record record = registry_record();
  record.image_type = "instance_image";
  record.instance_id = "ins-1";
  FindingOptions options;
  std::map<std::string, std::pair<std::string, std::string>> expected{
      {"vulnerabilities", {"instance_image", "ins-1"}}, {"malware", {"instance_image", "(absent)"}},
      {"baseline", {"registry", "ins-1"}},              {"build_risks", {"registry", "(absent)"}},
      {"secrets", {"instance_image", "(absent)"}}};
  for (const auto& [name, values] : expected) {
    BOOST_TEST_CONTEXT(name) {
      auto kind = finding_kind_named(name);
      BOOST_REQUIRE(kind);
      Request request = finding_request(endpoint_for(*kind), record, options, 0, 10);
      BOOST_TEST(value_of(request.query, "image_type") == values.first);
      BOOST_TEST(value_of(request.query, "instance_id") == values.second);
    }
  }
  Request cicd = finding_request(endpoint_for(*finding_kind_named("vulnerabilities")), test::clean_record(), options, 0, 10);
  BOOST_TEST(value_of(cicd.query, "image_type") == "cicd");
}

BOOST_AUTO_TEST_CASE(the_scan_request_names_exactly_the_image_and_the_sync_exactly_the_registry) {
  Record record = registry_record();
  record.instance_url = "https://enterprise";
  Request scan = scan_task_request(record, TaskOptions{"ap-southeast-1", std::nullopt});
  BOOST_TEST(scan.operation == "CreateManualImageScanTask");
  BOOST_TEST(value_of(scan.query, "global_image_type") == "registry");
  BOOST_TEST(value_of(scan.headers, "region") == "ap-southeast-1");
  Poco::JSON::Parser parser;
  auto body = parser.parse(scan.body).extract<Poco::JSON::Object::Ptr>();
  BOOST_TEST(!body->getValue<bool>("is_all"));
  auto image = body->getArray("image_info")->getObject(0);
  BOOST_TEST(image->getValue<Poco::Int64>("id") == 4711);
  BOOST_TEST(image->getValue<std::string>("image_digest") == k_digest);
  BOOST_TEST(image->getValue<std::string>("instance_url") == "https://enterprise");
  BOOST_CHECK_MESSAGE(!image->has("instance_id"), "an empty member is not sent");

  Request sync = sync_task_request({{"swr", "swr-private", "SwrPrivate"}}, TaskOptions{});
  auto sync_body = parser.parse(sync.body).extract<Poco::JSON::Object::Ptr>();
  BOOST_TEST(!sync_body->getValue<bool>("sync_all_registries"));
  BOOST_TEST(sync_body->getArray("registry_info")->size() == 1u);
  BOOST_CHECK_MESSAGE(sync.headers.empty(), "no region known, no header");
}

BOOST_AUTO_TEST_CASE(a_registry_image_needs_its_names_and_digest_and_no_cicd_name) {
  BOOST_TEST(usage_error(k_registry_flags) == "no error");
  auto without = [&](std::size_t at) {
    auto words = k_registry_flags;
    words.erase(words.begin() + static_cast<std::ptrdiff_t>(at), words.begin() + static_cast<std::ptrdiff_t>(at) + 2);
    return usage_error(words);
  };
  BOOST_TEST(without(11).find("no image_digest") != std::string::npos);
  BOOST_TEST(without(5).find("no namespace") != std::string::npos);
  BOOST_TEST(without(7).find("no image_name") != std::string::npos);
  auto with_cicd_name = k_registry_flags;
  with_cicd_name.insert(with_cicd_name.end(), {"--cicd-name", "shop"});
  BOOST_TEST(usage_error(with_cicd_name).find("--cicd-name: cicd_name does not apply") != std::string::npos);
  BOOST_TEST(usage_error(k_registry_flags, {{"HSS_GATE_CICD_NAME", "shop"}}) == "no error");
  auto enterprise = k_registry_flags;
  enterprise.insert(enterprise.end(), {"--instance-id", "ins-1"});
  BOOST_TEST(usage_error(enterprise).find("image_type=instance_image") != std::string::npos);
  enterprise.insert(enterprise.end(), {"--image-type", "instance_image"});
  BOOST_TEST(usage_error(enterprise) == "no error");
}

BOOST_AUTO_TEST_CASE(registry_keys_on_a_cicd_image_are_refused_when_given_and_ignored_when_inherited) {
  std::vector<std::string> cicd{"check", "--from-file", HSS_GATE_TEST_DATA "/responses/clean.json", "--cicd-name",
                                "shop", "--image-version", "1.0.0"};
  BOOST_TEST(usage_error(cicd) == "no error");
  auto typed = cicd;
  typed.insert(typed.end(), {"--image-type", "harbor"});
  BOOST_TEST(usage_error(typed).find("--image-type: image_type does not apply to source=cicd") != std::string::npos);
  BOOST_TEST(usage_error(cicd, {{"HSS_GATE_IMAGE_TYPE", "harbor"}, {"HSS_GATE_INSTANCE_ID", "i"}}) == "no error");
  auto config = config::resolve_config(parse(cicd), env_of({{"HSS_GATE_IMAGE_TYPE", "harbor"}}));
  BOOST_TEST(!config.images.front().query.image_type.has_value());
  BOOST_TEST(usage_error({"check", "--image", "source=swr,cicd_name=a,image_version=1"}).find("expected one of cicd, registry") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_registry_api_the_gate_calls_is_in_the_least_privilege_table) {
  std::ifstream file(std::string(HSS_GATE_TEST_DATA) + "/../../docs/ci.md");
  BOOST_REQUIRE(file);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  for (const auto& source : image_sources()) {
    BOOST_TEST(text.find(fmt::format("| `{}` | `GET {}` |", source.operation, source.path)) != std::string::npos);
  }
  BOOST_TEST(text.find(fmt::format("| `{}` | `GET {}` |", k_registries_operation, k_registries_path)) != std::string::npos);
  BOOST_TEST(text.find(fmt::format("| `{}` | `GET {}` |", k_scan_tasks_operation, k_scan_tasks_path)) != std::string::npos);
  BOOST_TEST(text.find(fmt::format("| `{}` | `POST {}` |", k_sync_task_operation, k_sync_task_path)) != std::string::npos);
  BOOST_TEST(text.find(fmt::format("| `{}` | `POST {}` |", k_scan_task_operation, k_scan_task_path)) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
