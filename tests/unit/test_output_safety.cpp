// Issue 19, "nothing is overwritten or injected": printable console text, request path segments,
// repository paths, unique finding keys, endpoint URLs that never echo a secret, and outputs that
// never land on an input however the path is spelled.
#include "gate/config/config.hpp"
#include "gate/config/paths.hpp"
#include "gate/error.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/proxy.hpp"
#include "gate/hss/transport.hpp"
#include "gate/policy/finding_attributes.hpp"
#include "gate/report/report.hpp"
#include "gate/report/report_file.hpp"
#include "gate/report/text.hpp"
#include "gate/text/utf8.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <algorithm>
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

struct Range {
  char32_t first;
  char32_t last;
};

// Unicode's Default_Ignorable_Code_Point, as DerivedCoreProperties.txt lists it (Unicode 15.1).
const std::vector<Range> k_default_ignorable{
    {0x00AD, 0x00AD}, {0x034F, 0x034F},   {0x061C, 0x061C},   {0x115F, 0x1160},   {0x17B4, 0x17B5},
    {0x180B, 0x180F}, {0x200B, 0x200F},   {0x202A, 0x202E},   {0x2060, 0x206F},   {0x3164, 0x3164},
    {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFF8},   {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF}};

// What the console escapes besides them: controls, separators, other invisible format controls,
// the 66 non-characters and private use.
std::vector<Range> escaped_besides_default_ignorables() {
  std::vector<Range> ranges{{0x0000, 0x001F}, {0x007F, 0x009F},   {0x2028, 0x2029},   {0xFFF9, 0xFFFB},
                            {0x13430, 0x1343F}, {0xFDD0, 0xFDEF}, {0xE000, 0xF8FF},   {0xF0000, 0xFFFFD},
                            {0x100000, 0x10FFFD}};
  for (char32_t plane = 0; plane <= 0x10; ++plane) {
    ranges.push_back({plane * 0x10000 + 0xFFFE, plane * 0x10000 + 0xFFFF});
  }
  return ranges;
}

bool in_any(const std::vector<Range>& ranges, char32_t value) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const Range& r) { return value >= r.first && value <= r.last; });
}

std::string utf8(char32_t value) {
  std::string out;
  text::append_utf8(out, value);
  return out;
}

std::string escape_of(char32_t value) {
  return value > 0xFFFF ? fmt::format("\\U{:08x}", static_cast<unsigned>(value))
                        : fmt::format("\\u{:04x}", static_cast<unsigned>(value));
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

// Issue 19: Hangul fillers and other default ignorables printed raw. The set is compared with
// DerivedCoreProperties' list and the other classes code point by code point, and printed at
// each range's edges: the first and last code point escaped, their neighbours outside as they are.
BOOST_AUTO_TEST_CASE(the_console_escapes_every_default_ignorable_and_the_other_classes_at_every_boundary) {
  std::vector<Range> expected = escaped_besides_default_ignorables();
  expected.insert(expected.end(), k_default_ignorable.begin(), k_default_ignorable.end());
  std::size_t differences = 0;
  for (char32_t value = 0; value <= 0x10FFFF; ++value) {
    if (value >= 0xD800 && value <= 0xDFFF) continue; // surrogates never decode: they show as bytes
    if (text::is_non_printing(value) != in_any(expected, value) && ++differences <= 10) {
      BOOST_ERROR(fmt::format("U+{:04X}: is_non_printing says {}", static_cast<unsigned>(value),
                              text::is_non_printing(value)));
    }
  }
  BOOST_TEST(differences == 0u);
  for (const auto& range : expected) {
    for (char32_t edge : {range.first, range.last}) {
      if (edge < 0x80) continue; // C0 and DEL show as \n, \r, \t, \x1b: tested above
      BOOST_TEST(report::printable("a" + utf8(edge) + "b") == "a" + escape_of(edge) + "b", escape_of(edge));
      BOOST_TEST(report::github_escape(utf8(edge), false) == escape_of(edge));
    }
    for (char32_t outside : {range.first - 1, range.last + 1}) {
      if (range.first == 0 || outside > 0x10FFFF || (outside >= 0xD800 && outside <= 0xDFFF) ||
          in_any(expected, outside)) {
        continue;
      }
      BOOST_TEST(report::printable(utf8(outside)) == utf8(outside), escape_of(outside));
    }
  }
  // The classes the attacker named, as a reader sees them.
  BOOST_TEST(report::printable("\u115F\u1160name\u3164\uFFA0") == "\\u115f\\u1160name\\u3164\\uffa0");
  BOOST_TEST(report::printable("a\u034Fb\uFE0Fc\U000E0100d") == "a\\u034fb\\ufe0fc\\U000e0100d");
  BOOST_TEST(report::printable("pua\uE000\U000F0000\U0010FFFD") == "pua\\ue000\\U000f0000\\U0010fffd");
  BOOST_TEST(report::printable("non\uFDD0\U0001FFFE") == "non\\ufdd0\\U0001fffe");
  BOOST_TEST(report::printable("\xed\xa0\x80") == "\\xed\\xa0\\x80"); // a surrogate in UTF-8 is no code point
  BOOST_TEST(report::printable_line("\u3164::error::x") == "\\u3164::error::x");
}

BOOST_AUTO_TEST_CASE(the_non_printing_table_is_ascending_and_names_why_each_range_is_in_it) {
  auto ranges = text::non_printing_ranges();
  BOOST_TEST(!ranges.empty());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    BOOST_TEST((ranges[i].first <= ranges[i].last));
    BOOST_TEST(!ranges[i].why.empty());
    if (i > 0) BOOST_TEST((ranges[i - 1].last < ranges[i].first));
  }
  for (const auto& range : k_default_ignorable) {
    BOOST_TEST(std::any_of(ranges.begin(), ranges.end(), [&](const text::CodePointRange& row) {
      return row.first <= range.first && range.last <= row.last &&
             row.why.find("default ignorable") != std::string_view::npos;
    }), escape_of(range.first));
  }
}

