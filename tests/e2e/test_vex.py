"""VEX documents (--vex): OpenVEX 0.2.0, CycloneDX VEX 1.4-1.6 and CSAF 2.0 VEX waive the
vulnerability findings their statements cover, only where the policy allows it ([vex] allow,
tighten-only; a rule's `vex = false`), matched by image digest and package; every report says
so. The fixtures in tests/data/vex are validated with the formats' own validators
(test_vex_documents)."""
import copy
import json
import os
import subprocess

from harness import DATA, FakeServerTest, record
from test_ci import tool

TOKEN = "vex-SECRET-token"
HEX = "1" * 64
DIGEST = "sha256:" + HEX
FIXTURES = os.path.join(DATA, "vex")
DOCUMENTS = ["openvex.json", "cyclonedx-1.4.json", "cyclonedx-1.5.json", "cyclonedx-1.6.json", "csaf.json"]
AUTHORS = {"openvex.json": "Platform Security <security@example.com>", "csaf.json": "Example Vendor"}


def vulnerability(vul_id, app, version):
    return {"vul_id": vul_id, "repair_necessity": "immediate_repair", "app_name": app, "version": version,
            "app_path": "", "description": "", "position": "layer1", "solution": "", "url": ""}


OPENSSL = vulnerability("USN-1", "openssl", "1.1.1")  # CVE-2024-0001 and CVE-2024-0002: both fixed
XZ = vulnerability("USN-2", "xz-utils", "5.6.0")       # CVE-2024-3094: not affected in xz-utils
ZLIB = vulnerability("USN-3", "zlib", "1.2.13")        # CVE-2023-45853: under investigation
CVES = {"USN-1": ["CVE-2024-0001", "CVE-2024-0002"], "USN-2": ["CVE-2024-3094"], "USN-3": ["CVE-2023-45853"]}

RULE = '[rules.vulns]\nfindings = "vulnerabilities"\nmax = {max}\n'


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


def cve(cve_id):
    return {"cve_id": cve_id, "cvss_score": 7.5, "publish_time": 0, "description": ""}


