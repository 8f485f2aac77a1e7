"""Findings rules against the fake HSS: every kind blocking and passing, CVE and CVSS rules,
finding waivers, include_handled, failing finding requests and policy errors (bundles that replay
to the same verdict are in test_bundles.py)."""
import json
import os
import unittest

from findings_matching import FindingMatching  # noqa: F401 (run with this suite)
from harness import FakeServerTest, record

TOKEN = "findings-SECRET-token"
SECRET_CONTENT = "AKIA-THE-LEAKED-KEY-1234"

VULNS = [
    {"vul_id": "USN-1", "repair_necessity": "immediate_repair", "app_name": "openssl", "version": "1.1.1",
     "app_path": "", "description": "bad", "position": "layer1", "solution": "upgrade", "url": "https://x"},
    {"vul_id": "USN-2", "repair_necessity": "delay_repair", "app_name": "xz-utils", "version": "5.6.0",
     "app_path": "", "description": "meh", "position": "layer1", "solution": "", "url": ""},
    {"vul_id": "USN-3", "repair_necessity": "not_needed_repair", "app_name": "zlib", "version": "1.2",
     "app_path": "", "description": "", "position": "", "solution": "", "url": ""},
]
CVES = {"USN-1": [{"cve_id": "CVE-2021-44228", "cvss_score": 10.0, "publish_time": 1, "description": "log4shell"}],
        "USN-2": [{"cve_id": "CVE-2024-3094", "cvss_score": 7.5, "publish_time": 1, "description": "xz"}],
        "USN-3": []}
FINDINGS = {
    "vulnerabilities": VULNS,
    "malware": [{"file_name": "miner", "file_path": "/usr/bin/miner", "size": 100, "description": "coin miner"}],
    "secrets": [{"sensitive_info_id": "S-1", "severity": "high", "name": "aws-key", "file_path": "/app/.env",
                 "position": "layer2", "description": "AWS key", "content": SECRET_CONTENT, "latest_scan_time": 1,
                 "handle_status": "unhandled"}],
    "baseline": [{"severity": "High", "check_name": "SSH", "check_type": "ssh", "standard": "hw_standard",
                  "check_type_desc": "", "check_rule_name": "PermitRootLogin no", "check_rule_id": "R-22",
                  "scan_result": "failed", "latest_scan_time": 1, "image_num": 1}],
    "build_risks": [{"risk_id": "B-1", "rule_id": "curl-pipe-sh", "risk_name": "curl | sh", "risk_level": "critical",
                     "description": "pipes a download to a shell", "image_type": "cicd", "latest_scan_time": 1,
                     "image_num": 1}],
    "software": [{"app_name": "openssl", "app_type": "deb", "app_version": "1.1.1", "vul_num": 3}],
    "base_image": [{"os_name": "Debian", "os_version": "9", "layer_digest": "sha256:bb"}],
}
# Per kind: a condition that matches the finding above, and one that does not.
CONDITIONS = {
    "vulnerabilities": ('where.severity = { min = "high" }', 'where.app_name = "nothing*"'),
    "malware": ('where.file_path = "/usr/bin/*"', 'where.file_path = "/opt/*"'),
    "secrets": ('where.severity = ["critical", "high"]', 'where.severity = "critical"'),
    "baseline": ('where.severity = { min = "medium" }', 'where.standard = "cn_standard"'),
    "build_risks": ('where.severity = { min = "critical" }', 'where.rule_id = "add-*"'),
    "software": ('where.vul_num = { min = 1 }', 'where.app_type = "npm"'),
    "base_image": ('where.os_version = ["8", "9"]', 'where.os_name = "Ubuntu"'),
}