// Issue 19: an annotation is one line of output, whatever line breaks its data holds.
BOOST_AUTO_TEST_CASE(an_annotation_is_one_line_and_only_the_gates_own_lines_are_its_lines) {
  for (std::string breaker : {"\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\x0b", "\x0c"}) {
    std::string annotation = report::github_annotation("error", "hss-gate rule" + breaker + "::warning::t",
                                                       {"detail" + breaker + "::warning::EVIL", "Fix: a" + breaker + "b"});
    BOOST_TEST(std::count(annotation.begin(), annotation.end(), '\n') == 1, report::printable(breaker));
    BOOST_TEST(annotation.back() == '\n');
    BOOST_TEST(annotation.find('\r') == std::string::npos);
    BOOST_TEST(annotation.substr(0, annotation.size() - 1).find(breaker) == std::string::npos);
    BOOST_TEST(annotation.rfind("::error title=hss-gate rule", 0) == 0u);
    // The two lines given are joined by GitHub's %0A; the break inside the data is no %0A.
    BOOST_TEST(annotation.find("%0A") == annotation.rfind("%0A"), annotation);
    BOOST_TEST(annotation.find("%0AFix: a") != std::string::npos, annotation);
  }
  BOOST_TEST(report::github_annotation("warning", "t", {"100% done, a:b"}) == "::warning title=t::100%25 done, a:b\n");
  BOOST_TEST(report::github_annotation("warning", "a:b,c%", {"x"}) == "::warning title=a%3Ab%2Cc%25::x\n");
}

