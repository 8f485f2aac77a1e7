"""Comparing an image with the version in production (--compare-with, --compare-with-file):
new_only findings rules, max_increase field rules, fail-closed comparisons, tighten-only
inheritance, the reports, bundles and the round trips a comparison costs."""
import json
import os
import time

import re
import subprocess

from harness import SOURCE, FakeServerTest, record
from test_ci import tool

TOKEN = "compare-SECRET-token"
OLD_DIGEST = "sha256:" + "0" * 64
NEW_DIGEST = "sha256:" + "1" * 64

OPENSSL = {"vul_id": "USN-1", "repair_necessity": "immediate_repair", "app_name": "openssl", "version": "1.1.1",
           "app_path": "", "description": "old", "position": "layer1", "solution": "upgrade", "url": ""}
XZ = {"vul_id": "USN-2", "repair_necessity": "immediate_repair", "app_name": "xz-utils", "version": "5.6.0",
      "app_path": "", "description": "new", "position": "layer1", "solution": "", "url": ""}
# The same vul_id in another package is another finding.
OPENSSL_IN_NODE = dict(OPENSSL, app_name="node", app_path="/usr/lib/node")
MINER = {"file_name": "miner", "file_path": "/usr/bin/miner", "size": 1, "description": "coin miner"}

NEW_ONLY = '[rules.new-vulns]\nfindings = "vulnerabilities"\nnew_only = true\nmax = 0\n'


def production(**changes):
    return record(**{"image_id": "img-0", "image_version": "1.9.0", "image_digest": OLD_DIGEST, "vul_num": 1, **changes})


def candidate(**changes):
    return record(**{"image_id": "img-1", "image_version": "2.0.0", "image_digest": NEW_DIGEST, "vul_num": 2, **changes})


