"""SARIF, GitLab's container scanning report and the CycloneDX SBOM: produced for pass, blocked,
waived and findings cases against the fake HSS, each validated with the real validator
(sarif-multitool, ajv with GitLab's schema, ajv with CycloneDX's schema), and their shape pinned
by golden files (refresh: HSS_GATE_UPDATE_GOLDEN=1). The validators start slowly (sarif-multitool
is a .NET program): the reports of every test are kept, named by test, and validated in one call
per validator when the class ends, whose failure names each file at fault."""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import SOURCE, FakeServerTest, record
from test_ci import TOOLS, tool, tools_or_skip
import test_findings

TOKEN = "dash-SECRET-token"
GITLAB_SCHEMA = os.path.join(SOURCE, "tests", "data", "gitlab", "container-scanning-report-format.json")
GOLDEN = os.path.join(SOURCE, "tests", "data", "golden")
CYCLONEDX = os.path.join(TOOLS, "@cyclonedx", "cyclonedx-library", "res", "schema")


def cyclonedx_schemas(folder):
    """The CycloneDX 1.5 schema and the two it refers to, under the names its references use."""
    names = {"bom-1.5.SNAPSHOT.schema.json": "bom-1.5.schema.json", "spdx.SNAPSHOT.schema.json": "spdx.schema.json",
             "jsf-0.82.SNAPSHOT.schema.json": "jsf-0.82.schema.json"}
    for source, target in names.items():
        with open(os.path.join(CYCLONEDX, source), encoding="utf-8") as f:
            text = f.read()
        for old, new in names.items():
            text = text.replace(old, new)
        with open(os.path.join(folder, target), "w", encoding="utf-8") as f:
            f.write(text)
    return [os.path.join(folder, name) for name in ("bom-1.5.schema.json", "spdx.schema.json", "jsf-0.82.schema.json")]


