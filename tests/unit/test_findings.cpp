#include "gate/error.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/paging.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <mutex>
#include <set>

using namespace gate::hss;

namespace gate::hss {
inline std::ostream& operator<<(std::ostream& out, FindingKind kind) { return out << name_of(kind); }
} // namespace gate::hss

namespace {
FindingKind kind_named(std::string_view name) { return *finding_kind_named(name); }
} // namespace

namespace {

// Serves a finding list of `count` records in pages, claiming `claimed` as total_num; records the
// offsets asked for. Thread-safe: pages are fetched in parallel.
class PagingTransport : public Transport {
public:
  int count = 0;
  int claimed = -1;
  std::int64_t overfull_at = -1; // the page at this offset holds one record more than the limit
  std::vector<Request> requests;

  Response get(const Request& request) override {
    std::int64_t offset = 0, limit = 10;
    for (const auto& [key, value] : request.query) {
      if (key == "offset") offset = std::stoll(value);
      if (key == "limit") limit = std::stoll(value);
    }
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      requests.push_back(request);
    }
    std::string items;
    std::int64_t end = std::min<std::int64_t>(offset + limit + (offset == overfull_at ? 1 : 0), count);
    for (std::int64_t i = offset; i < end; ++i) {
      items += fmt::format("{}{{\"vul_id\": \"V-{}\", \"app_name\": \"openssl\"}}", items.empty() ? "" : ",", i);
    }
    Response response;
    response.body = fmt::format("{{\"total_num\": {}, \"data_list\": [{}]}}", claimed >= 0 ? claimed : count, items);
    response.request_id = "req";
    return response;
  }

  std::vector<std::int64_t> offsets() const {
    std::vector<std::int64_t> found;
    for (const auto& request : requests) {
      for (const auto& [key, value] : request.query) {
        if (key == "offset") found.push_back(std::stoll(value));
      }
    }
    std::sort(found.begin(), found.end());
    return found;
  }

private:
  std::mutex m_mutex;
};

std::string query_of(const Request& request) {
  std::string text;
  for (const auto& [key, value] : request.query) text += key + "=" + value + "&";
  return text;
}

} // namespace

BOOST_AUTO_TEST_SUITE(findings)

BOOST_AUTO_TEST_CASE(every_kind_has_an_endpoint_and_a_name) {
  for (auto kind : finding_kinds()) {
    BOOST_TEST(endpoint_for(kind).kind == kind);
    BOOST_TEST((finding_kind_named(name_of(kind)) == kind));
  }
  BOOST_TEST(!finding_kind_named("vulns"));
}