class Findings(FakeServerTest):
    TOKEN = TOKEN

    def setUp(self):
        super().setUp()
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": json.loads(json.dumps(FINDINGS))}
            self.fake.cves = json.loads(json.dumps(CVES))

    def policy(self, text):
        path = os.path.join(self.folder, "policy.toml")
        with open(path, "w") as f:
            f.write("version = 1\n" + text)
        return path

    def run_gate(self, policy_text, *args, env=None):
        # The test-only scaled clock (docs/reliability.md): retries keep their counts, sleep less.
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                       "HSS_GATE_AUTH_TOKEN": TOKEN, "HSS_GATE_TEST_TIME_SCALE": "20", **(env or {})}
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy",
                           self.policy(policy_text), "--json", "report.json", "--junit", "junit.xml",
                           "--summary", "summary.md", *args, env=environment)
        self.assertNotIn(TOKEN, result.out + result.err)
        for name in ("report.json", "junit.xml", "summary.md"):
            if os.path.exists(result.path(name)):
                self.assertNotIn(SECRET_CONTENT, result.text(name))
        self.assertNotIn(SECRET_CONTENT, result.out + result.err)
        return result

    def rule(self, report, rule_id):
        for result in report["images"][0]["results"]:
            if result["rule"] == rule_id:
                return result
        self.fail(f"no result for {rule_id}")

    def test_each_kind_blocks_on_a_match_and_passes_without_one(self):
        for kind, (matching, missing) in CONDITIONS.items():
            with self.subTest(kind=kind):
                self.fake.reset([record()])
                with self.fake.lock:
                    self.fake.findings = {"img-1": json.loads(json.dumps(FINDINGS))}
                result = self.run_gate(f'[rules.r]\nfindings = "{kind}"\n{matching}\n', "--region", "ap-southeast-1")
                self.assertEqual(result.code, 1, result.out + result.err)
                report = self.assert_reports_agree(result)
                verdict = self.rule(report, "r")
                self.assertEqual((verdict["status"], verdict["actual"], verdict["limit"]), ("fail", 1, 0))
                self.assertEqual(len(verdict["findings"]), 1)
                finding = verdict["findings"][0]
                self.assertEqual(finding["kind"], kind)
                self.assertFalse(finding["waived"])
                self.assertIn(finding["id"], result.out)
                failure = result.junit().find(".//testcase[@name='r']/failure")
                self.assertIn(finding["id"], failure.text)
                # only the list the rule needs was asked for
                kinds = {self.kind_of(r["path"]) for r in self.fake.finding_requests()}
                self.assertEqual(kinds, {kind})

                result = self.run_gate(f'[rules.r]\nfindings = "{kind}"\n{missing}\n', "--region", "ap-southeast-1")
                self.assertEqual(result.code, 0, result.out + result.err)
                self.assertEqual(self.rule(result.json(), "r")["findings"], [])

    @staticmethod
    def kind_of(path):
        from fake_hss import FINDINGS as ENDPOINTS
        for pattern, kind, *_ in ENDPOINTS:
            if pattern.match(path):
                return kind
        return None

    def test_severity_mapping_and_ids(self):
        result = self.run_gate('[rules.v]\nfindings = "vulnerabilities"\nwhere.severity = { min = "medium" }\nmax = 5\n')
        self.assertEqual(result.code, 0, result.out + result.err)
        verdict = self.rule(result.json(), "v")
        self.assertEqual([(f["id"], f["severity"]) for f in verdict["findings"]],
                         [("USN-1", "high"), ("USN-2", "medium")])
        self.assertEqual(verdict["findings"][0]["key"], "USN-1|openssl||1.1.1")
        self.assertEqual(verdict["actual"], 2)

    def test_a_policy_without_findings_rules_sends_one_request(self):
        result = self.run_gate('[rules.v]\nfield = "vul_num"\nmax = 0\n')
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(len(self.fake.page_requests()), 1)

    def test_cve_rules_fetch_cves_once_and_only_for_candidates(self):
        policy = ('[rules.log4shell]\nfindings = "vulnerabilities"\nwhere.cve_id = ["CVE-2021-44228", "CVE-2021-45046"]\n'
                  '[rules.critical-cvss]\nfindings = "vulnerabilities"\nwhere.severity = { min = "medium" }\n'
                  'where.cvss = { min = 9.0 }\n')
        result = self.run_gate(policy)
        self.assertEqual(result.code, 1, result.out + result.err)
        report = result.json()
        self.assertEqual([f["id"] for f in self.rule(report, "log4shell")["findings"]], ["USN-1"])
        self.assertEqual(self.rule(report, "log4shell")["findings"][0]["attributes"]["cve_id"], ["CVE-2021-44228"])
        self.assertEqual([f["id"] for f in self.rule(report, "critical-cvss")["findings"]], ["USN-1"])
        cve_paths = sorted(r["path"] for r in self.fake.finding_requests() if r["path"].endswith("/cve"))
        self.assertEqual(len(cve_paths), 3)  # log4shell needs every vulnerability's CVEs, once each
        self.assertEqual(len(set(cve_paths)), 3)

        with self.fake.lock:
            self.fake.requests.clear()
        result = self.run_gate('[rules.c]\nfindings = "vulnerabilities"\nwhere.severity = { min = "high" }\n'
                               'where.cvss = { min = 9.0 }\n')
        self.assertEqual(result.code, 1)
        cve_paths = [r["path"] for r in self.fake.finding_requests() if r["path"].endswith("/cve")]
        self.assertEqual(len(cve_paths), 1)  # only USN-1 matches the other conditions
        self.assertIn("USN-1", cve_paths[0])

    def test_unknown_cvss_counts_unless_skipped(self):
        # USN-3 has no CVEs, so no CVSS: it matches a threshold unless told to skip.
        result = self.run_gate('[rules.c]\nfindings = "vulnerabilities"\nwhere.app_name = "zlib"\n'
                               'where.cvss = { min = 9.0 }\n')
        self.assertEqual(result.code, 1, result.out + result.err)
        finding = self.rule(result.json(), "c")["findings"][0]
        self.assertTrue(finding["unknown"])
        self.assertIn("unknown", result.out)
        result = self.run_gate('[rules.c]\nfindings = "vulnerabilities"\nwhere.app_name = "zlib"\n'
                               'where.cvss = { min = 9.0, unknown = "skip" }\n')
        self.assertEqual(result.code, 0, result.out + result.err)

    def test_finding_waivers(self):
        rule = '[rules.v]\nfindings = "vulnerabilities"\nwhere.severity = { min = "medium" }\n'
        waiver = ('[[exceptions]]\nrules = ["v"]\nfinding = {{ {pattern} }}\nexpires = {expires}\n'
                  'reason = "SEC-981: not reachable"\n')
        both = (waiver.format(pattern='cve_id = "CVE-2024-3094", app_name = "xz*"', expires="2027-01-31") +
                waiver.format(pattern='vul_id = "USN-1"', expires="2027-01-31"))
        result = self.run_gate(rule + both)
        self.assertEqual(result.code, 0, result.out + result.err)
        verdict = self.rule(result.json(), "v")
        self.assertEqual(verdict["status"], "excepted")
        self.assertEqual(verdict["actual"], 0)
        self.assertTrue(all(f["waived"] for f in verdict["findings"]))
        self.assertEqual(verdict["findings"][0]["waiver"]["reason"], "SEC-981: not reachable")

        # one waived, one not: the rule counts the other
        result = self.run_gate(rule + waiver.format(pattern='cve_id = "CVE-2024-3094"', expires="2027-01-31"))
        self.assertEqual(result.code, 1, result.out + result.err)
        verdict = self.rule(result.json(), "v")
        self.assertEqual(verdict["actual"], 1)
        self.assertEqual([f["waived"] for f in verdict["findings"]], [False, True])
        self.assertIn('finding = { vul_id = "USN-1", app_name = "openssl", app_path = "", version = "1.1.1" }',
                      result.out)
        self.assertIn("finding = {", result.text("summary.md"))

        # not matching, and expired: nothing waived; the first is unused, the second expired
        result = self.run_gate(rule + waiver.format(pattern='vul_id = "USN-9"', expires="2027-01-31"))
        self.assertEqual(result.code, 1)
        self.assertIn("waived no failure", result.out)
        result = self.run_gate(rule + waiver.format(pattern='vul_id = "USN-1"', expires="2026-01-01"))
        self.assertEqual(result.code, 1)
        self.assertIn("expired on 2026-01-01", result.out)
        self.assertEqual(self.rule(result.json(), "v")["actual"], 2)

    def test_include_handled(self):
        with self.fake.lock:
            self.fake.findings["img-1"]["secrets"][0]["_handled"] = True
        rule = '[rules.s]\nfindings = "secrets"\n'
        self.assertEqual(self.run_gate(rule).code, 0)
        request = self.fake.finding_requests()[-1]
        self.assertIn(("handle_status", "unhandled"), request["query"])
        result = self.run_gate('[findings]\ninclude_handled = true\n' + rule)
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertNotIn("handle_status", dict(self.fake.finding_requests()[-1]["query"]))

    def test_a_failing_finding_request_is_exit_3_never_a_pass(self):
        with self.fake.lock:
            self.fake.fail_findings["malware"] = (403, {"error_code": "HSS.0004", "error_msg": "forbidden"})
        result = self.run_gate('[rules.m]\nfindings = "malware"\n')
        self.assertEqual(result.code, 3, result.out + result.err)
        self.assertIn("malware", result.err + result.out)
        self.assertEqual(result.json()["images"][0]["decision"], "error")
        result = self.run_gate('[rules.m]\nfindings = "malware"\n', "--on-error", "pass")
        self.assertEqual(result.code, 0)
        self.assertIn("NOT checked", result.out + result.err)

    def test_a_finding_list_written_as_a_bare_object_is_malformed_never_one_record(self):
        # Only ListCicdImages' reference writes a list of one as a bare object; a finding list must
        # be an array, or a single record would stand for the whole list.
        for kind, finding in (("vulnerabilities", VULNS[0]), ("malware", FINDINGS["malware"][0])):
            for total in (1, 0):
                with self.subTest(kind=kind, total=total):
                    self.fake.script.clear()
                    self.fake.script.extend([{}, {"body": {"total_num": total, "data_list": finding}}])
                    result = self.run_gate(f'[rules.k]\nfindings = "{kind}"\nmax = 5\n')
                    self.assertEqual(result.code, 3, result.out + result.err)
                    self.assertIn("data_list", result.out + result.err)
                    self.assertIn("an array of objects", result.out + result.err)
        # The image list keeps its documented bare-object shape.
        self.fake.script.clear()
        self.fake.script.extend([{"body": {"total_num": 1, "data_list": record()}}])
        result = self.run_gate('[rules.n]\nfield = "vul_num"\nmax = 5\n')
        self.assertEqual(result.code, 0, result.out + result.err)

    def test_matches_read_before_a_failure_still_block(self):
        many = [dict(VULNS[0], vul_id=f"USN-{i}") for i in range(250)]
        with self.fake.lock:
            self.fake.findings["img-1"]["vulnerabilities"] = many
            self.fake.script.extend([{}, {}, {"status": 500, "body": {"error_msg": "boom"}}] + [
                {"status": 500, "body": {"error_msg": "boom"}}] * 10)
        result = self.run_gate('[rules.v]\nfindings = "vulnerabilities"\nmax = 10\n', "--timeout", "2s")
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertEqual(self.rule(result.json(), "v")["actual"], 200)

    def test_findings_are_not_fetched_for_images_whose_scan_did_not_succeed(self):
        self.fake.reset([record(scan_status="failed")])
        result = self.run_gate('[rules.m]\nfindings = "malware"\n')
        self.assertEqual(result.code, 4, result.out + result.err)
        self.assertEqual(self.fake.finding_requests(), [])

    def test_console_folds_after_ten_findings(self):
        with self.fake.lock:
            self.fake.findings["img-1"]["malware"] = [{"file_name": f"m{i}", "file_path": f"/bin/m{i}"} for i in range(13)]
        result = self.run_gate('[rules.m]\nfindings = "malware"\n')
        self.assertEqual(result.code, 1)
        self.assertIn("… and 3 more", result.out)
        self.assertIn("<details>", result.text("summary.md"))