class Compare(FakeServerTest):
    TOKEN = TOKEN

    def setUp(self):
        super().setUp()
        self.fake.reset([production(), candidate()])
        with self.fake.lock:
            self.fake.findings = {"img-0": {"vulnerabilities": [OPENSSL], "malware": [MINER]},
                                  "img-1": {"vulnerabilities": [OPENSSL, XZ], "malware": [MINER]}}

    def policy(self, text, name="policy.toml"):
        path = os.path.join(self.folder, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write("version = 1\n" + text)
        return path

    def run_gate(self, *args, version="2.0.0", env=None):
        return self.gate("check", "--endpoint", self.fake.url, "--project-id", "test-project", "--cicd-name", "shop",
                         "--image-version", version, "--json", "report.json", "--junit", "junit.xml", *args,
                         env={"HSS_GATE_AUTH_TOKEN": TOKEN, **(env or {})})

    def rule(self, report, rule_id):
        return next(r for r in report["images"][0]["results"] if r["rule"] == rule_id)

    def finding_paths(self, image_id):
        return [r["path"] for r in self.fake.finding_requests() if f"/image/{image_id}/" in r["path"]]


class NewOnly(Compare):
    def test_only_findings_absent_from_the_version_compared_with_count(self):
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with", "1.9.0")
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertIn("1 new, 1 already in 1.9.0", result.out)
        report = self.assert_reports_agree(result)
        rule = self.rule(report, "new-vulns")
        self.assertEqual(rule["status"], "fail")
        self.assertEqual(rule["actual"], 1)
        self.assertEqual({f["id"]: f["new"] for f in rule["findings"]}, {"USN-1": False, "USN-2": True})
        compared = report["images"][0]["compared_with"]
        self.assertEqual(compared["available"], True)
        self.assertIsNone(compared["reason"])
        self.assertEqual(compared["image_digest"], OLD_DIGEST)
        self.assertEqual((compared["names"]["cicd_name"], compared["names"]["image_version"]), ("shop", "1.9.0"))
        self.assertIn("compared with 1.9.0", result.out)

    def test_a_change_that_adds_nothing_passes_and_the_same_rule_without_a_comparison_fails_closed(self):
        with self.fake.lock:
            self.fake.findings["img-1"]["vulnerabilities"] = [OPENSSL]
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with", "1.9.0")
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertIn("0 new, 1 already in 1.9.0", self.rule(result.json(), "new-vulns")["detail"])
        result = self.run_gate("--policy", self.policy(NEW_ONLY))
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertIn("no image to compare with", result.out)

    def test_identity_is_the_vul_id_and_the_package(self):
        with self.fake.lock:
            self.fake.findings["img-1"]["vulnerabilities"] = [OPENSSL_IN_NODE, dict(OPENSSL, version="1.1.2")]
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with", "1.9.0")
        self.assertEqual(result.code, 1, result.out + result.err)
        rule = self.rule(result.json(), "new-vulns")
        new = {(f["id"], f["attributes"]["app_name"]): f["new"] for f in rule["findings"]}
        # Another version of the same package is the same finding; another package is a new one.
        self.assertEqual(new, {("USN-1", "node"): True, ("USN-1", "openssl"): False})

    def test_a_finding_lacking_an_identity_attribute_is_always_new(self):
        without_package = dict(OPENSSL)
        del without_package["app_name"]
        with self.fake.lock:
            self.fake.findings["img-0"]["vulnerabilities"] = [without_package]
            self.fake.findings["img-1"]["vulnerabilities"] = [without_package]
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with", "1.9.0")
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertTrue(self.rule(result.json(), "new-vulns")["findings"][0]["new"])

    def test_only_the_lists_new_only_rules_count_are_read_for_the_comparison(self):
        policy = self.policy(NEW_ONLY + '[rules.malware]\nfindings = "malware"\nmax = 5\n')
        result = self.run_gate("--policy", policy, "--compare-with", "1.9.0")
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertEqual([p.rsplit("/", 1)[1] for p in self.finding_paths("img-0")], ["vulnerabilities"])
        self.assertEqual(sorted(p.rsplit("/", 1)[1] for p in self.finding_paths("img-1")), ["malwares", "vulnerabilities"])
        malware = self.rule(result.json(), "malware")["findings"][0]
        self.assertNotIn("new", malware, "a kind not compared is not marked")

    def test_an_unavailable_comparison_counts_every_finding_and_every_report_says_why(self):
        cases = {
            "not found": ("1.8.0", None, "holds no image"),
            "pending": ("1.9.0", {"scan_status": "scanning"}, "scan_status scanning"),
            "failed": ("1.9.0", {"scan_status": "failed"}, "scan_status failed"),
        }
        for name, (version, changes, reason) in cases.items():
            with self.subTest(name):
                self.fake.reset([production(**(changes or {})), candidate()])
                with self.fake.lock:
                    self.fake.findings = {"img-0": {"vulnerabilities": [OPENSSL]},
                                          "img-1": {"vulnerabilities": [OPENSSL]}}
                started = time.monotonic()
                result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with", version,
                                       "--wait", "30s", "--summary", "summary.md")
                self.assertLess(time.monotonic() - started, 20, "a comparison is never waited for")
                self.assertEqual(result.code, 1, result.out + result.err)
                report = self.assert_reports_agree(result)
                compared = report["images"][0]["compared_with"]
                self.assertFalse(compared["available"])
                self.assertIn(reason, compared["reason"])
                self.assertIn("unavailable", result.out)
                self.assertIn("unavailable", result.text("summary.md"))
                self.assertTrue(self.rule(report, "new-vulns")["findings"][0]["new"])

    def test_a_comparison_list_that_fails_makes_that_kind_unavailable_not_the_run(self):
        with self.fake.lock:
            self.fake.findings["img-1"]["vulnerabilities"] = [OPENSSL]
        # Every vulnerability request of the comparison image fails; the candidate's succeed.
        self.fake.fail_findings_for = {"img-0": (500, {"error_code": "HSS.0500", "error_msg": "down"})}
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with", "1.9.0",
                               env={"HSS_GATE_TEST_TIME_SCALE": "50"})
        self.assertEqual(result.code, 1, result.out + result.err)
        rule = self.rule(result.json(), "new-vulns")
        self.assertIn("unavailable", rule["detail"])
        self.assertTrue(rule["findings"][0]["new"])
        self.assertEqual(result.json()["images"][0]["decision"], "fail", "never an error of the run")
        # Every report says the comparison could not be used, not only the rule's detail.
        compared = result.json()["images"][0]["compared_with"]
        self.assertFalse(compared["available"])
        self.assertIn("its vulnerabilities could not be read", compared["reason"])
        self.assertIn("unavailable", result.out)

    def test_another_image_of_the_same_cicd_name_is_no_comparison(self):
        # Found by cicd_name alone: HSS's 1.9.0 is team/web, the image is team/api.
        self.fake.reset([production(), candidate(image_name="api")])
        with self.fake.lock:
            self.fake.findings = {"img-0": {"vulnerabilities": [OPENSSL]}, "img-1": {"vulnerabilities": [OPENSSL]}}
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with", "1.9.0")
        self.assertEqual(result.code, 1, result.out + result.err)
        compared = result.json()["images"][0]["compared_with"]
        self.assertFalse(compared["available"])
        self.assertIn("another image", compared["reason"])
        self.assertTrue(self.rule(result.json(), "new-vulns")["findings"][0]["new"])

    def test_hss_text_never_echoes_the_token(self):
        for status in (403, 500):
            with self.subTest(status):
                self.fake.script.clear()
                self.fake.script.extend([{"status": status, "body": {"error_code": "HSS.1", "error_msg": f"bad X-Auth-Token {TOKEN}"}}] * 12)
                result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with", "1.9.0", "--summary", "s.md",
                                       "--sarif", "out.sarif", env={"HSS_GATE_TEST_TIME_SCALE": "50"})
                self.assertEqual(result.code, 3, result.out + result.err)
                for text in (result.out, result.err, result.text("report.json"), result.text("junit.xml"),
                             result.text("s.md"), result.text("out.sarif")):
                    self.assertNotIn(TOKEN, text)
                self.assertIn("bad X-Auth-Token ***", result.out + result.err)