// Issue 19: flag and variable values with line breaks made multi-line errors and extra
// workflow commands. Each message is one line of stderr and, in GitHub Actions, one annotation.
BOOST_AUTO_TEST_CASE(every_error_is_one_line_whatever_the_value_it_quotes) {
  const std::string clean = HSS_GATE_TEST_DATA "/responses/clean.json";
  const std::vector<std::string> base{"check", "--cicd-name", "shop", "--image-version", "1.0.0"};
  for (std::string breaker : {"\n", "\r", "\u0085", "\u2028"}) {
    std::string evil = "A" + breaker + "::warning::EVIL" + breaker + "##[error]EVIL";
    std::vector<std::pair<std::vector<std::string>, std::map<std::string, std::string>>> runs{
        {{"--dotenv-prefix", evil, "--from-file", clean}, {}},
        {{"--wait", evil, "--from-file", clean}, {}},
        {{"--from-file", clean}, {{"HSS_GATE_DOTENV_PREFIX", evil}}},
        {{"--from-file", clean}, {{"HSS_GATE_NOW", evil}}},
        {{"--endpoint", "https://hss.example.com" + evil, "--project-id", "p"}, {{"HSS_GATE_AUTH_TOKEN", "t"}}},
        {{}, {{"HSS_GATE_ENDPOINT", "https://" + evil}, {"HSS_GATE_PROJECT_ID", "p"}, {"HSS_GATE_AUTH_TOKEN", "t"}}},
        {{"--region", evil, "--project-id", "p"}, {{"HSS_GATE_AUTH_TOKEN", "t"}}},
        {{"--on-error", evil, "--from-file", clean}, {}},
    };
    for (auto& [flags, variables] : runs) {
      std::vector<std::string> words = base;
      words.insert(words.end(), flags.begin(), flags.end());
      variables["GITHUB_ACTIONS"] = "true";
      test::Run result = test::run_program(words, variables);
      std::string shown = report::printable(fmt::format("{} {}", fmt::join(flags, " "), variables.size()));
      BOOST_TEST(result.code == k_exit_usage, shown);
      BOOST_TEST(std::count(result.err.begin(), result.err.end(), '\n') == 1, report::printable(result.err));
      BOOST_TEST(result.err.rfind("hss-gate: error: ", 0) == 0u, shown);
      BOOST_TEST(std::count(result.out.begin(), result.out.end(), '\n') == 1, report::printable(result.out));
      BOOST_TEST(result.out.rfind("::error title=hss-gate configuration error::", 0) == 0u, shown);
      // Both end with their one line break; no other break (nor the one under test) is in them.
      std::string lines = result.out.substr(0, result.out.size() - 1) + result.err.substr(0, result.err.size() - 1);
      BOOST_TEST(lines.find(breaker) == std::string::npos, shown);
    }
  }
  // Several problems at once are several messages, each on its own line and annotation.
  test::TempDir dir;
  std::string policy = dir.write("p.toml", "version = 1\n[rules.x]\nfoo = 1\n[rules.y]\nbar = 2\n");
  auto result = test::run_program({"check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file", clean,
                                   "--policy", policy},
                                  {{"GITHUB_ACTIONS", "true"}});
  BOOST_TEST(result.code == k_exit_usage);
  BOOST_TEST(std::count(result.err.begin(), result.err.end(), '\n') == 2, result.err);
  BOOST_TEST(std::count(result.out.begin(), result.out.end(), '\n') == 2, result.out);
  BOOST_TEST(result.err.find("hss-gate: error: " + policy + ":4:") != std::string::npos, result.err);
}

// The names and ids a run is given reach the console, the reports and the CI files: a line
// break or an invisible code point in one is refused (exit 2) like a control character.
BOOST_AUTO_TEST_CASE(a_name_or_id_with_a_code_point_that_prints_nothing_is_refused) {
  const std::string clean = HSS_GATE_TEST_DATA "/responses/clean.json";
  const std::vector<std::pair<std::vector<std::string>, std::string>> runs{
      {{"--cicd-name", "shop\u2028", "--image-version", "1.0.0", "--from-file", clean}, "--cicd-name: "},
      {{"--cicd-name", "shop", "--image-version", "1.0.0\u0085", "--from-file", clean}, "--image-version: "},
      {{"--cicd-name", "shop", "--image-version", "1.0.0", "--image-name", "\u3164", "--from-file", clean},
       "--image-name: "},
      {{"--image", "cicd_name=shop,image_version=1.0.0,namespace=te\u200Bam", "--from-file", clean},
       "--image #1: namespace: "},
      {{"--cicd-name", "shop", "--image-version", "1.0.0", "--project-id", "p\u115F", "--region", "ap-southeast-1"},
       "--project-id: "},
  };
  for (const auto& [words, origin] : runs) {
    std::vector<std::string> command{"check"};
    command.insert(command.end(), words.begin(), words.end());
    test::Run result = test::run_program(command, {{"HSS_GATE_AUTH_TOKEN", "t"}});
    BOOST_TEST(result.code == k_exit_usage, origin);
    BOOST_TEST(result.err.find("hss-gate: error: " + origin + "expected printable UTF-8 text") == 0u,
               report::printable(result.err));
    BOOST_TEST(std::count(result.err.begin(), result.err.end(), '\n') == 1, report::printable(result.err));
  }
  BOOST_TEST(text::is_printable_text("caf\u00e9 \u4e2d\u6587 1.0.0-rc.1"));
  BOOST_TEST(!text::is_printable_text("a\xff"));
  BOOST_TEST(!text::is_printable_text("a\uE000"));
}