class Vex(FakeServerTest):
    TOKEN = TOKEN

    def setUp(self):
        super().setUp()
        self.serve([OPENSSL, XZ, ZLIB])

    def serve(self, vulnerabilities, digest=DIGEST):
        self.fake.reset([record(image_id="img-1", image_version="2.0.0", image_digest=digest, vul_num=3)])
        with self.fake.lock:
            self.fake.findings = {"img-1": {"vulnerabilities": vulnerabilities}}
            self.fake.cves = {vul_id: [cve(c) for c in ids] for vul_id, ids in CVES.items()}

    def write(self, name, text):
        path = os.path.join(self.folder, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def policy(self, text="[vex]\nallow = true\n", max=0, name="policy.toml"):
        return self.write(name, "version = 1\n" + text + RULE.format(max=max))

    def document(self, name, data):
        return self.write(name, json.dumps(data))

    def run_gate(self, *args, env=None):
        return self.gate("check", "--endpoint", self.fake.url, "--project-id", "test-project", "--cicd-name", "shop",
                         "--image-version", "2.0.0", "--json", "report.json", "--junit", "junit.xml",
                         "--summary", "summary.md", "--sarif", "report.sarif", *args,
                         env={"HSS_GATE_AUTH_TOKEN": TOKEN, **(env or {})})

    def rule(self, result, rule_id="vulns"):
        return next(r for r in result.json()["images"][0]["results"] if r["rule"] == rule_id)

    def findings(self, result):
        return {f["id"]: f for f in self.rule(result)["findings"]}

    def waived(self, result):
        return sorted(i for i, f in self.findings(result).items() if f["waived"])


class Formats(Vex):
    def test_every_format_waives_what_its_statements_cover_and_nothing_else(self):
        for name in DOCUMENTS:
            with self.subTest(name):
                result = self.run_gate("--policy", self.policy(), "--vex", os.path.join(FIXTURES, name))
                self.assertEqual(result.code, 1, result.out + result.err)
                # USN-1: both its CVEs fixed; USN-2: not affected in xz-utils 5.6.0; USN-3 is under
                # investigation (CycloneDX: in_triage), which changes nothing.
                self.assertEqual(self.waived(result), ["USN-1", "USN-2"])
                rule = self.rule(result)
                self.assertEqual(rule["actual"], 1)
                self.assertIn("2 waived by VEX", rule["detail"])
                waiver = self.findings(result)["USN-2"]["waiver"]
                self.assertEqual(waiver["by"], "vex")
                self.assertIsNone(waiver["expires"])
                self.assertEqual(waiver["vex"]["document"], os.path.join(FIXTURES, name))
                self.assertEqual(waiver["vex"]["vulnerabilities"], ["CVE-2024-3094"])
                self.assertIn(waiver["vex"]["status"], ("not_affected", "known_not_affected"))
                self.assertIn("code_not", waiver["vex"]["justification"])
                self.assertEqual(waiver["vex"]["author"], AUTHORS.get(name, "Platform Security"))
                self.assertEqual(self.findings(result)["USN-1"]["waiver"]["vex"]["vulnerabilities"],
                                 ["CVE-2024-0001", "CVE-2024-0002"])
                self.assertFalse(self.findings(result)["USN-3"]["waived"])

    def test_a_rule_within_max_thanks_to_vex_is_waived_by_vex_in_every_report(self):
        result = self.run_gate("--policy", self.policy(max=1), "--vex", os.path.join(FIXTURES, "openvex.json"))
        self.assertEqual(result.code, 0, result.out + result.err)
        rule = self.rule(result)
        self.assertEqual((rule["status"], rule["waived_by"]), ("excepted", "vex"))
        self.assertIn("waived by VEX", result.text("junit.xml"))
        self.assertIn("waived by VEX", result.text("summary.md"))
        self.assertIn("by VEX", result.out)
        sarif = json.loads(result.text("report.sarif"))
        suppressed = [r for run in sarif["runs"] for r in run["results"] if r.get("suppressions")]
        self.assertEqual(len(suppressed), 2)
        for r in suppressed:
            self.assertEqual(r["suppressions"][0]["kind"], "external")
            self.assertIn("VEX", r["suppressions"][0]["justification"])

    def test_exceptions_and_vex_together_are_waived_by_findings(self):
        text = ('[vex]\nallow = true\n[[exceptions]]\nrules = ["vulns"]\nfinding = { vul_id = "USN-3" }\n'
                'expires = 2027-01-01\nreason = "SEC-1: zlib fix is on its way"\n')
        result = self.run_gate("--policy", self.policy(text), "--vex", os.path.join(FIXTURES, "csaf.json"))
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(self.rule(result)["waived_by"], "findings")
        self.assertEqual(self.findings(result)["USN-3"]["waiver"]["by"], "exception")
        self.assertEqual(self.findings(result)["USN-2"]["waiver"]["by"], "vex")

    def test_the_environment_lists_documents_like_the_policy_files(self):
        openvex, csaf = os.path.join(FIXTURES, "openvex.json"), os.path.join(FIXTURES, "csaf.json")
        for value in (f"{openvex}\n{csaf}", f"{openvex}, {csaf}"):
            with self.subTest(value):
                result = self.run_gate("--policy", self.policy(max=1), env={"HSS_GATE_VEX": value})
                self.assertEqual(result.code, 0, result.out + result.err)
                self.assertEqual(self.waived(result), ["USN-1", "USN-2"])


class Governance(Vex):
    def test_without_allow_nothing_is_waived_and_the_run_says_why(self):
        result = self.run_gate("--policy", self.policy(""), "--vex", os.path.join(FIXTURES, "openvex.json"))
        self.assertEqual(result.code, 1)
        self.assertEqual(self.waived(result), [])
        self.assertTrue(any("does not allow VEX" in w for w in result.json()["warnings"]), result.json()["warnings"])

    def test_allow_is_tighten_only(self):
        base = self.write("base.toml", "version = 1\n[vex]\nallow = false\n")
        child = self.policy('extends = ["base.toml"]\n[vex]\nallow = true\n')
        result = self.run_gate("--policy", child, "--vex", os.path.join(FIXTURES, "openvex.json"))
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("vex.allow = true", result.err)
        self.assertEqual(self.fake.requests, [])
        # A base that says nothing lets an extending file allow VEX.
        self.write("base.toml", "version = 1\n")
        self.assertEqual(self.run_gate("--policy", child, "--vex", os.path.join(FIXTURES, "openvex.json")).code, 1)
        self.assertEqual(base, os.path.join(self.folder, "base.toml"))

    def test_a_rule_may_refuse_vex_and_an_extending_rule_may_not_drop_that(self):
        path = self.write("policy.toml", "version = 1\n[vex]\nallow = true\n" + RULE.format(max=0) + "vex = false\n")
        result = self.run_gate("--policy", path, "--vex", os.path.join(FIXTURES, "openvex.json"))
        self.assertEqual(result.code, 1)
        self.assertEqual(self.waived(result), [])
        show = self.gate("policy", "show", path)
        self.assertIn("vex = false", show.out)
        child = self.write("child.toml", 'version = 1\nextends = ["policy.toml"]\n' + RULE.format(max=0))
        result = self.run_gate("--policy", child, "--vex", os.path.join(FIXTURES, "openvex.json"))
        self.assertEqual(result.code, 2)
        self.assertIn("drops vex = false", result.err)

    def test_vex_on_a_kind_vex_does_not_name_is_a_policy_error(self):
        path = self.write("policy.toml", 'version = 1\n[rules.m]\nfindings = "malware"\nmax = 0\nvex = false\n')
        result = self.gate("policy", "lint", path)
        self.assertEqual(result.code, 2)
        self.assertIn("rules.m.vex", result.out + result.err)


class Matching(Vex):
    def openvex(self, mutate):
        data = fixture("openvex.json")
        mutate(data)
        return self.document("doc.json", data)

    def product(self, data, index=0):
        return data["statements"][index]["products"][0]

    def test_a_product_named_by_tag_or_another_digest_waives_nothing_and_is_reported_unused(self):
        for purl in ("pkg:oci/shop?tag=2.0.0", "pkg:oci/shop@2.0.0", "pkg:oci/shop@sha256%3A" + "2" * 64,
                     "pkg:oci/shop@sha256%3A" + "1" * 63, "pkg:docker/shop@sha256%3A" + HEX):
            with self.subTest(purl):
                def mutate(data):
                    for statement in data["statements"]:
                        statement["products"][0]["@id"] = purl
                result = self.run_gate("--policy", self.policy(), "--vex", self.openvex(mutate))
                self.assertEqual(self.waived(result), [])
                self.assertTrue(any("doc.json" in w and "check its product identifiers" in w
                                    for w in result.json()["warnings"]), result.json()["warnings"])

    def test_the_digest_may_be_written_plainly_and_in_any_case(self):
        for purl in (f"pkg:oci/shop@sha256:{HEX}", f"pkg:oci/other-name@sha256%3a{HEX.upper()}",
                     f"pkg:oci/shop@sha256%3A{HEX}?repository_url=registry.example/team/shop&tag=2.0.0"):
            with self.subTest(purl):
                def mutate(data):
                    for statement in data["statements"]:
                        statement["products"][0]["@id"] = purl
                result = self.run_gate("--policy", self.policy(), "--vex", self.openvex(mutate))
                self.assertEqual(self.waived(result), ["USN-1", "USN-2"])

    def test_a_subcomponent_must_be_the_findings_package_and_version(self):
        cases = {"pkg:deb/debian/xz-utils@5.6.1": [], "pkg:deb/debian/zlib@5.6.0": [], "pkg:deb/debian/xz-utils": ["USN-2"],
                 "pkg:deb/debian/XZ-Utils@5.6.0": ["USN-2"], "not a purl": []}
        for subcomponent, waived in cases.items():
            with self.subTest(subcomponent):
                def mutate(data):
                    self.product(data)["subcomponents"] = [{"@id": subcomponent}]
                    data["statements"] = data["statements"][:1]
                result = self.run_gate("--policy", self.policy(), "--vex", self.openvex(mutate))
                self.assertEqual(self.waived(result), waived)

    def test_a_statement_must_cover_the_vul_id_or_every_cve_to_cover(self):
        def only_one_fixed(data):
            data["statements"] = [s for s in data["statements"] if s["vulnerability"]["name"] != "CVE-2024-0002"]
        result = self.run_gate("--policy", self.policy(), "--vex", self.openvex(only_one_fixed))
        self.assertNotIn("USN-1", self.waived(result))
        # A rule that counts only CVE-2024-0001 needs only that one covered.
        text = '[vex]\nallow = true\n'
        path = self.write("policy.toml", "version = 1\n" + text + RULE.format(max=0) + 'where.cve_id = ["CVE-2024-0001"]\n')
        result = self.run_gate("--policy", path, "--vex", self.openvex(only_one_fixed))
        self.assertEqual(self.waived(result), ["USN-1"])
        # The finding's own id in a statement is enough.
        def by_vul_id(data):
            data["statements"] = [dict(data["statements"][1], vulnerability={"name": "USN-3"})]
        result = self.run_gate("--policy", self.policy(), "--vex", self.openvex(by_vul_id))
        self.assertEqual(self.waived(result), ["USN-3"])

    def test_cves_are_read_only_for_vulnerabilities_no_statement_names(self):
        def by_vul_id(data):
            data["statements"][3] = dict(data["statements"][1], vulnerability={"name": "USN-3"})
        result = self.run_gate("--policy", self.policy(), "--vex", self.openvex(by_vul_id))
        self.assertEqual(self.waived(result), ["USN-1", "USN-2", "USN-3"])
        cve_paths = sorted(r["path"] for r in self.fake.finding_requests("cves"))
        self.assertEqual([p.split("/")[-2] for p in cve_paths], ["USN-1", "USN-2"])
        # A statement that may contradict (CVE-2023-45853 under investigation) names a CVE: every
        # vulnerability's CVEs are read then, and USN-3 is not waived by its vul_id alone.
        self.fake.requests.clear()
        def contradicted(data):
            data["statements"].append(dict(data["statements"][1], vulnerability={"name": "USN-3"}))
        result = self.run_gate("--policy", self.policy(), "--vex", self.openvex(contradicted))
        self.assertEqual(self.waived(result), ["USN-1", "USN-2"])
        self.assertEqual(len(self.fake.finding_requests("cves")), 3)
        # Without VEX documents no CVE is read at all.
        self.fake.requests.clear()
        self.run_gate("--policy", self.policy())
        self.assertEqual(self.fake.finding_requests("cves"), [])

    def test_affected_and_under_investigation_change_nothing_and_the_latest_statement_wins(self):
        def statuses(*pairs):
            def mutate(data):
                first = data["statements"][1]
                data["statements"] = []
                for status, time in pairs:
                    statement = dict(first, vulnerability={"name": "USN-3"}, status=status, timestamp=time,
                                     justification="component_not_present")
                    if status == "affected":
                        statement["action_statement"] = "upgrade"
                    data["statements"].append(statement)
            return mutate
        cases = [((("affected", "2026-01-01T00:00:00Z"),), []),
                 ((("under_investigation", "2026-01-01T00:00:00Z"),), []),
                 ((("under_investigation", "2026-01-01T00:00:00Z"), ("not_affected", "2026-02-01T00:00:00Z")), ["USN-3"]),
                 ((("not_affected", "2026-01-01T00:00:00Z"), ("affected", "2026-02-01T00:00:00Z")), []),
                 ((("affected", "2026-02-01T00:00:00Z"), ("fixed", "2026-01-01T00:00:00Z")), [])]
        for pairs, waived in cases:
            with self.subTest(pairs):
                result = self.run_gate("--policy", self.policy(), "--vex", self.openvex(statuses(*pairs)))
                self.assertEqual(self.waived(result), waived)

    def test_cyclonedx_refs_resolve_through_the_bom(self):
        data = fixture("cyclonedx-1.6.json")
        # A BOM-Link to the xz component, and the image named without a digest: nothing matches then.
        serial = data["serialNumber"].removeprefix("urn:uuid:")
        data["vulnerabilities"][0]["affects"] = [{"ref": f"urn:cdx:{serial}/1#xz"}]
        result = self.run_gate("--policy", self.policy(), "--vex", self.document("bom.json", data))
        self.assertIn("USN-2", self.waived(result))
        data["metadata"]["component"]["purl"] = "pkg:oci/shop?tag=2.0.0"
        result = self.run_gate("--policy", self.policy(), "--vex", self.document("bom.json", data))
        self.assertEqual(self.waived(result), [])

    def test_csaf_contradicting_statuses_waive_nothing(self):
        data = fixture("csaf.json")
        data["vulnerabilities"][0]["product_status"]["known_affected"] = ["IMAGE:XZ"]
        result = self.run_gate("--policy", self.policy(), "--vex", self.document("csaf.json", data))
        self.assertNotIn("USN-2", self.waived(result))

    def test_an_image_without_a_digest_is_waived_nothing(self):
        self.serve([OPENSSL, XZ, ZLIB], digest=None)
        result = self.run_gate("--policy", self.policy(), "--vex", os.path.join(FIXTURES, "openvex.json"))
        self.assertEqual(self.waived(result), [])

    def test_a_replay_of_a_saved_run_waives_alike(self):
        openvex = os.path.join(FIXTURES, "openvex.json")
        live = self.run_gate("--policy", self.policy(), "--vex", openvex, "--save-bundle", "run.json")
        self.assertEqual(self.waived(live), ["USN-1", "USN-2"])
        replay = self.gate("check", "--from-file", "run.json", "--cicd-name", "shop", "--image-version", "2.0.0",
                           "--json", "replay.json", "--policy", self.policy(), "--vex", openvex)
        self.assertEqual(replay.code, live.code)
        rule = next(r for r in replay.json("replay.json")["images"][0]["results"] if r["rule"] == "vulns")
        self.assertEqual(sorted(f["id"] for f in rule["findings"] if f["waived"]), ["USN-1", "USN-2"])

    def test_the_attestation_lists_vex_waivers(self):
        result = self.run_gate("--policy", self.policy(max=1), "--vex", os.path.join(FIXTURES, "openvex.json"),
                               "--attestation", "verdict.intoto.json")
        self.assertEqual(result.code, 0, result.out + result.err)
        done = subprocess.run([tool("ajv"), "validate", "--spec=draft7", "--strict=false", "-c", "ajv-formats", "-s",
                               os.path.join(DATA, "intoto", "statement-v1-cosign-vuln.schema.json"),
                               "-d", result.path("verdict.intoto.json")], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        statement = json.loads(result.text("verdict.intoto.json"))
        waivers = statement["predicate"]["scanner"]["result"]["hss_gate"]["images"][0]["waivers"]
        self.assertEqual(sorted(w["finding"] for w in waivers if w["by"] == "vex"), ["USN-1", "USN-2"])


class Contradictions(Vex):
    """A statement that the finding is, or may be, affected stops a waiver unless every statement
    used is dated and later: across documents, aliases, spellings of the digest and formats."""

    def waived_with(self, *documents):
        args = []
        for i, data in enumerate(documents):
            args += ["--vex", self.document(f"doc{i}.json", data)]
        result = self.run_gate("--policy", self.policy(), *args)
        self.assertIn(result.code, (0, 1), result.out + result.err)
        return self.waived(result)

    def openvex(self, *statements, timestamp="2026-01-15T09:00:00Z"):
        data = fixture("openvex.json")
        data["timestamp"] = timestamp
        data["statements"] = list(statements)
        return data

    def xz(self, status, time=None, product=None, name="CVE-2024-3094", aliases=None, subcomponent=True):
        product = product or {"@id": f"pkg:oci/shop@sha256%3A{HEX}"}
        if subcomponent:
            product = dict(product, subcomponents=[{"@id": "pkg:deb/debian/xz-utils"}])
        statement = {"vulnerability": {"name": name, **({"aliases": aliases} if aliases else {})},
                     "products": [product], "status": status}
        if status == "not_affected":
            statement["justification"] = "vulnerable_code_not_in_execute_path"
        if status == "affected":
            statement["action_statement"] = "upgrade"
        if time:
            statement["timestamp"] = time
        return statement

    def test_a_later_or_undated_contradiction_anywhere_stops_the_waiver(self):
        early, late = "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"
        waiver = self.xz("not_affected", early)
        self.assertEqual(self.waived_with(self.openvex(waiver)), ["USN-2"])
        contradictions = {
            "alias": self.xz("affected", late, name="X-9", aliases=["CVE-2024-3094"]),
            "plain digest": self.xz("affected", late, product={"@id": f"pkg:oci/other@sha256:{HEX.upper()}"}),
            "whole image": self.xz("under_investigation", late, subcomponent=False),
            "by identifiers": self.xz("affected", late, product={"@id": "https://x/shop",
                                                                 "identifiers": {"purl": f"pkg:oci/shop@sha256%3A{HEX}"}}),
            "the vul_id": self.xz("affected", late, name="USN-2"),
        }
        for name, contradiction in contradictions.items():
            with self.subTest(name):
                self.assertEqual(self.waived_with(self.openvex(waiver, contradiction)), [])
                self.assertEqual(self.waived_with(self.openvex(waiver), self.openvex(contradiction)), [])
                self.assertEqual(self.waived_with(self.openvex(contradiction), self.openvex(waiver)), [])
        # The latest statement stands when both are dated and it is not in the future.
        self.assertEqual(self.waived_with(self.openvex(self.xz("under_investigation", early), self.xz("not_affected", late))),
                         ["USN-2"])
        self.assertEqual(self.waived_with(self.openvex(self.xz("affected", early), self.xz("not_affected", "2099-01-01T00:00:00Z"))),
                         [])
        # Another package or another image contradicts nothing.
        other = self.xz("affected", late, product={"@id": f"pkg:oci/shop@sha256%3A{'2' * 64}"})
        self.assertEqual(self.waived_with(self.openvex(waiver, other)), ["USN-2"])

    def test_cyclonedx_and_csaf_contradictions_stop_waivers(self):
        bom = fixture("cyclonedx-1.6.json")
        exploitable = copy.deepcopy(bom["vulnerabilities"][0])
        exploitable.pop("bom-ref", None)
        exploitable["analysis"] = {"state": "exploitable"}
        exploitable["affects"] = [{"ref": "image"}]
        bom["vulnerabilities"].append(exploitable)
        self.assertNotIn("USN-2", self.waived_with(bom))
        versions = fixture("cyclonedx-1.6.json")
        versions["vulnerabilities"][0]["affects"][0]["versions"] = [{"version": "5.6.0", "status": "affected"}]
        self.assertNotIn("USN-2", self.waived_with(versions))
        csaf = fixture("csaf.json")
        again = copy.deepcopy(csaf["vulnerabilities"][0])
        again["product_status"] = {"known_affected": ["IMAGE"]}
        again["remediations"] = [{"category": "vendor_fix", "details": "upgrade", "product_ids": ["IMAGE"]}]
        csaf["vulnerabilities"].append(again)
        self.assertNotIn("USN-2", self.waived_with(csaf))


class Hostile(Vex):
    """Documents that try to waive more than they say."""

    def test_an_empty_vulnerability_id_is_refused_not_a_cover_for_cves_without_one(self):
        with self.fake.lock:
            self.fake.cves["USN-1"] = [cve(""), {"cvss_score": 5.0, "publish_time": 0, "description": ""}]
        csaf = fixture("csaf.json")
        csaf["vulnerabilities"][1]["cve"] = ""
        bom = fixture("cyclonedx-1.5.json")
        bom["vulnerabilities"][1]["references"] = [{"id": "", "source": {"name": "x"}}]
        openvex = fixture("openvex.json")
        openvex["statements"][1]["vulnerability"]["aliases"] = [""]
        for name, data in (("csaf.json", csaf), ("bom.json", bom), ("openvex.json", openvex)):
            with self.subTest(name):
                result = self.run_gate("--policy", self.policy(), "--vex", self.document(name, data))
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn("empty", result.err)

    def test_links_to_other_boms_and_components_of_other_images_name_nothing_here(self):
        bom = fixture("cyclonedx-1.6.json")
        serial = bom["serialNumber"].removeprefix("urn:uuid:")
        for ref in (f"urn:cdx:00000000-0000-0000-0000-000000000000/1#xz", f"urn:cdx:{serial}/7#xz"):
            with self.subTest(ref):
                data = copy.deepcopy(bom)
                data["vulnerabilities"][0]["affects"] = [{"ref": ref}]
                self.assertNotIn("USN-2", self.waived(self.run_gate("--policy", self.policy(), "--vex",
                                                                    self.document("bom.json", data))))
        data = copy.deepcopy(bom)
        data["components"] = [{"type": "container", "name": "other", "bom-ref": "other",
                               "purl": f"pkg:oci/other@sha256%3A{'2' * 64}",
                               "components": [{"type": "library", "name": "xz-utils", "version": "5.6.0", "bom-ref": "xz",
                                               "purl": "pkg:deb/debian/xz-utils@5.6.0"}]}]
        self.assertNotIn("USN-2", self.waived(self.run_gate("--policy", self.policy(), "--vex", self.document("bom.json", data))))

    def test_a_purl_with_a_subpath_names_part_of_a_package_not_the_image_or_the_package(self):
        for product, sub in ((f"pkg:oci/shop@sha256%3A{HEX}#usr/lib", None),
                             (f"pkg:oci/team/shop@sha256%3A{HEX}", None),
                             (f"pkg:oci/shop@sha256%3A{HEX}", "pkg:deb/debian/xz-utils@5.6.0#usr/lib/liblzma.so")):
            with self.subTest(product=product, sub=sub):
                data = fixture("openvex.json")
                data["statements"] = [data["statements"][0]]
                data["statements"][0]["products"] = [{"@id": product, **({"subcomponents": [{"@id": sub}]} if sub else {})}]
                result = self.run_gate("--policy", self.policy(), "--vex", self.document("doc.json", data))
                self.assertEqual(self.waived(result), [])

    def test_ambiguous_or_invalid_documents_are_refused(self):
        csaf = fixture("csaf.json")
        csaf["product_tree"]["full_product_names"].append(dict(csaf["product_tree"]["full_product_names"][0]))
        bom = fixture("cyclonedx-1.6.json")
        bom["components"].append(dict(bom["components"][0]))
        both = dict(fixture("openvex.json"), bomFormat="CycloneDX", specVersion="1.6")
        no_impact = fixture("csaf.json")
        no_impact["vulnerabilities"][0].pop("flags")
        no_impact["vulnerabilities"][0].pop("threats")
        unknown_list = fixture("csaf.json")
        unknown_list["vulnerabilities"][0]["product_status"]["known_not_affected_maybe"] = ["IMAGE"]
        bad_justification = fixture("cyclonedx-1.6.json")
        bad_justification["vulnerabilities"][0]["analysis"]["justification"] = "bogus"
        bad_time = fixture("openvex.json")
        bad_time["timestamp"] = "2026-13-01T00:00:00Z"
        for name, data, expected in (("csaf.json", csaf, "names two products"), ("bom.json", bom, "names two components"),
                                     ("both.json", both, "claims to be both"),
                                     ("impact.json", no_impact, "without an impact statement"),
                                     ("list.json", unknown_list, "unknown list"),
                                     ("just.json", bad_justification, "analysis.justification"),
                                     ("time.json", bad_time, "timestamp"), ("null.json", "null", "root is an object")):
            with self.subTest(name):
                path = self.write(name, data if isinstance(data, str) else json.dumps(data))
                result = self.run_gate("--policy", self.policy(), "--vex", path)
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(expected, result.err)
                self.assertIn(path, result.err)

    def test_the_warning_for_a_policy_without_vex_names_the_documents(self):
        result = self.run_gate("--policy", self.policy(""), "--vex", os.path.join(FIXTURES, "openvex.json"))
        warning = next(w for w in result.json()["warnings"] if "does not allow VEX" in w)
        self.assertIn("allow is false, the default", warning)
        self.assertIn("openvex.json", warning)


class Doctor(Vex):
    def test_doctor_reads_the_documents_as_check_does(self):
        args = ["doctor", "--from-file", os.path.join(DATA, "responses", "clean.json"), "--cicd-name", "shop",
                "--image-version", "1.0.0"]
        result = self.gate(*args, "--policy", self.policy(), "--vex", os.path.join(FIXTURES, "csaf.json"))
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertIn("csaf.json: CSAF 2.0, 3 statements that may waive", result.out)
        result = self.gate(*args, "--policy", self.policy(""), "--vex", os.path.join(FIXTURES, "csaf.json"))
        self.assertIn("the policy does not allow VEX", result.out)
        result = self.gate(*args, "--policy", self.policy(), "--vex", self.write("bad.json", "{}"))
        self.assertEqual(result.code, 2)
        self.assertIn("FAIL  vex:", result.out)


class BadDocuments(Vex):
    def assert_refused(self, name, data, expected):
        path = self.write(name, data if isinstance(data, str) else json.dumps(data))
        result = self.run_gate("--policy", self.policy(), "--vex", path)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn(path, result.err)
        self.assertIn(expected, result.err)
        self.assertEqual(len(result.err.strip().splitlines()), 1, result.err)
        self.assertEqual(self.fake.requests, [])

    def test_anything_but_the_three_formats_is_exit_2_naming_the_file_and_what_was_expected(self):
        openvex = fixture("openvex.json")
        old_openvex = dict(openvex, **{"@context": "https://openvex.dev/ns/v0.0.1"})
        bom = fixture("cyclonedx-1.5.json")
        csaf = fixture("csaf.json")
        advisory = copy.deepcopy(csaf)
        advisory["document"]["category"] = "csaf_security_advisory"
        newer = copy.deepcopy(csaf)
        newer["document"]["csaf_version"] = "2.1"
        bad_status = copy.deepcopy(openvex)
        bad_status["statements"][0]["status"] = "maybe"
        bad_state = copy.deepcopy(bom)
        bad_state["vulnerabilities"][0]["analysis"]["state"] = "bogus"
        cases = [("plain.txt", "not json at all", "expected a JSON document"),
                 ("xml.json", "<bom xmlns='http://cyclonedx.org/schema/bom/1.5'/>", "expected a JSON document"),
                 ("array.json", "[]", "expected a JSON document"),
                 ("empty.json", {}, "expected OpenVEX 0.2.0, CycloneDX VEX 1.4 to 1.6 or CSAF 2.0 VEX"),
                 ("spdx.json", {"spdxVersion": "SPDX-2.3"}, "claims none of them"),
                 ("old.json", old_openvex, "expected OpenVEX 0.2.0"),
                 ("bom13.json", dict(bom, specVersion="1.3"), "expected CycloneDX VEX 1.4, 1.5 or 1.6"),
                 ("sbom.json", {k: v for k, v in bom.items() if k != "vulnerabilities"}, "vulnerabilities"),
                 ("advisory.json", advisory, "expected a CSAF 2.0 VEX document"),
                 ("csaf21.json", newer, "expected CSAF 2.0"),
                 ("status.json", bad_status, "statements[0].status"),
                 ("state.json", bad_state, "vulnerabilities[0].analysis.state"),
                 ("type.json", dict(openvex, statements={"a": 1}), "statements")]
        for name, data, expected in cases:
            with self.subTest(name):
                self.assert_refused(name, data, expected)

    def test_missing_files_folders_and_reports_over_a_document_are_exit_2(self):
        result = self.run_gate("--policy", self.policy(), "--vex", "missing.json")
        self.assertEqual(result.code, 2)
        self.assertIn("missing.json", result.err)
        result = self.run_gate("--policy", self.policy(), "--vex", self.folder)
        self.assertEqual(result.code, 2)
        path = self.document("doc.json", fixture("openvex.json"))
        result = self.run_gate("--policy", self.policy(), "--vex", path, "--attestation", path)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("VEX document", result.err)
        with open(path, encoding="utf-8") as f:
            self.assertEqual(json.load(f), fixture("openvex.json"))