class MaxIncrease(Compare):
    def test_a_field_may_grow_by_at_most_max_increase(self):
        for allowed, code in ((0, 1), (1, 0), (2, 0)):
            with self.subTest(allowed):
                policy = self.policy(f'[rules.vul-growth]\nfield = "vul_num"\nmax_increase = {allowed}\n')
                result = self.run_gate("--policy", policy, "--compare-with", "1.9.0")
                self.assertEqual(result.code, code, result.out + result.err)
                rule = self.rule(result.json(), "vul-growth")
                self.assertEqual(rule["operator"], "max_increase")
                self.assertEqual(rule["limit"], 1 + allowed)
                self.assertIn("1 in 1.9.0", rule["detail"])

    def test_an_unavailable_comparison_counts_as_0(self):
        policy = self.policy('[rules.vul-growth]\nfield = "vul_num"\nmax_increase = 1\n')
        result = self.run_gate("--policy", policy, "--compare-with", "1.8.0")
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertIn("taken as 0", self.rule(result.json(), "vul-growth")["detail"])
        result = self.run_gate("--policy", policy)
        self.assertEqual(result.code, 1, result.out + result.err)


class Configuration(Compare):
    def test_the_image_itself_is_exit_2(self):
        result = self.run_gate("--compare-with", "2.0.0")
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("own version", result.err)
        for digest in (NEW_DIGEST, NEW_DIGEST.upper(), NEW_DIGEST + " "):
            with self.subTest(digest):
                self.fake.reset([production(image_digest=digest), candidate()])
                result = self.run_gate("--compare-with", "1.9.0", "--policy", self.policy(NEW_ONLY))
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn("own digest", result.err)

    def test_the_spec_key_and_the_environment_name_the_version(self):
        policy = self.policy(NEW_ONLY)
        for args, env in ((["--image", "cicd_name=shop,image_version=2.0.0,compare_with=1.9.0"], {}),
                          ([], {"HSS_GATE_COMPARE_WITH": "1.9.0"})):
            with self.subTest(args or env):
                result = self.gate("check", "--endpoint", self.fake.url, "--project-id", "test-project",
                                   *(args or ["--cicd-name", "shop", "--image-version", "2.0.0"]),
                                   "--policy", policy, "--json", "report.json",
                                   env={"HSS_GATE_AUTH_TOKEN": TOKEN, **env})
                self.assertEqual(result.code, 1, result.out + result.err)
                self.assertIn("1 new, 1 already in 1.9.0", result.out)

    def test_new_only_and_max_increase_are_tighten_only(self):
        base = self.policy(NEW_ONLY.replace("new_only = true\n", "") +
                           '[rules.growth]\nfield = "vul_num"\nmax_increase = 0\n', "base.toml")
        cases = {
            "adds new_only": ('[rules.new-vulns]\nfindings = "vulnerabilities"\nnew_only = true\nmax = 0\n', "new_only"),
            "raises max_increase": ('[rules.growth]\nfield = "vul_num"\nmax_increase = 3\n', "max_increase"),
        }
        for name, (text, word) in cases.items():
            with self.subTest(name):
                repo = self.policy('extends = ["base.toml"]\n' + text, "repo.toml")
                result = self.gate("policy", "lint", repo)
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(word, result.out + result.err)
        own = self.policy('extends = ["base.toml"]\n[rules.own]\nfindings = "malware"\nnew_only = true\nmax = 0\n'
                          '[rules.own-growth]\nfield = "malicious_file_num"\nmax_increase = 2\n', "own.toml")
        result = self.gate("policy", "lint", own)
        self.assertEqual(result.code, 0, result.out + result.err)

    def test_new_only_needs_a_kind_with_an_identity(self):
        path = self.policy('[rules.base]\nfindings = "base_image"\nnew_only = true\nmax = 0\n')
        result = self.gate("policy", "lint", path)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("no identity", result.out + result.err)
        path = self.policy('[rules.v]\nfindings = "vulnerabilities"\nnew_only = "yes"\nmax = 0\n')
        self.assertEqual(self.gate("policy", "lint", path).code, 2)
        path = self.policy('[rules.v]\nfield = "severity_level"\nmax_increase = 1\n')
        self.assertEqual(self.gate("policy", "lint", path).code, 2)


