#include "gate/app.hpp"
#include "gate/error.hpp"
#include "gate/hss/bundle.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/json_reader.hpp"
#include "gate/hss/recording_transport.hpp"
#include "gate/hss/replaying_transport.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <sstream>

using namespace gate::hss;

namespace {

// Answers every request with one body, as HSS would.
class FixedTransport : public Transport {
public:
  explicit FixedTransport(std::string body) : m_body(std::move(body)) {}
  Response get(const Request&) override { return Response{m_body, "req", {}, std::nullopt}; }

private:
  std::string m_body;
};

struct Run {
  int code = 0;
  std::string out;
  std::string err;
};

// The whole program, offline, on a saved file: what the gate prints and its exit code.
Run run_check(const std::string& file, const std::string& policy) {
  std::vector<std::string> words{"hss-gate", "check", "--cicd-name", "shop", "--image-version", "1.0.0",
                                 "--from-file", file, "--policy", policy, "-q"};
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  test::FakeClock clock;
  Run result;
  result.code = gate::run(words, [](const std::string& name) -> std::optional<std::string> {
    if (name == "HSS_GATE_NOW") return "2026-11-27T12:00:00Z";
    return std::nullopt;
  }, clock);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

constexpr std::string_view k_record = R"({"image_id": "img-1", "cicd_name": "shop", "image_version": "1.0.0",
  "scan_status": "success", "latest_scan_time": 1795781100000})"; // 2026-11-27T12:05:00Z

constexpr std::string_view k_vulnerability = R"({"vul_id": "USN-1", "app_name": "openssl", "repair_necessity": "immediate_repair"})";

constexpr std::string_view k_fetched = R"("fetched_at": "2026-11-27T12:00:00Z", )";

// A version 1 bundle whose image entry for `image_id` is `entry`, with `fetched` as its
// fetched_at member (JSON text, with a trailing comma).
std::string v1_bundle(const std::string& entry, std::string_view fetched = k_fetched,
                      const std::string& image_id = "img-1") {
  return fmt::format(R"({{"hss_gate_bundle": 1, {}"images": {{"total_num": 1, "data_list": [{}]}},
    "findings": {{"{}": {}}}}})",
                     fetched, k_record, image_id, entry);
}

const std::string k_rules = "version = 1\n[rules.v]\nfindings = \"vulnerabilities\"\nwhere.cvss = { min = 9.0 }\n"
                            "[rules.m]\nfindings = \"malware\"\n";

} // namespace

BOOST_AUTO_TEST_SUITE(bundle)

BOOST_AUTO_TEST_CASE(a_plain_list_response_is_served_whole_to_any_query) {
  test::TempDir dir;
  auto file = dir.write("r.json", R"json({"total_num": 1, "data_list": {"cicd_name": "shop", "image_version": "1.0.0",
    "scan_status": "success", "image_size": "1,000 (bytes)"}})json");
  Bundle bundle = read_bundle_file(file);
  BOOST_TEST(!bundle.holds_findings());
  ReplayingTransport replay(bundle);
  std::vector<Record> records;
  list_cicd_images(replay, test::query_for(test::clean_record()), records);
  BOOST_TEST(select_matches(test::query_for(test::clean_record()), records).records.size() == 1u);
  // Text that is not JSON is an unreadable response (exit 3, as since 0.1), naming where it went wrong.
  struct Case {
    std::string text;
    std::string position;
  };
  for (const Case& c : std::vector<Case>{{"{", "line 1, column 2"},
                                         {"{\"total_num\": 1,\n  \"data_list\": [1,2,}", "line 2, column 21"},
                                         {"{\"total_num\": 0}\n x", "line 2, column 2"}}) {
    auto broken = dir.write("b.json", c.text);
    std::string message;
    BOOST_CHECK_EXCEPTION(read_bundle_file(broken), gate::ServiceError, [&](const gate::ServiceError& e) {
      message = e.what();
      return true;
    });
    BOOST_TEST(message.find(broken + ": unreadable HSS response: not valid JSON at " + c.position) == 0u,
               message);
  }
}

