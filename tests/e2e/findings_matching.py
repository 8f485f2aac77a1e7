"""How findings rules and finding waivers match findings, end to end against the fake HSS: unknown
CVSS, unknown severities, off-ladder severity words, the empty glob, CVE waivers (live and replayed)
and the suggested waiver pasted back. Run as part of test_findings (which imports this class)."""
import json
import os
import re

from harness import FakeServerTest, record

TOKEN = "matching-SECRET-token"


def vuln(vul_id, **members):
    return {"vul_id": vul_id, "repair_necessity": "immediate_repair", "app_name": "openssl", "version": "1.1.1",
            **members}


class FindingMatching(FakeServerTest):
    TOKEN = TOKEN

    def serve(self, findings, cves=None):
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": json.loads(json.dumps(findings))}
            self.fake.cves = json.loads(json.dumps(cves or {}))

    def run_gate(self, policy_text, *args, command="check"):
        path = os.path.join(self.folder, "policy.toml")
        with open(path, "w") as f:
            f.write("version = 1\n" + policy_text)
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                       "HSS_GATE_AUTH_TOKEN": TOKEN, "HSS_GATE_NOW": ""}
        if command == "lint":
            return self.gate("policy", "lint", path)
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", path,
                           "--json", "report.json", *args, env=environment)
        self.assertNotIn(TOKEN, result.out + result.err)
        return result

    def verdict(self, result, rule="r"):
        for entry in result.json()["images"][0]["results"]:
            if entry["rule"] == rule:
                return entry
        self.fail(f"no result for {rule}: {result.out}")

    @staticmethod
    def waiver(finding, rule="r"):
        return f'[[exceptions]]\nrules = ["{rule}"]\n{finding}\nexpires = 2027-01-01\nreason = "r"\n'

    def test_cvss_is_unknown_when_any_cve_of_the_vulnerability_lacks_a_score(self):
        for unscored in ({"cve_id": "CVE-2"}, {"cve_id": "CVE-2", "cvss_score": None}):
            with self.subTest(unscored=unscored):
                self.serve({"vulnerabilities": [vuln("USN-1")]},
                           {"USN-1": [{"cve_id": "CVE-1", "cvss_score": 5.0}, unscored]})
                result = self.run_gate('[rules.r]\nfindings = "vulnerabilities"\nwhere.cvss = { min = 9.0 }\n')
                self.assertEqual(result.code, 1, result.out + result.err)
                self.assertTrue(self.verdict(result)["findings"][0]["unknown"])
                result = self.run_gate('[rules.r]\nfindings = "vulnerabilities"\n'
                                       'where.cvss = { min = 9.0, unknown = "skip" }\n')
                self.assertEqual(result.code, 0, result.out + result.err)

    def test_a_severity_glob_list_counts_findings_of_unknown_severity(self):
        for kind, finding, globs in [
            ("secrets", {"sensitive_info_id": "S-1", "severity": "High ", "file_path": "/a"}, '["critical", "high"]'),
            ("baseline", {"check_rule_id": "R-1", "check_name": "SSH"}, '"h*"'),
            ("build_risks", {"risk_id": "B-1", "risk_level": "urgent"}, '"critical"'),
        ]:
            with self.subTest(kind=kind):
                self.serve({kind: [finding]})
                result = self.run_gate(f'[rules.r]\nfindings = "{kind}"\nwhere.severity = {globs}\n')
                self.assertEqual(result.code, 1, result.out + result.err)
                self.assertTrue(self.verdict(result)["findings"][0]["unknown"])

    def test_lint_refuses_a_plain_severity_word_off_the_ladder(self):
        self.serve({})
        for text, names in [
            ('[rules.r]\nfindings = "secrets"\nwhere.severity = "hgih"\n', "rules.r.where.severity"),
            ('[rules.r]\nfindings = "baseline"\nwhere.severity = ["high", "Hihg"]\n', "rules.r.where.severity"),
            ('[rules.r]\nfindings = "malware"\n' + self.waiver('finding = { severity = "critcal" }'), "rule 'r'"),
        ]:
            with self.subTest(text=text):
                for command in ("lint", "check"):
                    result = self.run_gate(text, command=command)
                    self.assertEqual(result.code, 2, result.out + result.err)
                    line = [l for l in (result.out + result.err).splitlines() if "is not a severity" in l]
                    self.assertEqual(len(line), 1, result.out + result.err)
                    self.assertIn("policy.toml:", line[0])
                    self.assertIn(names, line[0])
                    self.assertRegex(line[0], r'"(hgih|Hihg|critcal)"')
                    self.assertIn("info, low, medium, high, critical", line[0])
        result = self.run_gate('[rules.r]\nfindings = "secrets"\nwhere.severity = ["HIGH", "c*"]\n', command="lint")
        self.assertEqual(result.code, 0, result.out + result.err)

    def test_an_empty_glob_matches_findings_lacking_the_attribute(self):
        for kind, attribute, lacking, having in [
            ("vulnerabilities", "app_path", [vuln("USN-1"), vuln("USN-2", app_path="")], vuln("USN-3", app_path="/x")),
            ("malware", "file_name", [{"file_path": "/a"}, {"file_path": "/b", "file_name": ""}],
             {"file_path": "/c", "file_name": "c"}),
        ]:
            with self.subTest(kind=kind):
                self.serve({kind: lacking + [having]})
                rule = f'[rules.r]\nfindings = "{kind}"\n'
                result = self.run_gate(rule + f'where.{attribute} = ""\nmax = 2\n')
                self.assertEqual(result.code, 0, result.out + result.err)
                self.assertEqual(self.verdict(result)["actual"], 2)
                result = self.run_gate(rule + self.waiver(f'finding = {{ {attribute} = "" }}'))
                self.assertEqual(result.code, 1, result.out + result.err)
                self.assertEqual([f["waived"] for f in self.verdict(result)["findings"]], [True, True, False])

    def test_a_cve_waiver_waives_only_when_it_covers_every_cve_counted_live_and_replayed(self):
        self.serve({"vulnerabilities": [vuln("USN-1")]},
                   {"USN-1": [{"cve_id": "CVE-2021-44228", "cvss_score": 10.0},
                              {"cve_id": "CVE-2024-3094", "cvss_score": 7.5}]})
        everything = '[rules.r]\nfindings = "vulnerabilities"\nwhere.severity = { min = "high" }\n'
        log4j = '[rules.r]\nfindings = "vulnerabilities"\nwhere.cve_id = "CVE-2021-*"\n'
        cases = [(everything, '"CVE-2024-3094"', 1), (everything, '"CVE-2021-44228"', 1),
                 (everything, '["CVE-2021-44228", "CVE-2024-3094"]', 0), (log4j, '"CVE-2024-3094"', 1),
                 (log4j, '"CVE-2021-44228"', 0)]
        for rule, globs, code in cases:
            with self.subTest(rule=rule, globs=globs):
                policy = rule + self.waiver(f"finding = {{ cve_id = {globs} }}")
                with self.fake.lock:
                    self.fake.requests.clear()
                live = self.run_gate(policy, "--save-bundle", "bundle.json")
                self.assertEqual(live.code, code, live.out + live.err)
                # the waiver's cve_id made the gate fetch the CVEs
                self.assertTrue(any(r["path"].endswith("/cve") for r in self.fake.finding_requests()))
                replayed = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy",
                                     os.path.join(self.folder, "policy.toml"), "--from-file", "bundle.json",
                                     env={"HSS_GATE_NOW": ""})
                self.assertEqual(replayed.code, code, replayed.out + replayed.err)

    def test_the_suggested_waiver_pasted_back_waives_exactly_the_finding_it_names(self):
        for kind, lacking, having in [
            ("vulnerabilities", vuln("USN-1"), vuln("USN-1", app_path="/usr/lib")),
            ("malware", {"file_path": "/opt/miner"}, {"file_path": "/opt/miner", "file_name": "miner"}),
            ("secrets", {"sensitive_info_id": "S-1", "severity": "high", "file_path": "/a"},
             {"sensitive_info_id": "S-1", "severity": "high", "file_path": "/a", "position": "layer2"}),
        ]:
            for first, second in ((lacking, having), (having, lacking)):
                with self.subTest(kind=kind, first=first):
                    self.serve({kind: [first, second]})
                    rule = f'[rules.r]\nfindings = "{kind}"\n'
                    result = self.run_gate(rule)
                    self.assertEqual(result.code, 1, result.out + result.err)
                    hint = re.search(r"finding = \{[^}]*\}", result.out)
                    self.assertIsNotNone(hint, result.out)
                    if first is lacking:
                        self.assertIn('= ""', hint.group(0))
                    result = self.run_gate(rule + self.waiver(hint.group(0)))
                    self.assertEqual(result.code, 1, result.out + result.err)
                    verdict = self.verdict(result)
                    self.assertEqual(verdict["actual"], 1)
                    self.assertEqual([f["waived"] for f in verdict["findings"]], [True, False])

    def test_a_cve_without_an_id_is_covered_by_no_cve_waiver_but_the_empty_glob(self):
        known = {"cve_id": "CVE-2024-3094", "cvss_score": 7.5}
        everything = '[rules.r]\nfindings = "vulnerabilities"\n'
        for name, idless in [("null id", {"cve_id": None, "cvss_score": 9.8}), ('"" id', {"cve_id": "", "cvss_score": 9.8}),
                             ("no cve_id member", {"cvss_score": 9.8})]:
            for cves, cases in [
                ([idless], [('"*"', 1), ('"CVE-*"', 1), ('""', 0)]),
                ([known, idless], [('"CVE-2024-3094"', 1), ('"*"', 1), ('""', 1), ('["CVE-2024-3094", ""]', 0)]),
                ([idless, known], [('"CVE-2024-*"', 1), ('["", "CVE-2024-3094"]', 0)]),
            ]:
                for globs, code in cases:
                    with self.subTest(idless=name, cves=cves, globs=globs):
                        self.serve({"vulnerabilities": [vuln("USN-1")]}, {"USN-1": cves})
                        result = self.run_gate(everything + self.waiver(f"finding = {{ cve_id = {globs} }}"))
                        self.assertEqual(result.code, code, result.out + result.err)
                        self.assertEqual(self.verdict(result)["findings"][0]["waived"], code == 0)
            with self.subTest(idless=name, rule="counted for its named CVE only"):
                # The rule counts the vulnerability for CVE-2024-3094: the CVE without an id is not
                # in the set to cover, so a waiver naming CVE-2024-3094 covers it.
                self.serve({"vulnerabilities": [vuln("USN-1")]}, {"USN-1": [known, idless]})
                by_id = '[rules.r]\nfindings = "vulnerabilities"\nwhere.cve_id = "CVE-2024-*"\n'
                result = self.run_gate(by_id + self.waiver('finding = { cve_id = "CVE-2024-3094" }'))
                self.assertEqual(result.code, 0, result.out + result.err)

    # Per kind: two findings of one image that differ only by an attribute outside the kind's key.
    ALIKE = [
        ("vulnerabilities", vuln("USN-1", position="layer1"), vuln("USN-1", position="layer2")),
        ("vulnerabilities", vuln("USN-1"), vuln("USN-1", repair_necessity="delay_repair")),
        ("malware", {"file_path": "/opt/miner", "file_name": "miner", "size": 100},
         {"file_path": "/opt/miner", "file_name": "miner", "size": 200}),
        ("secrets", {"sensitive_info_id": "S-1", "file_path": "/a", "severity": "high", "name": "aws"},
         {"sensitive_info_id": "S-1", "file_path": "/a", "severity": "high", "name": "gcp"}),
        ("baseline", {"check_rule_id": "R-1", "check_name": "SSH", "severity": "High"},
         {"check_rule_id": "R-1", "check_name": "SSH", "severity": "Low"}),
        ("build_risks", {"risk_id": "B-1", "rule_id": "curl", "risk_level": "critical"},
         {"risk_id": "B-1", "rule_id": "curl", "risk_level": "low"}),
        ("software", {"app_name": "zlib", "app_type": "deb", "app_version": "1", "vul_num": 1},
         {"app_name": "zlib", "app_type": "deb", "app_version": "1", "vul_num": 2}),
        ("base_image", {"os_name": "Debian", "os_version": "12", "layer_digest": "sha256:aa"},
         {"os_name": "Debian", "os_version": "12", "layer_digest": "sha256:bb"}),
    ]

    def suggested(self, result):
        hint = re.search(r"finding = \{[^}]*\}", result.out)
        self.assertIsNotNone(hint, result.out)
        return hint.group(0)

    def test_the_suggested_waiver_tells_apart_findings_differing_only_outside_the_key(self):
        for kind, first, second in self.ALIKE:
            for pair in ((first, second), (second, first)):
                with self.subTest(kind=kind, first=pair[0]):
                    self.serve({kind: list(pair)})
                    rule = f'[rules.r]\nfindings = "{kind}"\n'
                    result = self.run_gate(rule, "--region", "ap-southeast-1")
                    self.assertEqual(result.code, 1, result.out + result.err)
                    keys = [f["key"] for f in self.verdict(result)["findings"]]
                    self.assertEqual(keys[1], keys[0] + "#2")  # the key keeps its members
                    self.assertNotIn("also waives", result.out)
                    result = self.run_gate(rule + self.waiver(self.suggested(result)), "--region", "ap-southeast-1")
                    self.assertEqual(result.code, 1, result.out + result.err)
                    verdict = self.verdict(result)
                    self.assertEqual(verdict["actual"], 1)
                    self.assertEqual([f["waived"] for f in verdict["findings"]], [True, False])
                    # and the other finding's own suggestion waives it alone
                    result = self.run_gate(rule + self.waiver(self.suggested(result)), "--region", "ap-southeast-1")
                    self.assertEqual([f["waived"] for f in self.verdict(result)["findings"]], [False, True])

    def test_a_suggested_waiver_says_when_it_also_waives_identical_findings(self):
        risk = {"risk_id": "B-1", "rule_id": "curl", "risk_level": "critical"}
        miner = {"file_path": "/opt/miner", "file_name": "miner", "size": 100}
        for kind, findings, twins, waived in [
            ("build_risks", [risk, risk], 1, [True, True]),
            ("malware", [miner, dict(miner, size=5), miner, miner], 2, [True, False, True, True]),
        ]:
            with self.subTest(kind=kind):
                self.serve({kind: findings})
                rule = f'[rules.r]\nfindings = "{kind}"\n'
                result = self.run_gate(rule, "--summary", "summary.md", "--junit", "junit.xml")
                self.assertEqual(result.code, 1, result.out + result.err)
                note = f"it also waives {twins} other finding{'s' if twins > 1 else ''} of this image identical to it"
                self.assertIn(note, result.out)
                self.assertIn(note, result.text("summary.md"))
                self.assertIn(note, result.text("junit.xml"))
                result = self.run_gate(rule + self.waiver(self.suggested(result)))
                self.assertEqual([f["waived"] for f in self.verdict(result)["findings"]], waived)