// A kind spec is checked here as the compiler cannot: every member it names is one its endpoint
// reads, so a typo in a new kind's file fails a test instead of reading an empty value.
BOOST_AUTO_TEST_CASE(every_kind_spec_names_only_members_its_endpoint_reads) {
  std::set<std::string_view> names;
  std::set<int> positions;
  std::vector<std::string_view> listed;
  for (auto kind : finding_kinds()) {
    const FindingKindSpec& spec = kind.spec();
    BOOST_TEST_CONTEXT(spec.name) {
      BOOST_TEST(names.insert(spec.name).second);
      BOOST_TEST(positions.insert(spec.position).second);
      auto read = [&](std::string_view member) {
        const auto& fields = spec.endpoint.fields;
        return std::any_of(fields.begin(), fields.end(), [&](const FieldSpec& field) { return field.name == member; });
      };
      auto attribute = [&](std::string_view name) {
        return std::any_of(spec.attributes.begin(), spec.attributes.end(),
                           [&](const AttributeSpec& a) { return a.name == name; });
      };
      for (const auto& a : spec.attributes) {
        if (a.source == AttributeSource::member) BOOST_TEST(read(a.name), a.name);
      }
      if (!spec.severity.member.empty()) BOOST_TEST(read(spec.severity.member));
      for (auto member : spec.key_members) BOOST_TEST(read(member), member);
      for (auto member : spec.id.members) BOOST_TEST(read(member), member);
      for (auto name : spec.console) BOOST_TEST(attribute(name), name);
      if (spec.cves) BOOST_TEST(read(spec.cves->key_member));
      if (spec.vex) {
        for (auto name : {spec.vex->vulnerability, spec.vex->aliases, spec.vex->package, spec.vex->package_version}) {
          BOOST_TEST(attribute(name), name);
        }
      }
    }
  }
  // The order policies and reports list these kinds in stays as it was before kinds were specs;
  // a new kind may take any position among them.
  std::vector<std::string_view> expected{"vulnerabilities", "malware", "secrets", "baseline",
                                         "build_risks", "software", "base_image"};
  for (auto kind : finding_kinds()) {
    if (std::find(expected.begin(), expected.end(), kind.name()) != expected.end()) listed.push_back(kind.name());
  }
  BOOST_TEST(listed == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(requests_send_what_each_api_needs) {
  Record image = test::clean_record();
  FindingOptions options;
  auto vulns = finding_request(endpoint_for(kind_named("vulnerabilities")), image, options, 0, 200);
  BOOST_TEST(vulns.path == "/v5/{project_id}/image/{image_id}/vulnerabilities");
  BOOST_TEST((vulns.path_parameters == Pairs{{"image_id", "id-1"}}));
  BOOST_TEST(encoded_path(vulns, "p-1") == "/v5/p-1/image/id-1/vulnerabilities");
  BOOST_TEST(query_of(vulns) == "image_type=cicd&namespace=team&image_name=web&tag_name=1.0.0&handle_status=unhandled&"
                                "limit=200&offset=0&");
  options.include_handled = true;
  BOOST_TEST(query_of(finding_request(endpoint_for(kind_named("vulnerabilities")), image, options, 200, 200))
                 .find("handle_status") == std::string::npos);
  auto secrets = finding_request(endpoint_for(kind_named("secrets")), image, {}, 0, 200);
  BOOST_TEST(query_of(secrets).find("image_version=1.0.0&handle_status=unhandled") != std::string::npos);
  auto baseline = finding_request(endpoint_for(kind_named("baseline")), image, {}, 0, 200);
  BOOST_TEST(baseline.path == "/v5/{project_id}/baseline/check-rules");
  BOOST_TEST(query_of(baseline).find("type=image&image_id=id-1&scan_result=failed&image_type=cicd") == 0u);
  auto risks = finding_request(endpoint_for(kind_named("build_risks")), image, {}, 0, 200);
  BOOST_TEST(query_of(risks) == "image_type=cicd&image_id=id-1&limit=200&offset=0&");
  FindingOptions regional;
  regional.region = "ap-southeast-1";
  auto base = finding_request(endpoint_for(kind_named("base_image")), image, regional, 0, 200);
  BOOST_TEST((base.headers == Pairs{{"region", "ap-southeast-1"}}));
  BOOST_TEST(finding_request(endpoint_for(kind_named("malware")), image, regional, 0, 200).headers.empty());
}

BOOST_AUTO_TEST_CASE(records_are_read_as_hss_names_them_and_secrets_never_kept) {
  auto page = parse_finding_page(endpoint_for(kind_named("secrets")), R"({"total_num": 1, "data_list": [
    {"sensitive_info_id": "s-1", "severity": "critical", "name": "aws key", "file_path": "/app/.env",
     "content": "AKIASECRETVALUE", "latest_scan_time": 1795680300000, "extra": [1, 2]}]})");
  BOOST_REQUIRE(page.items.size() == 1u);
  const FindingRecord& secret = page.items[0];
  BOOST_TEST(*secret.text("severity") == "critical");
  BOOST_TEST(std::get<std::int64_t>(secret.field("latest_scan_time")) == 1795680300000);
  BOOST_TEST(std::holds_alternative<std::monostate>(secret.field("description")));
  for (const auto& [name, value] : secret.fields) {
    BOOST_TEST(name != "content");
    if (const auto* text = std::get_if<std::string>(&value)) BOOST_TEST(text->find("AKIASECRETVALUE") == std::string::npos);
  }

  auto cves = parse_finding_page(cve_endpoint(), R"({"total_num": 2, "data_list": [
    {"cve_id": "CVE-2021-45960", "cvss_score": 8.8}, {"cve_id": "CVE-2021-44228", "cvss_score": 10}]})");
  BOOST_TEST(std::get<double>(cves.items[0].field("cvss_score")) == 8.8);
  BOOST_TEST(std::get<double>(cves.items[1].field("cvss_score")) == 10.0);
}