class Files(Compare):
    def test_a_saved_bundle_of_the_version_in_production_is_compared_with(self):
        policy = self.policy(NEW_ONLY)
        reads = self.policy('[rules.vulns]\nfindings = "vulnerabilities"\nmax = 10\n', "reads.toml")
        saved = self.run_gate("--policy", reads, "--save-bundle", "prod.json", version="1.9.0")
        self.assertEqual(saved.code, 0, saved.out + saved.err)
        online = self.run_gate("--policy", policy, "--compare-with", "1.9.0")
        self.fake.reset([candidate()])  # HSS no longer lists 1.9.0: the file is all there is
        with self.fake.lock:
            self.fake.findings = {"img-1": {"vulnerabilities": [OPENSSL, XZ]}}
        result = self.run_gate("--policy", policy, "--compare-with-file", "prod.json")
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertIn("1 new, 1 already in 1.9.0", result.out)
        self.assertEqual(self.rule(result.json(), "new-vulns")["findings"], self.rule(online.json(), "new-vulns")["findings"])
        compared = result.json()["images"][0]["compared_with"]
        self.assertTrue(compared["available"])
        self.assertIn("prod.json", compared["from"])

    def test_a_bundle_that_cannot_answer_is_unavailable_and_a_wrong_file_is_exit_2(self):
        saved = self.run_gate("--save-bundle", "prod.json", version="1.9.0")  # no finding lists in it
        self.assertEqual(saved.code, 0, saved.out + saved.err)
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with-file", "prod.json")
        self.assertEqual(result.code, 1, result.out + result.err)
        rule = self.rule(result.json(), "new-vulns")
        self.assertEqual([f["new"] for f in rule["findings"]], [True, True], "nothing is old that cannot be read")
        self.assertIn("unavailable to compare with", rule["detail"])
        compared = result.json()["images"][0]["compared_with"]
        self.assertFalse(compared["available"])
        self.assertIn("its vulnerabilities could not be read", compared["reason"])
        own = self.run_gate("--save-bundle", "own.json")
        self.assertEqual(own.code, 0, own.out + own.err)
        result = self.run_gate("--compare-with-file", "own.json")
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("itself", result.err)
        plain = os.path.join(os.path.dirname(__file__), "..", "data", "responses", "clean.json")
        result = self.run_gate("--compare-with-file", plain)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("plain list response", result.err)
        result = self.run_gate("--compare-with-file", "prod.json", "--compare-with", "1.9.0")
        self.assertEqual(result.code, 2, result.out + result.err)
        result = self.run_gate("--compare-with-file", "prod.json", "--sarif", "prod.json")
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("--compare-with-file", result.err)

    def test_a_bundle_holding_several_candidates_or_none_is_unavailable_and_says_so(self):
        self.fake.reset([production(), production(image_id="img-9", image_version="1.8.0", image_digest="sha256:" + "9" * 64),
                         candidate()])
        with self.fake.lock:
            self.fake.findings = {"img-0": {"vulnerabilities": [OPENSSL]}, "img-9": {"vulnerabilities": [OPENSSL]},
                                  "img-1": {"vulnerabilities": [OPENSSL]}}
        reads = self.policy('[rules.vulns]\nfindings = "vulnerabilities"\nmax = 10\n', "reads.toml")
        saved = self.gate("check", "--endpoint", self.fake.url, "--project-id", "test-project", "--policy", reads,
                          "--image", "cicd_name=shop,image_version=1.9.0", "--image", "cicd_name=shop,image_version=1.8.0",
                          "--save-bundle", "two.json", env={"HSS_GATE_AUTH_TOKEN": TOKEN})
        self.assertEqual(saved.code, 0, saved.out + saved.err)
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with-file", "two.json")
        self.assertEqual(result.code, 1, result.out + result.err)
        compared = result.json()["images"][0]["compared_with"]
        self.assertFalse(compared["available"])
        self.assertIn("2 images", compared["reason"])
        other = self.gate("check", "--endpoint", self.fake.url, "--project-id", "test-project", "--policy", reads,
                          "--cicd-name", "other", "--image-version", "1.0.0", "--save-bundle", "none.json",
                          env={"HSS_GATE_AUTH_TOKEN": TOKEN})
        self.assertEqual(other.code, 4, other.out + other.err)
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with-file", "none.json")
        self.assertEqual(result.code, 1, result.out + result.err)
        rule = self.rule(result.json(), "new-vulns")
        self.assertIn("the image in the bundle none.json is unavailable", rule["detail"])
        self.assertNotIn('"2.0.0"', result.json()["images"][0]["compared_with"]["reason"])

    def test_a_run_saved_with_its_comparison_replays_to_the_same_verdict(self):
        policy = self.policy(NEW_ONLY)
        online = self.run_gate("--policy", policy, "--compare-with", "1.9.0", "--save-bundle", "run.json")
        self.assertEqual(online.code, 1, online.out + online.err)
        replay = self.gate("check", "--from-file", "run.json", "--cicd-name", "shop", "--image-version", "2.0.0",
                           "--compare-with", "1.9.0", "--policy", policy, "--json", "report.json")
        self.assertEqual(replay.code, 1, replay.out + replay.err)
        self.assertEqual(self.rule(replay.json(), "new-vulns")["findings"], self.rule(online.json(), "new-vulns")["findings"])
        self.assertTrue(replay.json()["images"][0]["compared_with"]["available"])