BOOST_AUTO_TEST_CASE(an_error_holds_one_message_or_several) {
  UsageError one("a\nb");
  BOOST_TEST(one.messages().size() == 1u);
  BOOST_TEST(one.messages().front() == "a\nb");
  UsageError several(std::vector<std::string>{"first", "second"});
  BOOST_TEST(several.messages().size() == 2u);
  BOOST_TEST(std::string(several.what()) == "first\nsecond");
  UsageError copy = several;
  BOOST_TEST(copy.messages().back() == "second");
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

// Issue 19: a lenient URL parser took "host;token=..." as a host and echoed it, and refusals of
// a percent-encoded query, a bad port, a space or a backslash showed more than the host. Every
// shape is refused (exit 2) and the secret appears in no message.
BOOST_AUTO_TEST_CASE(an_endpoint_host_is_checked_strictly_and_a_refusal_never_shows_the_secret) {
  const std::vector<std::pair<std::string, std::string>> refused{
      {"https://hss.example.com/%3Ftoken=SECRET2", "no path, query or fragment"},
      {"https://hss.example.com&token=SECRET2", "the host holds '&'"},
      {"https://hss.example.com;token=SECRET2", "the host holds ';'"},
      {"https://hss.example.com,token=SECRET2", "the host holds ','"},
      {"https://hss.example.com%3Btoken=SECRET2", "the host holds '%'"},
      {"https://hss.example.com:99999?token=SECRET2", "the port is not a number from 1 to 65535"},
      {"https://hss.example.com:0/SECRET2", "the port is not a number from 1 to 65535"},
      {"https://hss.example.com:SECRET2", "the port is not a number from 1 to 65535"},
      {"https://hss.example.com:443:SECRET2", "the port is not a number from 1 to 65535"},
      {"https://hss.exa mple.com?token=SECRET2", "the host holds a space"},
      {"https://hss.example.com\\SECRET2", "the host holds '\\'"},
      {"https://hss.example.com\n::warning::SECRET2", "the host holds the control character 0x0a"},
      {"https://user\\@host?token=SECRET2", "must not carry credentials"},
      {"https://u:SECRET2@host", "must not carry credentials"},
      {"https://SECRET2@", "must not carry credentials"},
      {"https://hss_SECRET2.example.com", "the host holds '_'"},
      {"https://h\xc3\xa4ss.example.com/SECRET2", "punycode"},
      {"https://-SECRET2.example.com", "starts or ends with '-'"},
      {"https://hss..SECRET2.com", "an empty label"},
      {"https://" + std::string(64, 'a') + ".SECRET2.com", "a label longer than 63"},
      {"https://1.2.3.256/SECRET2", "not an IPv4 address"},
      {"https://01.2.3.4", "not an IPv4 address"},
      {"https://[::1;SECRET2]", "not an IPv6 address in brackets"},
      {"https://[fe80::1%25SECRET2]", "not an IPv6 address in brackets"},
      {"https://", "the host is empty"},
      {"SECRET2", "does not start with https:// or http://"},
      {"ftp://SECRET2@hss.example.com", "does not start with https:// or http://"},
      {"hss.example.com/SECRET2", "does not start with https:// or http://"},
  };
  for (const auto& entry : refused) {
    // A lambda may not capture a structured binding before C++20 (clang refuses it).
    const std::string& url = entry.first;
    const std::string& problem = entry.second;
    std::string error = test::error_of([&] { hss::parse_endpoint_url(url, "HSS_GATE_ENDPOINT"); });
    BOOST_TEST(error.find("HSS_GATE_ENDPOINT: ") == 0, report::printable(error));
    BOOST_TEST(error.find(problem) != std::string::npos, report::printable(url) + " -> " + report::printable(error));
    BOOST_TEST(error.find("SECRET2") == std::string::npos, report::printable(error));
    BOOST_TEST(error.find('\n') == std::string::npos, report::printable(error));
  }
  const std::vector<std::pair<std::string, std::string>> accepted{
      {"https://hss.ap-southeast-1.myhuaweicloud.com", "https://hss.ap-southeast-1.myhuaweicloud.com"},
      {"HTTPS://HSS.Example.COM:443/", "https://hss.example.com"},
      {"https://hss.example.com.:8443", "https://hss.example.com.:8443"},
      {"http://127.0.0.1:1", "http://127.0.0.1:1"},
      {"http://localhost:65535", "http://localhost:65535"},
      {"https://[::1]:8443", "https://[::1]:8443"},
      {"https://[2001:db8::1]", "https://[2001:db8::1]"},
      {"https://10.0.0.255", "https://10.0.0.255"},
      {"https://xn--hss-joa.example.com", "https://xn--hss-joa.example.com"},
      {"https://" + std::string(63, 'a') + ".example.com", "https://" + std::string(63, 'a') + ".example.com"},
  };
  for (const auto& entry : accepted) {
    const std::string& url = entry.first;
    const std::string& shown = entry.second;
    BOOST_TEST(test::error_of([&] { hss::parse_endpoint_url(url, "--endpoint"); }) == "no error", url);
    BOOST_TEST(hss::parse_endpoint_url(url, "--endpoint").str() == shown, url);
  }
}

// The proxy takes the same strict check, with user information allowed and never shown.
BOOST_AUTO_TEST_CASE(a_proxy_url_is_checked_as_strictly_and_never_shows_its_credentials) {
  hss::EndpointUrl endpoint{"https", "hss.example.com", 443};
  for (std::string proxy : {"http://user:SECRET3@proxy;x=SECRET3:3128", "http://user:SECRET3@proxy:99999",
                            "proxy.example:3128/?token=SECRET3", "http://proxy.example:3128#SECRET3",
                            "socks5://user:SECRET3@proxy:1080", "http://user:SECRET3@pro xy:3128",
                            "http://proxy\n::warning::SECRET3"}) {
    hss::ProxySettings settings{proxy, "", "https_proxy"};
    std::string error = test::error_of([&] { hss::choose_proxy(endpoint, settings); });
    BOOST_TEST(error.find("https_proxy: ") == 0, report::printable(error));
    BOOST_TEST(error.find("SECRET3") == std::string::npos, report::printable(error));
    BOOST_TEST(error.find('\n') == std::string::npos, report::printable(error));
  }
  hss::ProxySettings good{"HTTP://us%3Aer:pa%40ss@Proxy.Example:3128/", "", "HTTPS_PROXY"};
  auto choice = hss::choose_proxy(endpoint, good);
  BOOST_REQUIRE(choice.proxy);
  BOOST_TEST(choice.proxy->host == "proxy.example");
  BOOST_TEST(choice.proxy->port == 3128);
  BOOST_TEST(choice.proxy->username == "us:er");
  BOOST_TEST(choice.proxy->password == "pa@ss");
  BOOST_TEST(choice.reason.find("pa") == std::string::npos);
  BOOST_TEST(hss::choose_proxy(endpoint, {"proxy.example", "", "HTTPS_PROXY"}).proxy->port == 80);
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

// A name planted beside a report while HSS answered (a link to an input, any staged name the gate
// could pick) is never written through: the staged file is always a new file.
BOOST_AUTO_TEST_SUITE(output_safety_staging)

BOOST_AUTO_TEST_CASE(a_planted_link_beside_a_report_is_never_written_through) {
  test::TempDir dir;
  auto victim = dir.write("policy.toml", "version = 1\n");
  auto report = dir.path("r.json");
  for (int planted : {1, 3}) {
    for (int i = 0; i < planted; ++i) {
      for (const auto& name : {fmt::format("{}.tmp-{}", report, ::getpid()), fmt::format("{}.tmp-{}-{}", report, ::getpid(), i)}) {
        std::error_code ignored;
        std::filesystem::create_symlink(victim, name, ignored);
      }
    }
    for (unsigned i = 0; i < 8; ++i) {
      std::error_code ignored;
      std::filesystem::create_symlink(victim, fmt::format("{}.tmp-{}-{}", report, ::getpid(), i), ignored);
    }
    gate::report::write_file_atomically(report, "{\"report\": true}");
    BOOST_TEST(test::read_file(victim) == "version = 1\n");
    BOOST_TEST(std::filesystem::is_regular_file(std::filesystem::symlink_status(report)));
    BOOST_TEST(test::read_file(report) == "{\"report\": true}");
  }
}

BOOST_AUTO_TEST_SUITE_END()