// The records of a whole list are kept as read and shared into each page; a page must still be
// the query's records, in the file's order, sliced by offset and limit, each member as saved.
BOOST_AUTO_TEST_CASE(a_whole_list_is_served_page_by_page_narrowed_to_the_query_with_members_as_saved) {
  test::TempDir dir;
  std::vector<std::string> records;
  for (int i = 0; i < 7; ++i) {
    records.push_back(fmt::format(R"j({{"image_id": "img-{0}", "cicd_name": "{1}", "image_version": "1.0.0",
      "image_name": "web-{0}", "scan_status": "success", "image_size": "1,00{0} (bytes)", "vul_num": {0}}})j",
                                  i, i % 3 == 2 ? "other" : "shop"));
  }
  auto file = dir.write("r.json", fmt::format(R"({{"total_num": 7, "data_list": [{}]}})", fmt::join(records, ",")));
  Bundle bundle = read_bundle_file(file);
  ReplayingTransport replay(bundle);
  Query query;
  query.cicd_name = "shop";
  query.image_version = "1.0.0";
  // shop holds img-0, 1, 3, 4, 6: the page at offset 2 with limit 2 is img-3 and img-4.
  Page<Record> page = parse_cicd_images_page(replay.get(cicd_images_request(query, 2, 2)).body);
  BOOST_TEST(page.total_num.value_or(-1) == 5);
  BOOST_REQUIRE(page.items.size() == 2u);
  BOOST_TEST(page.items[0].image_id == "img-3");
  BOOST_TEST(page.items[0].image_name.value_or("") == "web-3");
  BOOST_TEST(page.items[0].image_size.value_or(0) == 1003);
  BOOST_TEST(page.items[0].vul_num.value_or(0) == 3);
  BOOST_TEST(page.items[1].image_id == "img-4");
  Page<Record> last = parse_cicd_images_page(replay.get(cicd_images_request(query, 4, 2)).body);
  BOOST_REQUIRE(last.items.size() == 1u);
  BOOST_TEST(last.items[0].image_id == "img-6");
  // The whole run reads all five, and the same list answers again (nothing was used up).
  std::vector<Record> all;
  list_cicd_images(replay, query, all);
  BOOST_TEST(all.size() == 5u);
  all.clear();
  list_cicd_images(replay, query, all);
  BOOST_TEST(all.size() == 5u);
}

BOOST_AUTO_TEST_CASE(the_recording_drops_content_in_any_case_at_any_depth) {
  FixedTransport hss(R"({"total_num": 1, "content": "top-SECRET", "data_list": [
    {"name": "aws", "Content": "AKIA-ONE", "nested": {"CONTENT": "AKIA-TWO", "kept": 1},
     "list": [{"cOnTeNt": "AKIA-THREE", "kept": "yes"}, ["content"]]}]})");
  RecordingTransport recorder(hss);
  Request request{"/v5/{project_id}/image/{image_id}/sensitive", {{"image_id", "img-1"}}, {{"offset", "0"}}, {}};
  Response response = recorder.get(request);
  BOOST_TEST(response.body.find("AKIA-ONE") != std::string::npos); // the run itself reads what HSS sent
  auto exchanges = recorder.exchanges();
  BOOST_REQUIRE(exchanges.size() == 1u);
  const std::string& body = exchanges[0].body;
  for (std::string secret : {"top-SECRET", "AKIA-ONE", "AKIA-TWO", "AKIA-THREE"}) {
    BOOST_TEST(body.find(secret) == std::string::npos, secret);
  }
  BOOST_TEST(body.find("\"kept\":1") != std::string::npos, body);
  BOOST_TEST(body.find("\"kept\":\"yes\"") != std::string::npos, body);
  BOOST_TEST(body.find("[\"content\"]") != std::string::npos, body); // a value, not a member: kept
  BOOST_TEST(exchanges[0].path == request.path);
  BOOST_TEST((exchanges[0].path_parameters == request.path_parameters));
}

BOOST_AUTO_TEST_CASE(a_body_the_readers_refuse_is_never_recorded) {
  for (std::string body : {"<html>", "[1]", R"({"a": 1, "a": 2})", R"({"n": 18446744073709551616})"}) {
    BOOST_TEST(!without_secret_content(body), body);
    FixedTransport hss(body);
    RecordingTransport recorder(hss);
    recorder.get(Request{"/v5/{project_id}/image/cicd/images", {}, {}, {}});
    BOOST_TEST(recorder.exchanges().empty());
  }
}