class Dashboards(FakeServerTest):
    TOKEN = TOKEN

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.schemas = tempfile.mkdtemp(prefix="hss-gate-cdx-")
        if os.path.isdir(CYCLONEDX):
            cls.cyclonedx = cyclonedx_schemas(cls.schemas)
        cls.kept = tempfile.mkdtemp(prefix="hss-gate-reports-")
        for kind in ("sarif", "gitlab", "sbom"):
            os.mkdir(os.path.join(cls.kept, kind))

    @classmethod
    def tearDownClass(cls):
        try:
            cls.validate_kept()
        finally:
            shutil.rmtree(cls.schemas, True)
            shutil.rmtree(cls.kept, True)
            super().tearDownClass()

    @classmethod
    def validate_kept(cls):
        """Every report all_valid kept, through the real validators: one call per validator."""
        case = cls("test_the_validators_reject_broken_reports")
        for kind, check in (("sarif", case.assert_sarif_valid), ("gitlab", case.assert_gitlab_valid),
                            ("sbom", case.assert_sbom_valid)):
            if os.listdir(os.path.join(cls.kept, kind)):
                check(os.path.join(cls.kept, kind, "*.json"))

    def setUp(self):
        super().setUp()
        tools_or_skip(self)
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": json.loads(json.dumps(test_findings.FINDINGS))}
            self.fake.cves = json.loads(json.dumps(test_findings.CVES))

    def test_a_gitlab_report_without_a_known_region_is_exit_2_before_any_request(self):
        # A loopback endpoint names no region, and the base-image API requires the header.
        result = self.run_gate("", env={"HSS_GATE_REGION": ""}, reports=("gitlab-report",))
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("hss-gate: error: --region (or HSS_GATE_REGION): required, since the policy or the reports need "
                      "the base_image (ListImageBasicImage) list", result.err)
        self.assertIn(f"the endpoint host 127.0.0.1 names no region", result.err)
        self.assertEqual(self.fake.requests, [])
        self.assertFalse(os.path.exists(result.path("gl.json")))
        # The SBOM reads only the software list, which takes no region: it needs none.
        sbom = self.run_gate("", env={"HSS_GATE_REGION": ""}, reports=("sbom",))
        self.assertEqual(sbom.code, 0, sbom.out + sbom.err)
        self.assertTrue(os.path.exists(sbom.path("sbom.json")))
        self.assertEqual(self.fake.finding_requests("base_image"), [])

    # --- the validators -------------------------------------------------------------------

    def assert_sarif_valid(self, path):
        paths = sorted(glob.glob(path)) if "*" in path else [path]
        done = subprocess.run([tool("sarif-multitool"), "validate", *paths], capture_output=True, text=True,
                              env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"})
        output = done.stdout + done.stderr
        # It exits 0 whatever it finds: its error lines are the verdict.
        self.assertFalse(re.search(r"error (JSON|SARIF)", output), output)
        self.assertIn("Analysis completed successfully", output)

    def assert_gitlab_valid(self, path):
        done = subprocess.run([tool("ajv"), "validate", "--spec=draft7", "--strict=false", "-c", "ajv-formats",
                               "-s", GITLAB_SCHEMA, "-d", path], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def assert_sbom_valid(self, path):
        bom, spdx, jsf = self.cyclonedx
        done = subprocess.run([tool("ajv"), "validate", "--spec=draft7", "--strict=false", "-c", "ajv-formats",
                               "-s", bom, "-r", spdx, "-r", jsf, "-d", path], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_the_validators_reject_broken_reports(self):
        broken = os.path.join(self.folder, "broken.json")
        with open(broken, "w") as f:
            json.dump({"version": "2.1.0", "runs": [{"results": [{"bad": 1}]}]}, f)
        with self.assertRaises(AssertionError):
            self.assert_sarif_valid(broken)
        with self.assertRaises(AssertionError):
            self.assert_gitlab_valid(broken)
        with self.assertRaises(AssertionError):
            self.assert_sbom_valid(broken)
        # The batched call at the end of the class: one broken file among valid ones still fails.
        batch = os.path.join(self.folder, "batch")
        os.mkdir(batch)
        shutil.copy(broken, os.path.join(batch, "b.json"))
        self.all_valid(self.run_gate("", reports=("sarif",)))
        shutil.copy(os.path.join(self.kept, "sarif", os.listdir(os.path.join(self.kept, "sarif"))[0]),
                    os.path.join(batch, "a.json"))
        for check in (self.assert_sarif_valid, self.assert_gitlab_valid, self.assert_sbom_valid):
            with self.assertRaises(AssertionError):
                check(os.path.join(batch, "*.json"))

    # --- running the gate -----------------------------------------------------------------

    def policy(self, text):
        path = os.path.join(self.folder, "policy.toml")
        with open(path, "w") as f:
            f.write("version = 1\n" + text)
        return path

    def run_gate(self, policy_text, *args, env=None, reports=("sarif", "gitlab-report", "sbom")):
        words = []
        for name in reports:
            words += [f"--{name}", {"sarif": "r.sarif", "gitlab-report": "gl.json", "sbom": "sbom.json"}[name]]
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                       "HSS_GATE_AUTH_TOKEN": TOKEN, "HSS_GATE_REGION": "ap-southeast-1", **(env or {})}
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy",
                           self.policy(policy_text), "--json", "report.json", *words, *args, env=environment)
        for name in ("r.sarif", "gl.json", "sbom.json"):
            if os.path.exists(result.path(name)):
                text = result.text(name)
                self.assertNotIn(TOKEN, text)
                self.assertNotIn(test_findings.SECRET_CONTENT, text)
        return result

    def all_valid(self, result):
        """Keeps the run's reports, named by this test, for validate_kept when the class ends."""
        self.kept_runs = getattr(self, "kept_runs", 0) + 1
        name = f"{self.id().rsplit('.', 1)[-1]}-{self.kept_runs}.json"
        found = False
        for report, kind in (("r.sarif", "sarif"), ("gl.json", "gitlab"), ("sbom.json", "sbom")):
            if os.path.exists(result.path(report)):
                shutil.copy(result.path(report), os.path.join(self.kept, kind, name))
                found = True
        self.assertTrue(found, "the run wrote no report to validate")

    def sarif_results(self, result):
        return result.json("r.sarif")["runs"][0]["results"]

    def test_pass_blocked_and_waived_field_rules(self):
        passing = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n')
        self.assertEqual(passing.code, 0, passing.out + passing.err)
        self.all_valid(passing)
        self.assertEqual(self.sarif_results(passing), [])
        self.assertEqual(passing.json("gl.json")["scan"]["status"], "success")
        self.assertEqual(len(passing.json("gl.json")["vulnerabilities"]), 3)
        sbom = passing.json("sbom.json")
        self.assertEqual(sbom["metadata"]["component"]["type"], "container")
        self.assertEqual([c["name"] for c in sbom["components"]], ["openssl"])

        self.fake.reset([record(vul_num=7)])
        with self.fake.lock:
            self.fake.findings = {"img-1": json.loads(json.dumps(test_findings.FINDINGS))}
        blocked = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n')
        self.assertEqual(blocked.code, 1)
        self.all_valid(blocked)
        [alert] = self.sarif_results(blocked)
        self.assertEqual((alert["ruleId"], alert["level"]), ("n", "error"))
        self.assertEqual(alert["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "Dockerfile")
        self.assertEqual(alert["partialFingerprints"]["hssGateFinding/v1"], "team/web (cicd_name shop)|n|")

        waived = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n[[exceptions]]\nrules = ["n"]\n'
                               'expires = 2027-01-01\nreason = "SEC-1: accepted"\n')
        self.assertEqual(waived.code, 0)
        self.all_valid(waived)
        [alert] = self.sarif_results(waived)
        self.assertEqual(alert["suppressions"][0]["kind"], "external")
        self.assertIn("SEC-1: accepted", alert["suppressions"][0]["justification"])

    def test_findings_rules_give_one_result_per_finding_whatever_the_count(self):
        rule = '[rules.v]\nfindings = "vulnerabilities"\nwhere.severity = {{ min = "medium" }}\nmax = {max}\n'
        failing = self.run_gate(rule.format(max=0), "--image", "dockerfile=docker/web.Dockerfile")
        self.assertEqual(failing.code, 1, failing.out + failing.err)
        self.all_valid(failing)
        alerts = self.sarif_results(failing)
        self.assertEqual([a["properties"]["findingId"] for a in alerts], ["USN-1", "USN-2"])
        self.assertEqual({a["level"] for a in alerts}, {"error"})
        self.assertEqual(alerts[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                         "docker/web.Dockerfile")
        self.assertEqual(alerts[0]["partialFingerprints"]["hssGateFinding/v1"],
                         "team/web (cicd_name shop)|v|USN-1|openssl||1.1.1")

        within = self.run_gate(rule.format(max=5))
        self.assertEqual(within.code, 0)
        alerts = self.sarif_results(within)
        self.assertEqual(len(alerts), 2)  # still there, as notes: no flapping around max
        self.assertEqual({a["level"] for a in alerts}, {"note"})

        waived = self.run_gate(rule.format(max=0) + '[[exceptions]]\nrules = ["v"]\nfinding = { vul_id = "USN-2" }\n'
                               'expires = 2027-01-01\nreason = "SEC-2: not reachable"\n')
        alerts = self.sarif_results(waived)
        self.assertEqual(["suppressions" in a for a in alerts], [False, True])
        self.all_valid(waived)

        # within max only thanks to a finding waiver: the other finding is a plain note, not waived
        by_waiver = self.run_gate(rule.format(max=1) + '[[exceptions]]\nrules = ["v"]\nfinding = { vul_id = "USN-2" }\n'
                                  'expires = 2027-01-01\nreason = "SEC-2: not reachable"\n')
        self.assertEqual(by_waiver.code, 0, by_waiver.out + by_waiver.err)
        self.assertEqual([("suppressions" in a, a["level"]) for a in self.sarif_results(by_waiver)],
                         [(False, "note"), (True, "error")])
        # a rule-wide exception suppresses every finding of the rule
        rule_wide = self.run_gate(rule.format(max=0) + '[[exceptions]]\nrules = ["v"]\nexpires = 2027-01-01\n'
                                  'reason = "SEC-3: accepted"\n')
        self.assertEqual(rule_wide.code, 0, rule_wide.out + rule_wide.err)
        alerts_wide = self.sarif_results(rule_wide)
        self.assertEqual(len(alerts_wide), 2)
        self.assertTrue(all("SEC-3" in a["suppressions"][0]["justification"] for a in alerts_wide))
        self.all_valid(rule_wide)

        # the same finding in the next image version keeps its fingerprint and GitLab id
        first = failing.json("gl.json")["vulnerabilities"]
        self.fake.reset([record(image_version="1.0.1")])
        with self.fake.lock:
            self.fake.findings = {"img-1": json.loads(json.dumps(test_findings.FINDINGS))}
        # GitLab's report needs the base image, whose API requires a region: a loopback endpoint names none.
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                       "HSS_GATE_AUTH_TOKEN": TOKEN, "HSS_GATE_REGION": "ap-southeast-1"}
        later = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.1", "--policy",
                          self.policy(rule.format(max=0)), "--sarif", "r.sarif", "--gitlab-report", "gl.json",
                          env=environment)
        self.assertEqual(later.code, 1, later.out + later.err)
        self.assertEqual([v["id"] for v in later.json("gl.json")["vulnerabilities"]], [v["id"] for v in first])
        self.assertEqual(self.sarif_results(later)[0]["partialFingerprints"],
                         alerts[0]["partialFingerprints"])

    def test_finding_keys_are_unique_so_fingerprints_and_gitlab_ids_never_collide(self):
        # Per kind: two findings whose members differ only in where a separator falls, and three
        # identical ones; every finding keeps its own key, fingerprint and GitLab id.
        vuln = {"repair_necessity": "immediate_repair", "app_path": "", "version": "1"}
        findings = {
            "vulnerabilities": [{**vuln, "vul_id": "V|1", "app_name": "a"}, {**vuln, "vul_id": "V", "app_name": "1|a"}]
                               + [{**vuln, "vul_id": "USN-9", "app_name": "zlib"}] * 3,
            "malware": [{"file_path": "a|b", "file_name": "c"}, {"file_path": "a", "file_name": "b|c"},
                        {"file_path": "x#2", "file_name": "y"}] + [{"file_path": "x", "file_name": "y"}] * 3,
            "base_image": test_findings.FINDINGS["base_image"],
        }
        with self.fake.lock:
            self.fake.findings = {"img-1": json.loads(json.dumps(findings))}
        result = self.run_gate('[rules.v]\nfindings = "vulnerabilities"\n[rules.m]\nfindings = "malware"\n',
                               reports=("sarif", "gitlab-report"))
        self.assertEqual(result.code, 1, result.out + result.err)
        self.all_valid(result)
        keys = {r["rule"]: [f["key"] for f in r["findings"]] for r in result.json()["images"][0]["results"]
                if r["rule"] in ("v", "m")}
        self.assertEqual(keys["v"], ["V\\|1|a||1", "V|1\\|a||1", "USN-9|zlib||1", "USN-9|zlib||1#2",
                                     "USN-9|zlib||1#3"])
        self.assertEqual(keys["m"], ["a\\|b|c", "a|b\\|c", "x\\#2|y", "x|y", "x|y#2", "x|y#3"])
        fingerprints = [a["partialFingerprints"]["hssGateFinding/v1"] for a in self.sarif_results(result)]
        self.assertEqual(len(fingerprints), 11)
        self.assertEqual(len(set(fingerprints)), 11)
        ids = [v["id"] for v in result.json("gl.json")["vulnerabilities"]]
        self.assertEqual(len(ids), 5)
        self.assertEqual(len(set(ids)), 5)

    def fingerprints_and_ids(self, result):
        fingerprints = [a["partialFingerprints"]["hssGateFinding/v1"]
                        for run in result.json("r.sarif")["runs"] for a in run["results"]]
        return fingerprints, [v["id"] for v in result.json("gl.json")["vulnerabilities"]]

    def test_images_of_one_run_sharing_finding_keys_never_share_a_fingerprint_or_gitlab_id(self):
        rule = '[rules.v]\nfindings = "vulnerabilities"\n[rules.n]\nfield = "vul_num"\nmax = 0\n'
        other_digest = "sha256:" + "b" * 64
        cases = [
            # two versions of one image, each named by a SPEC
            ([record(vul_num=1), record(image_id="img-2", image_version="2.0.0", image_digest=other_digest, vul_num=1)],
             ("--image", "image_name=web", "--image", "image_name=web,image_version=2.0.0")),
            # one SPEC matching two records of the same names and version (another digest, no digest)
            ([record(vul_num=1), record(image_id="img-2", image_digest=other_digest, vul_num=1),
              record(image_id="img-3", image_digest=None, vul_num=1)], ()),
        ]
        for records, specs in cases:
            with self.subTest(images=len(records)):
                self.fake.reset(records)
                with self.fake.lock:
                    self.fake.findings = {r["image_id"]: json.loads(json.dumps(test_findings.FINDINGS)) for r in records}
                result = self.run_gate(rule, *specs, reports=("sarif", "gitlab-report"))
                self.assertEqual(result.code, 1, result.out + result.err)
                self.all_valid(result)
                self.assertEqual(len(result.json()["images"]), len(records))
                fingerprints, ids = self.fingerprints_and_ids(result)
                # per image: 3 vulnerabilities and the field rule n
                self.assertEqual(len(fingerprints), 4 * len(records))
                self.assertEqual(len(set(fingerprints)), len(fingerprints), fingerprints)
                self.assertEqual(len(ids), 3 * len(records))
                self.assertEqual(len(set(ids)), len(ids))
                # the first image keeps the identity it has alone in a run: no version, stable across builds
                self.assertEqual(fingerprints[0], "team/web (cicd_name shop)|v|USN-1|openssl||1.1.1")
                self.fake.reset(records[:1])
                with self.fake.lock:
                    self.fake.findings = {"img-1": json.loads(json.dumps(test_findings.FINDINGS))}
                alone = self.run_gate(rule, reports=("sarif", "gitlab-report"))
                self.assertEqual(self.fingerprints_and_ids(alone)[1], ids[:3])

    def test_an_image_two_specs_match_is_listed_once_by_every_dashboard(self):
        worker = record(image_id="img-2", image_name="worker")
        for records, specs, images in [
            ([record()], ("--image", "image_name=web", "--image", "namespace=team"), 1),
            ([record(), worker], ("--image", "image_name=web", "--image", "namespace=team,image_name=web",
                                  "--image", "image_name=worker"), 2),
        ]:
            with self.subTest(specs=specs):
                self.fake.reset(records)
                with self.fake.lock:
                    self.fake.findings = {r["image_id"]: json.loads(json.dumps(test_findings.FINDINGS)) for r in records}
                result = self.run_gate('[rules.v]\nfindings = "vulnerabilities"\n', *specs)
                self.assertEqual(result.code, 1, result.out + result.err)
                self.all_valid(result)
                self.assertEqual(len(result.json()["images"]), len(specs) // 2)  # the verdict judges each SPEC
                fingerprints, ids = self.fingerprints_and_ids(result)
                self.assertEqual(len(fingerprints), 3 * images)
                self.assertEqual(len(set(fingerprints)), len(fingerprints))
                self.assertEqual(len(ids), 3 * images)
                self.assertEqual(len(set(ids)), len(ids))
                sbom = result.json("sbom.json")
                if images == 1:
                    self.assertEqual(sbom["metadata"]["component"]["name"], "team/web")
                else:
                    self.assertEqual([c["name"] for c in sbom["components"]], ["team/web", "team/worker"])

    def test_gitlab_report_lists_every_vulnerability_with_cves_and_the_os(self):
        result = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n', reports=("gitlab-report",))
        self.assertEqual(result.code, 0, result.out + result.err)
        report = result.json("gl.json")
        first = report["vulnerabilities"][0]
        self.assertEqual(first["severity"], "High")
        self.assertEqual([i["type"] for i in first["identifiers"]], ["hss", "cve"])
        self.assertEqual(first["location"]["operating_system"], "Debian 9")
        self.assertEqual(first["location"]["image"], "team/web:1.0.0")
        self.assertEqual(first["location"]["dependency"], {"package": {"name": "openssl"}, "version": "1.1.1"})
        self.assertEqual([v["severity"] for v in report["vulnerabilities"]], ["High", "Medium", "Low"])
        kinds = sorted({test_findings.Findings.kind_of(r["path"]) for r in self.fake.finding_requests()})
        self.assertEqual(kinds, ["base_image", "cves", "vulnerabilities"])
        vulns = [r for r in self.fake.finding_requests() if r["path"].endswith("/vulnerabilities")]
        self.assertIn(("handle_status", "unhandled"), vulns[0]["query"])

    def test_sarif_needs_no_extra_request(self):
        result = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n', reports=("sarif",))
        self.assertEqual(result.code, 0)
        self.assertEqual(len(self.fake.page_requests()), 1)

    def test_images_not_evaluated_contribute_nothing(self):
        self.fake.reset([record(scan_status="scanning")])
        result = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n')
        self.assertEqual(result.code, 4, result.out + result.err)
        self.all_valid(result)
        sarif = result.json("r.sarif")["runs"][0]
        self.assertEqual(sarif["results"], [])
        self.assertFalse(sarif["invocations"][0]["executionSuccessful"])
        gitlab = result.json("gl.json")
        self.assertEqual(gitlab["scan"]["status"], "failure")
        self.assertEqual(gitlab["vulnerabilities"], [])
        self.assertFalse(os.path.exists(result.path("sbom.json")))
        self.assertIn("--sbom sbom.json: not written", result.err)

    def test_a_list_only_a_report_needs_fails_the_report_not_the_verdict(self):
        with self.fake.lock:
            self.fake.fail_findings["software"] = (403, {"error_code": "HSS.0004", "error_msg": "forbidden"})
            self.fake.fail_findings["base_image"] = (500, {"error_msg": "boom"})
        with open(os.path.join(self.folder, "sbom.json"), "w") as f:
            f.write("stale")
        result = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n', "--timeout", "2s")
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertFalse(os.path.exists(result.path("sbom.json")))
        self.assertIn("software", result.err)
        gitlab = result.json("gl.json")
        self.assertEqual(gitlab["scan"]["status"], "failure")
        self.assertTrue(any("base_image" in m["value"] for m in gitlab["scan"]["messages"]))
        self.assert_gitlab_valid(result.path("gl.json"))

    def test_each_report_fails_only_for_the_lists_it_uses(self):
        # (failing list, the report it fails): the other report is written whole, the verdict stands.
        lists = (("software", "sbom"), ("base_image", "gitlab"), ("vulnerabilities", "gitlab"), ("cves", "gitlab"))
        failures = {"500": (500, {"error_code": "HSS.0002", "error_msg": "boom"}),
                    "empty first page": (200, {"total_num": 2, "data_list": []}),
                    "page over the limit": (200, {"total_num": 201, "data_list": [{"vul_id": "X"}] * 201})}
        for (kind, failed), (how, answer) in ((l, f) for l in lists for f in failures.items()):
            for policy, code in (('[rules.n]\nfield = "vul_num"\nmax = 5\n', 0),
                                 ('[rules.m]\nfindings = "malware"\n', 1)):
                with self.subTest(kind=kind, failure=how, code=code):
                    self.setUp()
                    with self.fake.lock:
                        self.fake.fail_findings[kind] = answer
                    result = self.run_gate(policy, env={"HSS_GATE_TEST_TIME_SCALE": "50"})
                    self.assertEqual(result.code, code, result.out + result.err)
                    self.assertEqual(result.json()["exit_code"], code)
                    self.assertEqual(result.json()["decision"], "pass" if code == 0 else "fail")
                    self.assertEqual(result.json("r.sarif")["runs"][0]["invocations"][0]["executionSuccessful"], True)
                    gitlab = result.json("gl.json")
                    name = "CVEs" if kind == "cves" else kind
                    if failed == "sbom":
                        self.assertFalse(os.path.exists(result.path("sbom.json")))
                        self.assertIn(f"no SBOM: the {name} of", result.err)
                        self.assertEqual(gitlab["scan"]["status"], "success", gitlab["scan"].get("messages"))
                        self.assertEqual(len(gitlab["vulnerabilities"]), 3)
                    else:
                        self.assertEqual(gitlab["scan"]["status"], "failure")
                        self.assertTrue(any(name in m["value"] for m in gitlab["scan"]["messages"]))
                        components = result.json("sbom.json")["components"]
                        self.assertIn("openssl", json.dumps(components))
                    self.all_valid(result)

    def test_several_images_nest_their_software(self):
        self.fake.reset([record(), record(image_id="img-2", image_name="worker")])
        with self.fake.lock:
            self.fake.findings = {"img-1": json.loads(json.dumps(test_findings.FINDINGS)),
                                  "img-2": {"software": [{"app_name": "bash", "app_type": "deb", "app_version": "5"}]}}
        result = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n', "--image", "image_name=web",
                               "--image", "image_name=worker", reports=("sbom", "sarif"))
        self.assertEqual(result.code, 0, result.out + result.err)
        self.all_valid(result)
        sbom = result.json("sbom.json")
        self.assertEqual(sbom["metadata"]["component"]["type"], "application")
        self.assertEqual([(c["name"], [s["name"] for s in c["components"]]) for c in sbom["components"]],
                         [("team/web", ["openssl"]), ("team/worker", ["bash"])])

    def test_sarif_stays_within_githubs_limit(self):
        bundle = {"hss_gate_bundle": 1, "fetched_at": "2026-11-27T12:00:00Z",
                  "images": {"total_num": 1, "data_list": [record()]},
                  # two lists, each within the page bound that a replay keeps as online does
                  "findings": {"img-1": {"malware": [{"file_name": f"m{i}", "file_path": f"/m/{i}"}
                                                     for i in range(12502)],
                                         "secrets": [{"name": f"s{i}", "file_path": f"/s/{i}", "severity": "high"}
                                                     for i in range(12501)]}}}
        path = os.path.join(self.folder, "bundle.json")
        with open(path, "w") as f:
            json.dump(bundle, f)
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file", path,
                           "--policy", self.policy('[rules.m]\nfindings = "malware"\n[rules.s]\nfindings = "secrets"\n'),
                           "--sarif", "r.sarif")
        self.assertEqual(result.code, 1, result.err)
        run = result.json("r.sarif")["runs"][0]
        self.assertEqual(len(run["results"]), 25000)
        self.assertEqual(run["properties"]["resultsOmitted"], 3)
        self.assertIn("3 results left out", result.err)

    @staticmethod
    def rule_scores(run):
        rules = run["tool"]["driver"]["rules"]
        for rule in rules:
            assert "security" in rule["properties"]["tags"], rule
        return {rule["id"]: rule["properties"]["security-severity"] for rule in rules}

    def test_sarif_rules_carry_githubs_security_severity(self):
        ladder = '[rules.v]\nfindings = "vulnerabilities"\nwhere.severity = { min = "medium" }\n'
        field = '[rules.n]\nfield = "vul_num"\nmax = 0\n'
        by_ladder = self.run_gate(ladder + field, reports=("sarif",))
        self.assertEqual(by_ladder.code, 1, by_ladder.out + by_ladder.err)
        self.all_valid(by_ladder)
        scores = self.rule_scores(by_ladder.json("r.sarif")["runs"][0])
        # USN-1 is immediate_repair (high) and USN-2 delay_repair (medium): the highest counts;
        # a field rule and the built-in rules take the record's severity_level, Security.
        self.assertEqual(scores["v"], "8.0")
        self.assertEqual(scores["n"], "0.0")
        self.assertEqual(scores["scan-status"], "0.0")
        # Once the CVEs are read, the highest CVSS of the findings: USN-1's log4shell, 10.0.
        by_cvss = self.run_gate(ladder + 'where.cvss = { min = 0.0 }\n' + field, reports=("sarif",))
        self.assertEqual(self.rule_scores(by_cvss.json("r.sarif")["runs"][0])["v"], "10.0")
        self.all_valid(by_cvss)
        self.fake.reset([record(severity_level="Medium", vul_num=3)])
        medium = self.run_gate(field, reports=("sarif",))
        self.assertEqual(self.rule_scores(medium.json("r.sarif")["runs"][0])["n"], "5.5")

    def test_several_images_get_one_sarif_run_each_named_without_the_version(self):
        self.fake.reset([record(vul_num=9), record(image_id="img-2", image_name="worker", severity_level="High")])
        result = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n', "--image", "image_name=web",
                               "--image", "image_name=worker", reports=("sarif",))
        self.assertEqual(result.code, 1, result.out + result.err)
        self.all_valid(result)
        runs = result.json("r.sarif")["runs"]
        self.assertEqual([run["automationDetails"]["id"] for run in runs], ["hss-gate/team/web/", "hss-gate/team/worker/"])
        self.assertEqual([len(run["results"]) for run in runs], [1, 0])
        self.assertEqual([run["properties"]["decision"] for run in runs], ["fail", "pass"])
        self.assertEqual([self.rule_scores(run)["n"] for run in runs], ["0.0", "8.0"])

    def test_more_than_20_sarif_runs_is_a_usage_error_before_anything_is_sent(self):
        listing = os.path.join(self.folder, "images.txt")
        with open(listing, "w") as f:
            f.write("".join(f"image_name=svc-{i}\n" for i in range(21)))
        result = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n', "--images", listing, reports=("sarif",))
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertEqual(result.err.strip().splitlines(), [
            "hss-gate: error: --sarif: 21 images make 21 SARIF runs (one per namespace and image name), more than "
            "the 20 runs GitHub code scanning accepts in one file; gate at most 20 images per SARIF report"])
        self.assertEqual(self.fake.page_requests(), [])
        self.assertFalse(os.path.exists(result.path("r.sarif")))
        # 20 are accepted, and 21 without a SARIF report too.
        with open(listing, "w") as f:
            f.write("".join(f"image_name=svc-{i}\n" for i in range(20)))
        self.assertNotEqual(self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n', "--images", listing,
                                          reports=("sarif",)).code, 2)
        with open(listing, "w") as f:
            f.write("".join(f"image_name=svc-{i}\n" for i in range(21)))
        self.assertNotEqual(self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n', "--images", listing,
                                          reports=()).code, 2)

    def test_bad_sarif_location_is_a_usage_error(self):
        for location in ("/etc/passwd", "../outside", "a/../../b", ""):
            with self.subTest(location=location):
                result = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n', "--sarif-location", location)
                self.assertEqual(result.code, 2, result.err)
                self.assertIn("--sarif-location", result.err)

    def test_golden_files_pin_the_shape(self):
        policy = ('[rules.v]\nfindings = "vulnerabilities"\nwhere.severity = { min = "high" }\n'
                  '[[exceptions]]\nrules = ["v"]\nfinding = { vul_id = "USN-9" }\nexpires = 2027-01-01\n'
                  'reason = "SEC-9"\n[rules.n]\nfield = "vul_num"\nmax = 5\n')
        result = self.run_gate(policy)
        self.assertEqual(result.code, 1, result.out + result.err)
        for name, golden in (("r.sarif", "findings.sarif"), ("gl.json", "findings.gitlab.json"),
                             ("sbom.json", "findings.cdx.json")):
            text = result.text(name).replace(os.path.basename(self.folder), "FOLDER")
            path = os.path.join(GOLDEN, golden)
            if os.environ.get("HSS_GATE_UPDATE_GOLDEN") == "1":
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
            with open(path, encoding="utf-8") as f:
                self.assertEqual(text, f.read(), f"{golden} changed; refresh with HSS_GATE_UPDATE_GOLDEN=1 if meant")


if __name__ == "__main__":
    unittest.main()