BOOST_AUTO_TEST_CASE(ill_typed_members_are_service_errors_naming_them) {
  auto error = [](const FindingEndpoint& endpoint, const std::string& body) {
    return test::error_of([&] { parse_finding_page(endpoint, body); });
  };
  BOOST_TEST(error(endpoint_for(kind_named("malware")), R"({"total_num": 1, "data_list": [{"size": "big"}]})")
                 .find("response.data_list[0].size: expected an integer, got a string") != std::string::npos);
  BOOST_TEST(error(endpoint_for(kind_named("malware")), R"({"total_num": 1, "data_list": [{"size": -1}]})")
                 .find("response.data_list[0].size: expected an integer from 0") != std::string::npos);
  BOOST_TEST(error(cve_endpoint(), R"({"total_num": 1, "data_list": [{"cvss_score": "9.8"}]})")
                 .find("cvss_score: expected a number, got a string") != std::string::npos);
  BOOST_TEST(error(cve_endpoint(), R"({"total_num": 1, "data_list": [{"cvss_score": true}]})")
                 .find("cvss_score: expected a number, got a boolean") != std::string::npos);
  BOOST_TEST(error(endpoint_for(kind_named("software")), R"({"total_num": 1, "data_list": [{"app_name": 7}]})")
                 .find("app_name: expected a string") != std::string::npos);
  // A page that promises records and holds no list is never an empty list (a false pass otherwise).
  for (const std::string body : {R"({"total_num": 1, "data_list": null})", R"({"total_num": 3})"}) {
    BOOST_TEST(error(endpoint_for(kind_named("malware")), body)
                   .find("response.data_list: expected an array of records, since total_num is") != std::string::npos, body);
  }
  BOOST_TEST(parse_finding_page(endpoint_for(kind_named("malware")), R"({"total_num": 0, "data_list": null})").items.empty());
}

// total_num is a hint for fetching pages in parallel; reading stops only at a short page.
BOOST_AUTO_TEST_CASE(paging_prefetches_what_total_num_promises_and_reads_to_a_short_page) {
  Record image = test::clean_record();
  const auto& endpoint = endpoint_for(kind_named("vulnerabilities"));
  struct Case {
    int count;
    int claimed;
    std::vector<std::int64_t> offsets;
  };
  for (const Case& c : std::vector<Case>{
           {1000, -1, {0, 200, 400, 600, 800, 1000}}, // right: pages up to the first offset at or past 1000
           {150, -1, {0}},                             // one short page
           {450, 10, {0, 200, 400}},                   // too small: on one page at a time
           {400, 400, {0, 200, 400}},                  // the last page is empty and ends the list at total_num
       }) {
    PagingTransport transport;
    transport.count = c.count;
    transport.claimed = c.claimed;
    std::vector<FindingRecord> records;
    list_findings(transport, endpoint, image, {}, records);
    BOOST_TEST(records.size() == static_cast<std::size_t>(c.count));
    BOOST_TEST(transport.offsets() == c.offsets);
  }
}

// A short page ends a list; ending it before what total_num promised is a list HSS did not finish
// sending: an error naming the list and both counts, on any kind, the CVE list and the image list,
// whether the short page is prefetched or read one at a time, and whichever page promised most.
BOOST_AUTO_TEST_CASE(a_list_that_ends_before_its_total_num_is_an_error_naming_the_list) {
  struct Case {
    int count;
    int claimed;
    std::string_view cut; // what the message says
  };
  for (const Case& c : std::vector<Case>{
           {150, 151, "cut short at 150 records while total_num promised 151"},        // one short page
           {450, 5000, "cut short at 450 records while total_num promised 5000"},      // prefetched
           {200, 201, "cut short at 200 records while total_num promised 201"},        // an empty second page
       }) {
    for (std::string_view kind : {"vulnerabilities", "software"}) {
      PagingTransport transport;
      transport.count = c.count;
      transport.claimed = c.claimed;
      std::vector<FindingRecord> into;
      auto message = test::error_of([&] { list_findings(transport, endpoint_for(kind_named(kind)), test::clean_record(), {}, into); });
      BOOST_TEST(message.find(fmt::format("the {} of team/web:1.0.0 (cicd_name shop): the page at offset", kind)) == 0u, message);
      BOOST_TEST(message.find(c.cut) != std::string::npos, message);
    }
    PagingTransport transport;
    transport.count = c.count;
    transport.claimed = c.claimed;
    auto message = test::error_of([&] { list_cves(transport, "USN-1", {}); });
    BOOST_TEST(message.find(c.cut) != std::string::npos, message);
  }
  // The rule itself, as the image list and every reader apply it: the largest promise counts, and
  // the records of the short page are kept as evidence seen before the error.
  std::int64_t promised = 0;
  std::vector<int> items;
  Page<int> full{450, std::vector<int>(200)};
  Page<int> lower{10, std::vector<int>(100)};
  BOOST_TEST(take_page("the list", full, 0, 200, promised, items));
  auto message = test::error_of([&] { take_page("the list", lower, 200, 200, promised, items); });
  BOOST_TEST(message == "the list: the page at offset 200 holds 100 of the 200 records asked for, so the list is cut short "
                        "at 300 records while total_num promised 450; refusing to judge a partial list");
  BOOST_TEST(items.size() == 300u);
  Page<int> empty{0, {}};
  BOOST_CHECK_THROW(take_page("the list", empty, 400, 200, promised, items), gate::ServiceError);
  std::int64_t fresh = 0;
  Page<int> honest{300, std::vector<int>(100)};
  BOOST_TEST(!take_page("the list", honest, 200, 200, fresh, items));
}