BOOST_AUTO_TEST_CASE(a_saved_bundle_replays_the_same_requests_and_indexes_images_by_names) {
  test::TempDir dir;
  FixedTransport hss(fmt::format(R"({{"total_num": 1, "data_list": [{}]}})", k_record));
  RecordingTransport recorder(hss);
  Query query;
  query.cicd_name = "shop";
  query.image_version = "1.0.0";
  std::vector<Record> records;
  list_cicd_images(recorder, query, records);
  BOOST_REQUIRE(records.size() == 1u);
  records[0].namespace_name = "team";
  records[0].image_name = "web";
  auto file = dir.write("b.json", bundle_json(recorder.exchanges(), records, "2026-11-27T12:04:00Z"));

  Bundle bundle = read_bundle_file(file);
  BOOST_TEST((bundle.source == Bundle::Source::bundle_v2));
  BOOST_TEST(bundle.fetched_at == "2026-11-27T12:04:00Z");
  BOOST_TEST((image_ids_named(bundle, records[0]) == std::vector<std::string>{"img-1"}));
  Record by_image;
  by_image.namespace_name = "team";
  by_image.image_name = "web";
  BOOST_TEST((image_ids_named(bundle, by_image) == std::vector<std::string>{"img-1"}));

  ReplayingTransport replay(bundle);
  std::vector<Record> replayed;
  list_cicd_images(replay, query, replayed);
  BOOST_TEST(replayed.size() == 1u);
  BOOST_TEST(replayed[0].image_id == "img-1");
  Query other = query;
  other.cicd_name = "other";
  BOOST_CHECK_THROW(list_cicd_images(replay, other, replayed), Unanswered);
}

// A number written with a fraction or an exponent is never an integer, online or replayed: a
// bundle or a whole list that writes it back must keep it so (1e3 came back as 1000 and was read
// as a count). Members of records and the page's own total_num alike.
BOOST_AUTO_TEST_CASE(a_number_with_a_fraction_or_exponent_stays_a_non_integer_through_a_bundle) {
  test::TempDir dir;
  Query query;
  query.cicd_name = "shop";
  query.image_version = "1.0.0";
  for (std::string spelled : {"1e3", "1.0", "2E1", "1.5e2", "0.0"}) {
    std::string record = fmt::format(R"({{"image_id": "img-1", "cicd_name": "shop", "image_version": "1.0.0",
      "scan_status": "success", "vul_num": {}}})", spelled);
    std::string page = fmt::format(R"({{"total_num": 1, "data_list": [{}]}})", record);
    auto online = test::error_of([&] { parse_json_object(page).objects("data_list")->at(0).integer("vul_num", 0, 1000000); });
    BOOST_TEST(online.find("expected an integer, got a number written with a fraction or an exponent") != std::string::npos, online);
    // Saved by the recorder, written by the bundle writer, read back and replayed.
    std::vector<Exchange> exchanges{{std::string(k_cicd_images_path), {}, {{"cicd_name", "shop"}, {"image_version", "1.0.0"}, {"limit", "200"}, {"offset", "0"}}, *without_secret_content(page)}};
    auto file = dir.write("b.json", bundle_json(exchanges, {}, "2026-11-27T12:04:00Z"));
    Bundle bundle = read_bundle_file(file);
    ReplayingTransport replay(bundle);
    std::vector<Record> records;
    auto replayed = test::error_of([&] { list_cicd_images(replay, query, records); });
    BOOST_TEST(replayed.find("vul_num: expected an integer, got a number written with a fraction") != std::string::npos,
               spelled << ": " << replayed);
    // A plain list response, served page by page from the whole list it holds (read as HSS's answer).
    auto plain = dir.write("plain.json", page);
    std::string message;
    try {
      Bundle whole = read_bundle_file(plain);
      ReplayingTransport served(whole);
      std::vector<Record> read;
      list_cicd_images(served, query, read);
    } catch (const gate::Error& e) {
      message = e.what();
    }
    BOOST_TEST(message.find("vul_num: expected an integer") != std::string::npos, spelled << ": " << message);
  }
  // A CVSS score written as an integer or with a fraction still reads as a number.
  auto score = parse_json_object(*without_secret_content(R"({"a": 7.0, "b": 9, "c": 1e1})"));
  BOOST_TEST(*score.number("a") == 7.0);
  BOOST_TEST(*score.number("b") == 9.0);
  BOOST_TEST(*score.number("c") == 10.0);
}

