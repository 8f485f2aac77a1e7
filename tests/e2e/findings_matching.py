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