BOOST_AUTO_TEST_CASE(a_list_longer_than_the_page_bound_is_an_error) {
  PagingTransport transport;
  transport.count = k_page_size * (k_max_pages + 1);
  auto message = test::error_of([&] { std::vector<FindingRecord> into; list_findings(transport, endpoint_for(kind_named("software")), test::clean_record(), {}, into); });
  BOOST_TEST(message.find("the software of team/web:1.0.0 (cicd_name shop): more than 100 pages") == 0u);
}

// A page over the limit sent cannot be placed in the list: whichever page, kind or sub-list.
BOOST_AUTO_TEST_CASE(a_page_holding_more_records_than_the_limit_is_an_error_naming_the_list) {
  for (std::int64_t at : {0, 200, 400}) {
    for (std::string_view kind : {"vulnerabilities", "malware", "base_image"}) {
      PagingTransport transport;
      transport.count = 1000;
      transport.overfull_at = at;
      std::vector<FindingRecord> into;
      auto message = test::error_of([&] { list_findings(transport, endpoint_for(kind_named(kind)), test::clean_record(), {}, into); });
      BOOST_TEST(message.find(fmt::format("the {} of team/web:1.0.0 (cicd_name shop): the page at offset {} holds 201 "
                                          "records, more than the limit 200",
                                          kind, at)) == 0u,
                 message);
    }
  }
  PagingTransport transport;
  transport.count = 500;
  transport.overfull_at = 0;
  auto message = test::error_of([&] { list_cves(transport, "USN-1", {}); });
  BOOST_TEST(message.find("the CVEs of vulnerability USN-1: the page at offset 0 holds 201 records") == 0u, message);
}

// total_num promises records and the first page holds none: never an empty list, of any kind.
BOOST_AUTO_TEST_CASE(an_empty_first_page_that_promises_records_is_an_error) {
  for (auto kind : finding_kinds()) {
    for (int claimed : {1, 250}) {
      PagingTransport transport;
      transport.count = 0;
      transport.claimed = claimed;
      std::vector<FindingRecord> into;
      auto message = test::error_of([&] { list_findings(transport, endpoint_for(kind), test::clean_record(), {}, into); });
      BOOST_TEST(message.find(fmt::format("the {} of team/web:1.0.0 (cicd_name shop): total_num is {} but the first "
                                          "page holds no records",
                                          name_of(kind), claimed)) == 0u,
                 message);
    }
  }
  PagingTransport empty;
  empty.count = 0;
  empty.claimed = 0;
  BOOST_TEST(list_cves(empty, "USN-1", {}).empty()); // total_num 0: an empty list is an answer
}

BOOST_AUTO_TEST_CASE(cves_are_asked_per_vulnerability) {
  PagingTransport transport;
  transport.count = 3;
  auto cves = list_cves(transport, "CVE-2021-44228/x", {});
  BOOST_TEST(cves.size() == 3u);
  BOOST_TEST(transport.requests.at(0).path == "/v5/{project_id}/image/vulnerability/{vul_id}/cve");
  BOOST_TEST((transport.requests.at(0).path_parameters == Pairs{{"vul_id", "CVE-2021-44228/x"}}));
  BOOST_TEST(encoded_path(transport.requests.at(0), "p") == "/v5/p/image/vulnerability/CVE-2021-44228%2Fx/cve");
}

