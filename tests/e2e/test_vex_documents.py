"""The VEX fixtures of tests/data/vex (OpenVEX 0.2.0, CycloneDX 1.4/1.5/1.6, CSAF 2.0 csaf_vex), each
validated with a real validator from tests/ci: ajv-cli with OpenVEX's own JSON schema (vendored,
see tests/data/vex/README.md), ajv-cli with the CycloneDX schemas that @cyclonedx/cyclonedx-library
ships, and the BSI's @secvisogram/csaf-validator-lib (strict schema + every mandatory test, VEX
profile included) through tests/ci/validate-csaf.mjs. Each validator is also shown to reject a
broken copy of its fixture, for the reason the break should give."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import SOURCE
from test_ci import TOOLS, tool, tools_or_skip

VEX = os.path.join(SOURCE, "tests", "data", "vex")
OPENVEX_SCHEMA = os.path.join(VEX, "openvex_json_schema_0.2.0.json")
CYCLONEDX = os.path.join(TOOLS, "@cyclonedx", "cyclonedx-library", "res", "schema")
CSAF_LIB = os.path.join(TOOLS, "@secvisogram", "csaf-validator-lib")
VALIDATE_CSAF = os.path.join(SOURCE, "tests", "ci", "validate-csaf.mjs")

IMAGE_PURL = "pkg:oci/shop@sha256%3A" + "1" * 64
CVES = {"CVE-2024-3094", "CVE-2024-0001", "CVE-2024-0002", "CVE-2023-45853"}
CYCLONEDX_VERSIONS = ("1.4", "1.5", "1.6")
# Every file of the folder, and what checks it: a new fixture without a validator fails the suite.
FIXTURES = {"openvex.json": "openvex", "csaf.json": "csaf",
            **{f"cyclonedx-{version}.json": "cyclonedx" for version in CYCLONEDX_VERSIONS}}
NOT_FIXTURES = {"README.md", os.path.basename(OPENVEX_SCHEMA)}


def load(name):
    with open(os.path.join(VEX, name), encoding="utf-8") as f:
        return json.load(f)


def cyclonedx_schemas(folder, version):
    """The CycloneDX VERSION schema and the two it refers to, under the names its references use
    (test_dashboards.py's pattern, for any version)."""
    names = {f"bom-{version}.SNAPSHOT.schema.json": f"bom-{version}.schema.json",
             "spdx.SNAPSHOT.schema.json": "spdx.schema.json",
             "jsf-0.82.SNAPSHOT.schema.json": "jsf-0.82.schema.json"}
    os.makedirs(folder, exist_ok=True)
    for source, target in names.items():
        with open(os.path.join(CYCLONEDX, source), encoding="utf-8") as f:
            text = f.read()
        for old, new in names.items():
            text = text.replace(old, new)
        with open(os.path.join(folder, target), "w", encoding="utf-8") as f:
            f.write(text)
    return [os.path.join(folder, name) for name in names.values()]


class VexDocuments(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="hss-gate-vex-")
        cls.schemas = {}
        if os.path.isdir(CYCLONEDX):
            for version in CYCLONEDX_VERSIONS:
                cls.schemas[version] = cyclonedx_schemas(os.path.join(cls.folder, version), version)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, True)

    def setUp(self):
        tools_or_skip(self)
        # node_modules installed before the CSAF validator joined tests/ci/package.json lacks it.
        for needed in (CYCLONEDX, CSAF_LIB):
            if not os.path.isdir(needed):
                message = f"{needed} is missing: run scripts/install-deps --test-tools"
                if os.environ.get("HSS_GATE_REQUIRE_CI_TOOLS") == "1":
                    self.fail(message)
                self.skipTest(message)

    def write(self, name, document):
        path = os.path.join(self.folder, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2)
        return path

    # --- the validators -------------------------------------------------------------------

    def openvex(self, path):
        return subprocess.run([tool("ajv"), "validate", "--spec=draft2020", "--strict=false", "-c", "ajv-formats",
                               "-s", OPENVEX_SCHEMA, "-d", path], capture_output=True, text=True)

    def cyclonedx(self, path, version):
        bom, spdx, jsf = self.schemas[version]
        return subprocess.run([tool("ajv"), "validate", "--spec=draft7", "--strict=false", "-c", "ajv-formats",
                               "-s", bom, "-r", spdx, "-r", jsf, "-d", path], capture_output=True, text=True)

    def csaf(self, *paths):
        return subprocess.run(["node", VALIDATE_CSAF, *paths], capture_output=True, text=True)

    def assert_valid(self, done):
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def assert_rejected(self, done, *reasons):
        """Rejected (exit 1: invalid, not a crash) and for the reasons given."""
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 1, output)
        for reason in reasons:
            self.assertIn(reason, output)

    # --- the fixtures are valid -----------------------------------------------------------

    def test_every_file_of_the_folder_is_a_fixture_with_a_validator(self):
        self.assertEqual(set(os.listdir(VEX)), set(FIXTURES) | NOT_FIXTURES)

    def test_the_openvex_document_is_valid(self):
        done = self.openvex(os.path.join(VEX, "openvex.json"))
        self.assert_valid(done)
        self.assertIn("openvex.json valid", done.stdout + done.stderr)

    def test_the_cyclonedx_documents_are_valid_against_their_own_version(self):
        for version in CYCLONEDX_VERSIONS:
            with self.subTest(version=version):
                name = f"cyclonedx-{version}.json"
                # The schemas take any specVersion string: the file must name the schema it is checked with.
                self.assertEqual(load(name)["specVersion"], version)
                done = self.cyclonedx(os.path.join(VEX, name), version)
                self.assert_valid(done)
                self.assertIn(f"{name} valid", done.stdout + done.stderr)

    def test_the_csaf_document_is_valid_vex(self):
        self.assertEqual(load("csaf.json")["document"]["category"], "csaf_vex")
        done = self.csaf(os.path.join(VEX, "csaf.json"))
        self.assert_valid(done)
        self.assertIn("csaf.json: valid", done.stdout)
        self.assertNotIn("error:", done.stdout)

    def test_the_fixtures_speak_of_one_image_and_its_four_cves(self):
        openvex = load("openvex.json")
        self.assertEqual({s["vulnerability"]["name"] for s in openvex["statements"]}, CVES)
        for statement in openvex["statements"]:
            self.assertEqual([p["@id"] for p in statement["products"]], [IMAGE_PURL])
        for version in CYCLONEDX_VERSIONS:
            bom = load(f"cyclonedx-{version}.json")
            self.assertEqual(bom["metadata"]["component"]["purl"], IMAGE_PURL)
            self.assertEqual({v["id"] for v in bom["vulnerabilities"]}, CVES)
            refs = {c["bom-ref"] for c in bom["components"]} | {bom["metadata"]["component"]["bom-ref"]}
            for vulnerability in bom["vulnerabilities"]:
                for affected in vulnerability["affects"]:
                    self.assertIn(affected["ref"], refs)
        csaf = load("csaf.json")
        image = [p for p in csaf["product_tree"]["full_product_names"] if p["product_id"] == "IMAGE"]
        self.assertEqual(image[0]["product_identification_helper"]["purl"], IMAGE_PURL)
        self.assertEqual({v["cve"] for v in csaf["vulnerabilities"]}, CVES)

    # --- the validators can fail ----------------------------------------------------------

    def test_openvex_rejects_an_unknown_status_and_a_malformed_timestamp(self):
        document = load("openvex.json")
        document["statements"][3]["status"] = "bogus"
        self.assert_rejected(self.openvex(self.write("openvex-status.json", document)),
                             "/statements/3/status", "must be equal to one of the allowed values")
        # ajv-formats is loaded: a format the schema names is checked, not ignored.
        document = load("openvex.json")
        document["timestamp"] = "yesterday"
        self.assert_rejected(self.openvex(self.write("openvex-timestamp.json", document)),
                             "/timestamp", 'must match format "date-time"')
        # not_affected needs a justification or an impact statement (the schema's if/then).
        document = load("openvex.json")
        del document["statements"][0]["justification"], document["statements"][0]["impact_statement"]
        self.assert_rejected(self.openvex(self.write("openvex-not-affected.json", document)), "/statements/0")

    def test_cyclonedx_rejects_an_unknown_analysis_state(self):
        for version in CYCLONEDX_VERSIONS:
            with self.subTest(version=version):
                document = load(f"cyclonedx-{version}.json")
                document["vulnerabilities"][0]["analysis"]["state"] = "bogus"
                path = self.write(f"cyclonedx-{version}-bogus.json", document)
                self.assert_rejected(self.cyclonedx(path, version), "/vulnerabilities/0/analysis/state",
                                     "must be equal to one of the allowed values")

    def test_csaf_rejects_what_the_vex_profile_forbids(self):
        # One call for every broken copy (importing the lib's tests takes seconds), the valid fixture
        # among them: each file gets its own verdict, and one invalid file fails the call.
        broken = {}
        # Valid against the schema (product_status is optional there): only the profile's test catches it.
        document = load("csaf.json")
        del document["vulnerabilities"][1]["product_status"]
        broken[self.write("csaf-no-status.json", document)] = [
            "mandatoryTest_6_1_27_7: /vulnerabilities/1: needs a `product_status` attribute"]
        # known_not_affected without an impact statement (no flag, no impact threat); a vulnerability without notes.
        document = load("csaf.json")
        del document["vulnerabilities"][0]["flags"], document["vulnerabilities"][0]["threats"]
        del document["vulnerabilities"][2]["notes"]
        broken[self.write("csaf-no-impact.json", document)] = [
            "mandatoryTest_6_1_27_9: /vulnerabilities/0/product_status/known_not_affected/0: no suitable impact statement",
            "mandatoryTest_6_1_27_5: /vulnerabilities/2: needs a `notes` attribute"]
        # The strict schema and the product-id cross-references run too.
        document = load("csaf.json")
        document["document"]["unknown"] = True
        document["vulnerabilities"][3]["product_status"]["under_investigation"] = ["NOWHERE"]
        broken[self.write("csaf-schema.json", document)] = [
            "csaf_2_0_strict: /document: must NOT have additional properties",
            "mandatoryTest_6_1_1: /vulnerabilities/3/product_status/under_investigation/0: definition of product id missing"]
        valid = os.path.join(VEX, "csaf.json")
        done = self.csaf(valid, *broken)
        self.assert_rejected(done, f"{valid}: valid")
        for path, reasons in broken.items():
            self.assertIn(f"{path}: INVALID", done.stdout)
            for reason in reasons:
                self.assertIn(f"{path}: error: {reason}", done.stdout)

    def test_the_csaf_validator_fails_loudly_on_an_unreadable_file(self):
        # Exit 2, not 1: a rejection above is a verdict, not a crash.
        done = self.csaf(os.path.join(VEX, "csaf.json"), os.path.join(self.folder, "missing.json"))
        self.assertEqual(done.returncode, 2, done.stdout + done.stderr)
        self.assertIn("missing.json: cannot read", done.stderr)


if __name__ == "__main__":
    unittest.main()