class Reports(Compare):
    def test_sarif_and_gitlab_carry_every_finding_with_new(self):
        result = self.run_gate("--policy", self.policy(NEW_ONLY), "--compare-with", "1.9.0", "--sarif", "out.sarif",
                               "--gitlab-report", "gl.json", "--region", "ap-southeast-1")
        self.assertEqual(result.code, 1, result.out + result.err)
        sarif = result.json("out.sarif")
        marks = {r["properties"]["findingId"]: r["properties"]["new"] for r in sarif["runs"][0]["results"]
                 if "findingId" in r["properties"]}
        self.assertEqual(marks, {"USN-1": False, "USN-2": True})
        gitlab = result.json("gl.json")
        self.assertEqual({v["name"]: v["details"]["new"]["value"] for v in gitlab["vulnerabilities"]},
                         {"USN-1": False, "USN-2": True})
        schema = os.path.join(SOURCE, "tests", "data", "gitlab", "container-scanning-report-format.json")
        done = subprocess.run([tool("ajv"), "validate", "--spec=draft7", "--strict=false", "-c", "ajv-formats",
                               "-s", schema, "-d", result.path("gl.json")], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        done = subprocess.run([tool("sarif-multitool"), "validate", result.path("out.sarif")], capture_output=True,
                              text=True, env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"})
        self.assertFalse(re.search(r"error (JSON|SARIF)", done.stdout + done.stderr), done.stdout + done.stderr)


class RoundTrips(Compare):
    def test_a_comparison_adds_no_round_trip(self):
        policy = self.policy(NEW_ONLY)
        self.fake.latency = 0.4
        started = time.monotonic()
        without = self.run_gate("--policy", policy)
        alone = time.monotonic() - started
        started = time.monotonic()
        compared = self.run_gate("--policy", policy, "--compare-with", "1.9.0")
        both = time.monotonic() - started
        self.assertEqual((without.code, compared.code), (1, 1), compared.out + compared.err)
        # Two rounds (the list, then the findings) either way; a comparison read in series would add two.
        self.assertLess(both, alone + 0.6, f"{both:.2f}s with a comparison, {alone:.2f}s without")