BOOST_AUTO_TEST_CASE(path_parameters_are_encoded_as_one_whole_segment) {
  Record image = test::clean_record();
  struct Case {
    std::string image_id;
    std::string segment;
  };
  for (const auto& [image_id, segment] : std::vector<Case>{{"a/b", "a%2Fb"},
                                                           {"../../admin", "..%2F..%2Fadmin"},
                                                           {"x?limit=1", "x%3Flimit%3D1"},
                                                           {"x#frag", "x%23frag"},
                                                           {"100%", "100%25"},
                                                           {"a b", "a%20b"},
                                                           {"a.b-c_d~e", "a.b-c_d~e"}}) {
    BOOST_TEST_CONTEXT(image_id) {
      image.image_id = image_id;
      auto request = finding_request(endpoint_for((*finding_kind_named("malware"))), image, {}, 0, 200);
      BOOST_TEST(encoded_path(request, "p-1") == "/v5/p-1/image/" + segment + "/malwares");
    }
  }
  Request cves = cve_request("USN-1/2", {}, 0, 200);
  BOOST_TEST(encoded_path(cves, "p-1") == "/v5/p-1/image/vulnerability/USN-1%2F2/cve");
}

BOOST_AUTO_TEST_CASE(a_value_that_cannot_be_one_segment_is_a_service_error_naming_the_parameter) {
  Record image = test::clean_record();
  for (std::string image_id : {"", ".", ".."}) {
    BOOST_TEST_CONTEXT('"' << image_id << '"') {
      image.image_id = image_id;
      auto request = finding_request(endpoint_for((*finding_kind_named("vulnerabilities"))), image, {}, 0, 200);
      std::string message = test::error_of([&] { encoded_path(request, "p-1"); });
      BOOST_TEST(message.find("path parameter image_id") != std::string::npos, message);
      BOOST_CHECK_THROW(encoded_path(request, "p-1"), gate::ServiceError);
    }
  }
  Request cves = cve_request("..", {}, 0, 200);
  BOOST_TEST(test::error_of([&] { encoded_path(cves, "p-1"); }).find("path parameter vul_id") != std::string::npos);
  Request unfilled{"/v5/{project_id}/image/{image_id}/apps", {}, {}, {}};
  BOOST_TEST(test::error_of([&] { encoded_path(unfilled, "p-1"); }).find("needs the parameter image_id") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(docs_list_every_api_the_gate_calls) {
  // docs/ci.md's least-privilege table is written by hand; a kind added without its row fails here.
  std::ifstream file(std::string(HSS_GATE_TEST_DATA) + "/../../docs/ci.md");
  BOOST_REQUIRE(file);
  std::vector<std::string> rows;
  for (std::string line; std::getline(file, line);) {
    if (line.rfind("| ", 0) == 0) rows.push_back(line);
  }
  auto row_of = [&](std::string_view operation, std::string_view path) -> std::string {
    std::string name = fmt::format("| `{}` | `GET {}` |", operation, path);
    for (const auto& row : rows) {
      if (row.find(name) != std::string::npos) return row;
    }
    return {};
  };
  BOOST_TEST(!row_of(k_cicd_images_operation, k_cicd_images_path).empty());
  std::vector<const FindingEndpoint*> endpoints{&cve_endpoint()};
  for (auto kind : finding_kinds()) endpoints.push_back(&endpoint_for(kind));
  for (const auto* endpoint : endpoints) {
    BOOST_TEST_CONTEXT(endpoint->operation) {
      BOOST_TEST(!endpoint->operation.empty());
      std::string row = row_of(endpoint->operation, endpoint->path);
      BOOST_TEST(!row.empty());
      bool required = endpoint->region_header == RegionHeader::required;
      BOOST_TEST(row.find(required ? "| required |" : "| not sent |") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(only_an_api_that_requires_the_region_stops_a_run_without_one) {
  std::vector<FindingKind> kinds(finding_kinds().begin(), finding_kinds().end());
  auto missing = kinds_missing_region(kinds, std::nullopt);
  BOOST_REQUIRE(missing.size() == 1u);
  BOOST_TEST(name_of(missing.front()) == "base_image");
  BOOST_TEST(kinds_missing_region(kinds, std::string("cn-north-4")).empty());
  std::vector<FindingKind> without{kind_named("vulnerabilities"), kind_named("software")};
  BOOST_TEST(kinds_missing_region(without, std::nullopt).empty());
}

BOOST_AUTO_TEST_SUITE_END()
