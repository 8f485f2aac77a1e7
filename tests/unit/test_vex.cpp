#include "gate/error.hpp"
#include "gate/vex/purl.hpp"
#include "gate/vex/vex.hpp"
#include "gate/units/units.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace gate;
using namespace gate::vex;

namespace {

const std::string k_hex(64, 'a');
const std::string k_image = "pkg:oci/shop@sha256%3A" + k_hex;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(HSS_GATE_TEST_DATA) + "/vex/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message of the UsageError parsing `text` throws; empty when it throws none.
std::string refusal(const std::string& text) {
  try {
    parse_document("doc.json", text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

std::string openvex(const std::string& statements) {
  return R"({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "Sec", "timestamp": "2026-01-01T00:00:00Z", "version": 1, "statements": [)" +
         statements + "]}";
}

std::string statement(const std::string& name, const std::string& status, const std::string& product,
                      const std::string& extra = "") {
  return R"({"vulnerability": {"name": ")" + name + R"("}, "status": ")" + status + R"(", "products": [)" + product +
         "]" + extra + "}";
}

} // namespace

BOOST_AUTO_TEST_SUITE(vex_documents)

BOOST_AUTO_TEST_CASE(purls_give_their_type_name_and_version_decoded) {
  auto deb = parse_purl("pkg:deb/debian/xz-utils@5.6.0-0.2?arch=amd64#sub/path");
  BOOST_REQUIRE(deb);
  BOOST_TEST(deb->type == "deb");
  BOOST_TEST(deb->name == "xz-utils");
  BOOST_TEST(*deb->version == "5.6.0-0.2");
  auto scoped = parse_purl("PKG:NPM/%40angular/core@1.0.0");
  BOOST_REQUIRE(scoped);
  BOOST_TEST(scoped->type == "npm");
  BOOST_TEST(scoped->name == "core");
  auto unversioned = parse_purl("pkg:pypi/django");
  BOOST_REQUIRE(unversioned);
  BOOST_TEST(!unversioned->version);
  for (const char* bad : {"", "pkg:", "pkg:deb", "pkg:/name", "deb/debian/x@1", "pkg:deb/x@", "pkg:deb/x@%zz"}) {
    BOOST_TEST(!parse_purl(bad), bad);
  }
}

BOOST_AUTO_TEST_CASE(an_oci_purl_pins_an_image_only_by_a_whole_digest) {
  BOOST_TEST(*oci_digest(*parse_purl(k_image)) == "sha256:" + k_hex);
  BOOST_TEST(*oci_digest(*parse_purl("pkg:oci/shop@SHA256:" + std::string(64, 'A') + "?tag=1")) == "sha256:" + k_hex);
  BOOST_TEST(*oci_digest(*parse_purl("pkg:oci/shop@sha512%3A" + std::string(128, 'b'))) == "sha512:" + std::string(128, 'b'));
  for (const std::string& bad : std::vector<std::string>{"pkg:oci/shop?tag=2.0.0", "pkg:oci/shop@2.0.0", "pkg:oci/shop@sha256%3A" + k_hex.substr(1),
                          "pkg:oci/shop@sha256%3A" + k_hex + "0", "pkg:oci/shop@md5%3A" + std::string(32, 'a'),
                          "pkg:oci/shop@sha256%3A" + std::string(63, 'a') + "g", "pkg:docker/shop@sha256%3A" + k_hex}) {
    BOOST_TEST(!oci_digest(*parse_purl(bad)), bad);
  }
}

BOOST_AUTO_TEST_CASE(the_fixtures_read_as_the_same_statements_in_every_format) {
  for (const char* name : {"openvex.json", "cyclonedx-1.4.json", "cyclonedx-1.5.json", "cyclonedx-1.6.json", "csaf.json"}) {
    BOOST_TEST_CONTEXT(name) {
      Document document = parse_document(name, fixture(name));
      // Three statements waive (two fixed CVEs, one not affected in xz-utils); the one under
      // investigation is kept as one that may contradict them.
      BOOST_REQUIRE_EQUAL(document.statements.size(), 4u);
      BOOST_TEST(document.statements[0].waives);
      BOOST_TEST(!document.statements[3].waives);
      BOOST_TEST(document.statements[3].vulnerabilities.front() == "CVE-2023-45853");
      const Statement& xz = document.statements.front();
      BOOST_TEST(xz.vulnerabilities.front() == "CVE-2024-3094");
      BOOST_REQUIRE_EQUAL(xz.products.size(), 1u);
      BOOST_TEST(xz.products[0].image_digest == "sha256:" + std::string(64, '1'));
      BOOST_REQUIRE_EQUAL(xz.products[0].components.size(), 1u);
      BOOST_TEST(xz.products[0].components[0].name == "xz-utils");
      BOOST_TEST(*xz.products[0].components[0].version == "5.6.0");
      BOOST_TEST(xz.justification.find("liblzma is never loaded") != std::string::npos);
      BOOST_TEST(document.statements[1].products[0].components.empty());
      BOOST_TEST(!document.author.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(openvex_statements_keep_their_time_and_whether_they_waive) {
  std::string product = R"({"@id": ")" + k_image + R"("})";
  auto at = [](const std::string& time) { return R"(, "justification": "component_not_present", "timestamp": ")" + time + R"(")"; };
  Document document = parse_document("d", openvex(statement("CVE-1", "under_investigation", product, at("2026-01-01T00:00:00Z")) + "," +
                                                   statement("CVE-1", "not_affected", product, at("2026-02-01T00:00:00Z")) + "," +
                                                   statement("CVE-2", "fixed", product)));
  BOOST_REQUIRE_EQUAL(document.statements.size(), 3u);
  BOOST_TEST(!document.statements[0].waives);
  BOOST_TEST(document.statements[1].waives);
  BOOST_TEST((*document.statements[1].time > *document.statements[0].time));
  // Without its own timestamp a statement has the document's.
  BOOST_TEST((*document.statements[2].time == *units::parse_date_time("2026-01-01T00:00:00Z")));
  BOOST_TEST(refusal(openvex(statement("CVE-1", "fixed", product, R"(, "timestamp": "garbage")"))).find("timestamp") != std::string::npos);
  BOOST_TEST(refusal(openvex(statement("CVE-1", "not_affected", product))).find("needs a justification") != std::string::npos);
  BOOST_TEST(refusal(openvex(statement("CVE-1", "not_affected", product, R"(, "justification": "made_up")"))).find("justification") != std::string::npos);
  BOOST_TEST(refusal(openvex(R"({"vulnerability": {"name": "CVE-1", "aliases": [""]}, "status": "fixed", "products": [)" + product + "]}")).find("empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(products_by_tag_and_subcomponents_that_are_not_purls_are_dropped_never_widened) {
  Document tag = parse_document("d", openvex(statement("CVE-1", "fixed", R"({"@id": "pkg:oci/shop?tag=1"})")));
  BOOST_TEST(tag.statements.empty());
  std::string limited = R"({"@id": ")" + k_image + R"(", "subcomponents": [{"@id": "openssl"}, {"@id": "pkg:deb/x@1#sub"}]})";
  BOOST_TEST(parse_document("d", openvex(statement("CVE-1", "fixed", limited))).statements.empty());
  std::string by_identifier = R"({"@id": "https://example.com/shop", "identifiers": {"purl": ")" + k_image + R"("}})";
  BOOST_TEST(parse_document("d", openvex(statement("CVE-1", "fixed", by_identifier))).statements.size() == 1u);
}

BOOST_AUTO_TEST_CASE(anything_else_is_a_usage_error_naming_the_file_and_the_expectation) {
  BOOST_TEST(refusal("nope").find("doc.json: expected a JSON document") != std::string::npos);
  BOOST_TEST(refusal("{}").find("expected OpenVEX 0.2.0, CycloneDX VEX 1.4 to 1.6 or CSAF 2.0 VEX") != std::string::npos);
  BOOST_TEST(refusal(R"({"@context": "https://openvex.dev/ns/v0.0.1"})").find("expected OpenVEX 0.2.0") != std::string::npos);
  BOOST_TEST(refusal(openvex(statement("CVE-1", "maybe", ""))).find("statements[0].status") != std::string::npos);
  BOOST_TEST(refusal(openvex(R"({"vulnerability": "CVE-1", "status": "fixed"})")).find("statements[0].vulnerability") !=
             std::string::npos);
  BOOST_TEST(refusal(R"({"bomFormat": "CycloneDX", "specVersion": "1.3"})").find("1.4, 1.5 or 1.6") != std::string::npos);
  BOOST_TEST(refusal(R"({"bomFormat": "CycloneDX", "specVersion": "1.5"})").find("vulnerabilities") != std::string::npos);
  BOOST_TEST(refusal(R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "vulnerabilities": [{"id": 5}]})")
                 .find("vulnerabilities[0].id") != std::string::npos);
  BOOST_TEST(refusal(R"({"document": {"csaf_version": "2.0", "category": "csaf_base"}})").find("csaf_vex") != std::string::npos);
  BOOST_TEST(refusal(R"({"document": {"csaf_version": "2.1", "category": "csaf_vex"}})").find("CSAF 2.0") != std::string::npos);
  BOOST_TEST(refusal(R"({"a": 1, "a": 2})").find("doc.json") != std::string::npos);
  BOOST_TEST(refusal(fixture("openvex.json")).empty());
  BOOST_TEST(refusal("null").find("whose root is an object") != std::string::npos);
  std::string both = fixture("openvex.json");
  both.insert(both.find('{') + 1, R"("bomFormat": "CycloneDX",)");
  BOOST_TEST(refusal(both).find("claims to be both") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