class ConnectionPool(FakeServerTest):
    """Against a server that keeps connections alive, the run's requests share at most 8."""
    TOKEN = TOKEN

    @classmethod
    def setUpClass(cls):
        import sys
        from harness import SOURCE
        sys.path.insert(0, os.path.join(SOURCE, "tests", "fake_hss"))
        from fake_hss import FakeHss
        cls.fake = FakeHss(token=cls.TOKEN, keep_alive=True).start()

    def test_requests_reuse_at_most_eight_connections(self):
        self.fake.reset([record()])
        vulns = [dict(VULNS[0], vul_id=f"USN-{i}") for i in range(3000)]
        with self.fake.lock:
            self.fake.findings = {"img-1": {"vulnerabilities": vulns, "malware": [], "secrets": []}}
        path = os.path.join(self.folder, "p.toml")
        with open(path, "w") as f:
            f.write('version = 1\n[rules.v]\nfindings = "vulnerabilities"\nmax = 5000\n'
                    '[rules.m]\nfindings = "malware"\n[rules.s]\nfindings = "secrets"\n')
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", path,
                           "--json", "report.json",
                           env={"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                                "HSS_GATE_AUTH_TOKEN": TOKEN})
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(result.json()["images"][0]["results"][1]["actual"], 3000)
        requests = self.fake.page_requests()
        ports = {r["client_port"] for r in requests}
        self.assertEqual(len(requests), 1 + 16 + 1 + 1)
        self.assertLessEqual(len(ports), 8)


class FindingsPolicyErrors(FakeServerTest):
    TOKEN = TOKEN

    def lint(self, text):
        path = os.path.join(self.folder, "p.toml")
        with open(path, "w") as f:
            f.write("version = 1\n" + text)
        result = self.gate("policy", "lint", path)
        self.assertEqual(result.code, 2, result.out + result.err)
        return result.out

    def test_bad_findings_rules_name_the_place(self):
        self.assertIn("p.toml:3:12: rules.r.findings: expected one of vulnerabilities",
                      self.lint('[rules.r]\nfindings = "viruses"\n'))
        self.assertIn("rules.r.where.cwe: vulnerabilities have no attribute 'cwe'",
                      self.lint('[rules.r]\nfindings = "vulnerabilities"\nwhere.cwe = "x"\n'))
        self.assertIn("expected at least one value",
                      self.lint('[rules.r]\nfindings = "vulnerabilities"\nwhere.vul_id = []\n'))
        self.assertIn("not ordered", self.lint('[rules.r]\nfindings = "malware"\nwhere.file_name = { min = 1 }\n'))
        self.assertIn("file_name is not ordered",
                      self.lint('[rules.r]\nfindings = "malware"\nwhere.file_name = { unknown = "skip" }\n'))
        self.assertIn("where.severity.unknown: expected \"skip\"",
                      self.lint('[rules.r]\nfindings = "malware"\nwhere.severity = { min = "low", unknown = 1 }\n'))
        self.assertIn("either 'field' or 'findings'",
                      self.lint('[rules.r]\nfindings = "malware"\nfield = "vul_num"\n'))
        self.assertIn("'finding' applies only to findings rules",
                      self.lint('[rules.r]\nfield = "vul_num"\nmax = 0\n[[exceptions]]\nrules = ["r"]\n'
                                'finding = { vul_id = "x" }\nexpires = 2027-01-01\nreason = "x"\n'))
        self.assertIn("expected one of info, low, medium, high, critical",
                      self.lint('[rules.r]\nfindings = "secrets"\nwhere.severity = { min = "severe" }\n'))

    def test_extends_may_only_tighten_findings_rules(self):
        base = os.path.join(self.folder, "base.toml")
        with open(base, "w") as f:
            f.write('version = 1\n[findings]\ninclude_handled = true\n[rules.v]\nfindings = "vulnerabilities"\n'
                    'where.severity = { min = "high" }\nwhere.app_name = ["openssl", "zlib"]\nmax = 2\n')
        def lint(text):
            path = os.path.join(self.folder, "team.toml")
            with open(path, "w") as f:
                f.write('version = 1\nextends = "base.toml"\n' + text)
            return self.gate("policy", "lint", path)
        for text in ('[rules.v]\nfindings = "vulnerabilities"\nwhere.severity = { min = "medium" }\nmax = 1\n',
                     '[rules.v]\nfindings = "vulnerabilities"\nwhere.app_name = ["zlib", "curl", "openssl"]\n',
                     '[rules.v]\nfindings = "vulnerabilities"\nwhere.app_name = ["x", "*"]\n'):
            ok = lint(text)
            self.assertEqual(ok.code, 0, ok.out + ok.err)
        for text, message in [
            ('[rules.v]\nfindings = "vulnerabilities"\nmax = 3\n', "raises 'max'"),
            ('[rules.v]\nfindings = "vulnerabilities"\nwhere.severity = { min = "critical" }\n', "narrows where.severity"),
            ('[rules.v]\nfindings = "vulnerabilities"\nwhere.app_name = "openssl"\n', "narrows where.app_name"),
            ('[rules.v]\nfindings = "vulnerabilities"\nwhere.vul_id = "X"\n', "adds the condition where.vul_id"),
            ('[rules.v]\nfindings = "vulnerabilities"\nwhere.severity = { min = "high", unknown = "skip" }\n',
             'adds unknown = "skip"'),
            ('[findings]\ninclude_handled = false\n', "findings.include_handled = false"),
        ]:
            with self.subTest(message=message):
                result = lint(text)
                self.assertEqual(result.code, 2, result.out)
                self.assertIn(message, result.out)

    def test_policy_show_round_trips_findings_rules(self):
        path = os.path.join(self.folder, "p.toml")
        with open(path, "w") as f:
            f.write('version = 1\n[rules.v]\nfindings = "vulnerabilities"\nwhere.cvss = { min = 9.5, unknown = "skip" }\n'
                    'where.cve_id = "CVE-*"\n[[exceptions]]\nrules = ["v"]\nfinding = { app_name = "xz*" }\n'
                    'expires = 2027-01-01\nreason = "r"\n')
        first = self.gate("policy", "show", path)
        self.assertEqual(first.code, 0, first.err)
        shown = os.path.join(self.folder, "shown.toml")
        with open(shown, "w") as f:
            f.write(first.out)
        second = self.gate("policy", "show", shown)
        self.assertEqual(second.out, first.out)
        self.assertIn("9.5", first.out)
        self.assertIn('unknown = "skip"', first.out)


class RegionHeader(FakeServerTest):
    """The base-image API's required `region` header: read from an hss.REGION.myhuaweicloud.com
    endpoint when --region is not given (reached through a CONNECT proxy that tunnels every host to
    a fake server holding a certificate for that name), and exit 2 when no region is known."""
    TOKEN = TOKEN

    @classmethod
    def setUpClass(cls):
        import http.server
        import select
        import socket
        import sys
        import threading
        from harness import SOURCE, make_pki
        sys.path.insert(0, os.path.join(SOURCE, "tests", "fake_hss"))
        from fake_hss import FakeHss
        cls.pki = make_pki({"hss": ("DNS:hss.cn-north-4.myhuaweicloud.com", 2)})
        cls.fake = FakeHss([record()], token=TOKEN, certfile=os.path.join(cls.pki, "hss.pem"),
                           keyfile=os.path.join(cls.pki, "hss.key")).start()
        port = cls.fake.port

        class Tunnel(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_CONNECT(self):
                upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
                self.send_response(200, "Connection established")
                self.end_headers()
                ends = [self.connection, upstream]
                while True:
                    readable, _, _ = select.select(ends, [], [], 5)
                    data = readable and readable[0].recv(65536)
                    if not data:
                        break
                    (upstream if readable[0] is self.connection else self.connection).sendall(data)
                upstream.close()

        cls.proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tunnel)
        threading.Thread(target=cls.proxy.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.shutdown()
        super().tearDownClass()

    def run_gate(self, endpoint, *args):
        path = os.path.join(self.folder, "p.toml")
        with open(path, "w") as f:
            f.write('version = 1\n[rules.b]\nfindings = "base_image"\nwhere.os_name = "Ubuntu"\n')
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", path,
                         "--ca-file", os.path.join(self.pki, "ca.pem"), *args,
                         env={"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": endpoint,
                              "HSS_GATE_AUTH_TOKEN": TOKEN, "HTTPS_PROXY": f"http://127.0.0.1:{self.proxy.server_address[1]}"})

    def setUp(self):
        super().setUp()
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": {"base_image": FINDINGS["base_image"]}}

    def test_an_hss_endpoint_host_gives_the_base_image_api_its_region(self):
        result = self.run_gate("https://hss.cn-north-4.myhuaweicloud.com")
        self.assertEqual(result.code, 0, result.out + result.err)
        sent = self.fake.finding_requests("base_image")
        self.assertEqual([r["headers"].get("region") for r in sent], ["cn-north-4"])
        # --region, when given as well, says it first.
        self.fake.reset([record()])
        self.run_gate("https://hss.cn-north-4.myhuaweicloud.com", "--region", "ap-southeast-1")
        self.assertEqual([r["headers"].get("region") for r in self.fake.finding_requests("base_image")],
                         ["ap-southeast-1"])

    def test_an_endpoint_that_names_no_region_is_exit_2_before_anything_is_sent(self):
        result = self.run_gate(f"https://localhost:{self.fake.port}")
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("hss-gate: error: --region (or HSS_GATE_REGION): required", result.err)
        self.assertIn("the endpoint host localhost names no region", result.err)
        self.assertEqual(self.fake.requests, [])

if __name__ == "__main__":
    unittest.main()