// Two answers to one request would let the file's order decide what is judged.
BOOST_AUTO_TEST_CASE(a_bundle_with_two_answers_to_one_request_is_exit_2) {
  test::TempDir dir;
  std::string page = fmt::format(R"({{"total_num": 1, "data_list": [{}]}})", k_record);
  Pairs query{{"cicd_name", "shop"}, {"limit", "200"}, {"offset", "0"}};
  Pairs reordered{{"offset", "0"}, {"cicd_name", "shop"}, {"limit", "200"}};
  for (const Pairs& second : {query, reordered}) {
    std::vector<Exchange> exchanges{{std::string(k_cicd_images_path), {}, query, page},
                                    {std::string(k_cicd_images_path), {}, second, R"({"total_num": 0, "data_list": []})"}};
    auto file = dir.write("b.json", bundle_json(exchanges, {}, "2026-11-27T12:04:00Z"));
    std::string message;
    BOOST_CHECK_EXCEPTION(read_bundle_file(file), gate::UsageError, [&](const gate::UsageError& e) {
      message = e.what();
      return true;
    });
    BOOST_TEST(message.find("exchanges[1]") != std::string::npos, message);
    BOOST_TEST(message.find("one answer per request, but exchanges[0] answers the same request") != std::string::npos, message);
  }
}

BOOST_AUTO_TEST_CASE(a_recorded_page_cut_short_is_never_judged) {
  test::TempDir dir;
  Bundle bundle;
  bundle.source = Bundle::Source::bundle_v2;
  Record image = test::clean_record();
  Request first = finding_request(endpoint_for((*finding_kind_named("malware"))), image, {}, 0, k_page_size);
  bundle.exchanges.push_back({first.path, first.path_parameters, first.query,
                              R"({"total_num": 500, "data_list": [{"file_name": "miner"}]})"});
  ReplayingTransport replay(bundle);
  std::vector<FindingRecord> read;
  std::string message = test::error_of([&] { list_findings(replay, endpoint_for((*finding_kind_named("malware"))), image, {}, read); });
  BOOST_TEST(message.find("cut short") != std::string::npos, message);

  // A full first page whose next page was never recorded: the list stops unread, not judged.
  std::string full = R"({"total_num": 201, "data_list": [)";
  for (int i = 0; i < k_page_size; ++i) full += fmt::format("{}{{\"file_name\": \"m{}\"}}", i ? "," : "", i);
  bundle.exchanges[0].body = full + "]}";
  ReplayingTransport partial(bundle);
  read.clear();
  BOOST_CHECK_THROW(list_findings(partial, endpoint_for((*finding_kind_named("malware"))), image, {}, read), Unanswered);
}

BOOST_AUTO_TEST_CASE(every_defect_of_a_version_1_bundle_is_exit_2_naming_the_image_and_the_list) {
  test::TempDir dir;
  auto policy = dir.write("policy.toml", k_rules);
  std::string vulns = fmt::format("[{}]", k_vulnerability);
  std::string cves = R"({"USN-1": [{"cve_id": "CVE-1", "cvss_score": 9.8}]})";
  auto entry = [&](const std::string& vulnerabilities, const std::string& malware, const std::string& cve_map) {
    std::string text = "{";
    if (!vulnerabilities.empty()) text += "\"vulnerabilities\": " + vulnerabilities;
    if (!malware.empty()) text += std::string(text.size() > 1 ? ", " : "") + "\"malware\": " + malware;
    if (!cve_map.empty()) text += std::string(text.size() > 1 ? ", " : "") + "\"cves\": " + cve_map;
    return text + "}";
  };
  struct Case {
    std::string name;
    std::string bundle;
    std::vector<std::string> named; // what the message must name
  };
  const std::vector<Case> cases{
      {"null vulnerabilities", v1_bundle(entry("null", "[]", cves)), {"vulnerabilities list", "img-1"}},
      {"missing vulnerabilities", v1_bundle(entry("", "[]", cves)), {"no vulnerabilities list", "cicd_name shop"}},
      {"string vulnerabilities", v1_bundle(entry("\"none\"", "[]", cves)), {"vulnerabilities list", "img-1", "a string"}},
      {"object vulnerabilities", v1_bundle(entry(std::string(k_vulnerability), "[]", cves)), {"vulnerabilities list", "img-1"}},
      {"null malware", v1_bundle(entry(vulns, "null", cves)), {"malware list", "img-1", "null"}},
      {"missing malware", v1_bundle(entry(vulns, "", cves)), {"no malware list", "cicd_name shop"}},
      {"number malware", v1_bundle(entry(vulns, "7", cves)), {"malware list", "img-1", "a number"}},
      {"a malware item that is no record", v1_bundle(entry(vulns, "[1]", cves)), {"malware list", "img-1", "[0]"}},
      {"an ill-typed member of a record", v1_bundle(entry(vulns, R"([{"file_name": 5}])", cves)),
       {"the malware of", "cicd_name shop", "file_name"}},
      {"null image entry", v1_bundle("null"), {"findings of image", "img-1", "null"}},
      {"array image entry", v1_bundle("[]"), {"findings of image", "img-1", "an array"}},
      {"missing image entry", v1_bundle("{}", k_fetched, "img-2"), {"no vulnerabilities list", "cicd_name shop"}},
      {"null cves", v1_bundle(entry(vulns, "[]", "null")), {"cves map", "img-1", "null"}},
      {"array cves", v1_bundle(entry(vulns, "[]", "[]")), {"cves map", "img-1", "an array"}},
      {"missing cves", v1_bundle(entry(vulns, "[]", "")), {"no CVEs of vulnerability USN-1", "cicd_name shop"}},
      {"null CVE list", v1_bundle(entry(vulns, "[]", R"({"USN-1": null})")), {"CVE list of vulnerability USN-1", "img-1"}},
      {"unknown kind", v1_bundle(R"({"vulns": []})"), {"findings of image", "img-1", "\"vulns\""}},
      {"null images", R"({"hss_gate_bundle": 1, "fetched_at": "2026-11-27T12:00:00Z", "images": null})", {"image list"}},
      {"null data_list", R"({"hss_gate_bundle": 1, "fetched_at": "2026-11-27T12:00:00Z", "images": {"data_list": null}})",
       {"image list", "data_list"}},
      {"null findings", R"({"hss_gate_bundle": 1, "fetched_at": "2026-11-27T12:00:00Z",
         "images": {"data_list": []}, "findings": null})", {"findings"}},
      {"fetched_at missing", v1_bundle(entry(vulns, "[]", cves), ""), {"fetched_at"}},
      {"fetched_at unparsable", v1_bundle(entry(vulns, "[]", cves), R"("fetched_at": "yesterday", )"),
       {"fetched_at", "yesterday"}},
      {"fetched_at before the scan", v1_bundle(entry(vulns, "[]", cves), R"("fetched_at": "2026-11-27T11:59:59Z", )"),
       {"fetched_at", "latest_scan_time", "2026-11-27T12:05:00Z"}},
  };
  for (const auto& test_case : cases) {
    BOOST_TEST_CONTEXT(test_case.name) {
      auto file = dir.write("bundle.json", test_case.bundle);
      Run result = run_check(file, policy);
      BOOST_TEST(result.code == gate::k_exit_usage, result.out << result.err);
      BOOST_TEST(result.err.find("--from-file " + file) != std::string::npos, result.err);
      for (const auto& name : test_case.named) BOOST_TEST(result.err.find(name) != std::string::npos, result.err);
    }
  }
  // The same bundle without a defect replays to a verdict: the cases above fail for their defect.
  auto whole = dir.write("bundle.json", v1_bundle(entry(vulns, "[]", cves)));
  Run result = run_check(whole, policy);
  BOOST_TEST(result.code == gate::k_exit_blocked, result.out << result.err);
}

BOOST_AUTO_TEST_SUITE_END()
